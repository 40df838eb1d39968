import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assistantLine, generateClaudeCorpus } from './claudeCorpus';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

/**
 * A Claude config folder with a week of generated history plus a few requests made just now (so that
 * "today" has usage in any zone), an empty ledger folder and a workspace folder: what the integration
 * and end-to-end runs give to VS Code.
 */
export function liveClaudeSetup(): { root: string; claudeDir: string; ledgerDir: string; workspace: string } {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'token-ledger-live-'));
	const claudeDir = path.join(root, 'claude');
	const ledgerDir = path.join(root, 'ledger');
	const workspace = path.join(root, 'workspace');
	fs.mkdirSync(workspace, { recursive: true });
	const now = Date.now();
	generateClaudeCorpus({ configDir: claudeDir, sessions: 8, responsesPerSession: 25, end: now - 3_600_000, days: 7, seed: 7 });
	const recent = path.join(claudeDir, 'projects', '-home-dev-acme-api', 'recent.jsonl');
	fs.mkdirSync(path.dirname(recent), { recursive: true });
	fs.writeFileSync(
		recent,
		[1, 2, 3].map((n) => assistantLine({ messageId: `msg_recent_${n}`, timestamp: now - n * 60_000, inputTokens: 2_000 * n, outputTokens: 9_000 * n })).join(''),
	);
	return { root, claudeDir, ledgerDir, workspace };
}
