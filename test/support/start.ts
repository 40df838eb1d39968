import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeProjectRoots } from '../../src/sources/claudeCode/claudeCodeSource';
import { ledgerHome } from '../../src/ledger/ledgerHome';
import { listFilesRecursive } from '../../src/sources/listFiles';
import { generateClaudeCorpus, assistantLine } from './claudeCorpus';
import { startCodeServer } from './codeServer';
import { repoRoot } from './liveData';

/**
 * `npm start`: a real VS Code (code-server) in the browser with the packaged extension installed.
 * It reads your own Claude Code usage when there is some (and keeps your real ledger), otherwise a
 * generated demo dataset with its own ledger. Runs until interrupted.
 */
async function main(): Promise<void> {
	const vsix = path.join(repoRoot, 'token-ledger.vsix');
	if (!fs.existsSync(vsix)) throw new Error('token-ledger.vsix is missing: run `npm run package` first');

	const environment = { home: os.homedir(), env: process.env, platform: process.platform };
	const roots = claudeProjectRoots(environment);
	const hasOwnUsage = roots.some((root) => listFilesRecursive(root, '.jsonl').length > 0);
	let env: Record<string, string>;
	let folder = process.cwd();
	if (hasOwnUsage) {
		// code-server runs with a throw-away HOME: point the extension at the real folders explicitly.
		env = { CLAUDE_CONFIG_DIR: roots.join(','), TOKEN_LEDGER_HOME: ledgerHome(environment) };
		console.log(`Reading your Claude Code usage from ${roots.join(', ')}`);
	} else {
		const demo = path.join(repoRoot, '.vscode-test', 'demo');
		fs.rmSync(demo, { recursive: true, force: true });
		const claudeDir = path.join(demo, 'claude');
		const now = Date.now();
		const truth = generateClaudeCorpus({ configDir: claudeDir, sessions: 40, responsesPerSession: 30, end: now - 3_600_000, days: 14 });
		const live = path.join(claudeDir, 'projects', '-home-dev-demo', 'today.jsonl');
		fs.mkdirSync(path.dirname(live), { recursive: true });
		fs.writeFileSync(live, [1, 2, 3, 4, 5].map((n) => assistantLine({ messageId: `msg_demo_${n}`, timestamp: now - n * 300_000, inputTokens: 3_000 * n, outputTokens: 8_000 * n })).join(''));
		env = { CLAUDE_CONFIG_DIR: claudeDir, TOKEN_LEDGER_HOME: path.join(demo, 'ledger') };
		folder = path.join(demo, 'workspace');
		fs.mkdirSync(folder, { recursive: true });
		console.log(`No Claude Code usage found in ${roots.join(', ')}; using a demo dataset (${truth.requests} requests, 14 days) in ${demo}`);
		console.log(`Try: TOKEN_LEDGER_HOME=${env['TOKEN_LEDGER_HOME']} CLAUDE_CONFIG_DIR=${claudeDir} node dist/cli.js daily`);
	}

	const port = Number(process.env['TOKEN_LEDGER_PORT'] ?? 0);
	const server = await startCodeServer({ folder, vsixPath: vsix, env, ...(port > 0 ? { port } : {}) });
	console.log(`\nVS Code with Token Ledger is running at:\n\n    ${server.url}\n\nOpen it in a browser; press Ctrl+C to stop.`);
	const stop = (): void => {
		void server.stop().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	// Keep the process alive while the server runs (the harness unrefs its handles).
	setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
	console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
