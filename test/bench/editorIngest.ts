import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launchBrowser, waitForWorkbench } from '../support/browser';
import { startCodeServer } from '../support/codeServer';

/**
 * `npm run bench:editor`: the first ingest of a history inside VS Code itself (code-server, the
 * packaged extension, a real extension host, Chromium), twice: with no history at all, then with the
 * 500 MB benchmark corpus (`npm run bench` makes it). For each it prints how long the first refresh
 * took, the ledger process's heap, buffers and RSS after it (from the extension's debug log), and
 * the RSS of the extension host process and of the ledger process 5 s after it and 20 s after it
 * (V8 starts its memory reducer, which gives back a busy heap's garbage, 8 s after the activity
 * ends); the difference between the two runs is what the history costs each. Needs the harness that
 * `npm test` provisions.
 */
const repoRoot = path.resolve(__dirname, '..', '..');
const corpus = path.join(repoRoot, 'bench-results', 'tmp', 'claude-500MB-v2', 'claude');
const refreshLine = /Refresh: (\d+)\/\d+ files read(?: \((\d+) on a helper thread\))?, (\d+) bytes, (\d+) events stored, \d+ malformed, (\d+) ms; ledger process heap ([\d.]+) MB, buffers ([\d.]+) MB, RSS ([\d.]+) MB/;

interface Run {
	readonly label: string;
	readonly bytes: number;
	readonly events: number;
	readonly helperFiles: number;
	readonly refreshMs: number;
	readonly ledgerHeapMB: number;
	readonly ledgerBuffersMB: number;
	/** 5 s and 20 s after the first refresh. */
	readonly extensionHostRssMB: readonly [number, number];
	readonly ledgerRssMB: readonly [number, number];
}

async function ingest(label: string, claudeDir: string): Promise<Run> {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-ingest-'));
	const workspace = path.join(root, 'workspace');
	fs.mkdirSync(workspace);
	fs.mkdirSync(claudeDir, { recursive: true });
	const env = { CLAUDE_CONFIG_DIR: claudeDir, CODEX_HOME: path.join(root, 'no-codex'), TOKEN_LEDGER_HOME: path.join(root, 'ledger'), TZ: 'UTC' };
	const server = await startCodeServer({ folder: workspace, vsixPath: path.join(repoRoot, 'token-ledger.vsix'), env, extraArgs: ['--log', 'debug'] });
	const browser = await launchBrowser();
	try {
		await browser.page.goto(server.url);
		await waitForWorkbench(browser.page);
		const deadline = Date.now() + 120_000;
		let match: RegExpExecArray | null = null;
		while (match === null && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			match = refreshLine.exec(logText(server.userDataDir));
		}
		if (match === null) throw new Error(`${label}: no refresh in the extension's log within 120 s`);
		// Let the first scan's garbage go the way a user's editor would: idle seconds, then more.
		await new Promise((resolve) => setTimeout(resolve, 5_000));
		const soon = [processRss(server.pid, 'extensionHost'), processRss(server.pid, 'dist/worker.js')] as const;
		await new Promise((resolve) => setTimeout(resolve, 15_000));
		const later = [processRss(server.pid, 'extensionHost'), processRss(server.pid, 'dist/worker.js')] as const;
		return {
			label,
			bytes: Number(match[3]),
			events: Number(match[4]),
			helperFiles: Number(match[2] ?? 0),
			refreshMs: Number(match[5]),
			ledgerHeapMB: Number(match[6]),
			ledgerBuffersMB: Number(match[7]),
			extensionHostRssMB: [soon[0], later[0]],
			ledgerRssMB: [soon[1], later[1]],
		};
	} finally {
		await browser.close();
		await server.stop();
		fs.rmSync(root, { recursive: true, force: true });
	}
}

/** The first refresh's line of the extension's log (its debug lines are kept with `--log debug`). */
function logText(userDataDir: string): string {
	try {
		return execFileSync('grep', ['-rh', 'Refresh:', path.join(userDataDir, 'logs')]).toString();
	} catch {
		return ''; // no log file yet
	}
}

/** VmRSS of the process of code-server's group whose command line names `role` (the extension host, the ledger). */
function processRss(group: number, role: string): number {
	for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
		try {
			const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
			const processGroup = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
			const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			if (processGroup !== group || !command.includes(role)) continue;
			const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (rss !== null) return Number(rss[1]) / 1024;
		} catch {
			// the process ended while we looked
		}
	}
	throw new Error(`no ${role} process found`);
}

async function main(): Promise<void> {
	if (!fs.existsSync(corpus)) throw new Error(`run "npm run bench" first: it generates ${corpus}`);
	execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
	const runs = [await ingest('no history', fs.mkdtempSync(path.join(os.tmpdir(), 'empty-claude-'))), await ingest('Claude Code 500 MB', corpus)];
	for (const run of runs) {
		console.log(
			`${run.label}: first refresh ${run.refreshMs} ms (${(run.bytes / 1e6).toFixed(0)} MB, ${run.events} events, ${run.helperFiles} files on the helper thread); ledger process heap ${run.ledgerHeapMB} MB + buffers ${run.ledgerBuffersMB} MB; RSS after 5 s and 20 s: extension host ${pair(run.extensionHostRssMB)}, ledger process ${pair(run.ledgerRssMB)}`,
		);
	}
	const growth = (of: (run: Run) => readonly [number, number], at: 0 | 1): string => (of(runs[1]!)[at] - of(runs[0]!)[at]).toFixed(0);
	console.log(`RSS growth from the 500 MB history after 5 s and 20 s: extension host ${growth((run) => run.extensionHostRssMB, 0)} and ${growth((run) => run.extensionHostRssMB, 1)} MB, ledger process ${growth((run) => run.ledgerRssMB, 0)} and ${growth((run) => run.ledgerRssMB, 1)} MB`);
}

function pair([soon, later]: readonly [number, number]): string {
	return `${soon.toFixed(0)} and ${later.toFixed(0)} MB`;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
