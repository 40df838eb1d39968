import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenLedgerApi } from '../../../src/extension';
import { formatUSD } from '../../../src/core/format';
import { assistantLine } from '../../support/claudeCorpus';

/** Runs inside a real VS Code (code-server) with the extension under development loaded. */
const claudeDir = requiredEnv('CLAUDE_CONFIG_DIR');
const cliPath = requiredEnv('TOKEN_LEDGER_TEST_CLI');

function requiredEnv(name: string): string {
	const value = process.env[name];
	if (value === undefined || value === '') throw new Error(`${name} is not set for the integration suite`);
	return value;
}

async function api(): Promise<TokenLedgerApi> {
	const extension = vscode.extensions.getExtension<TokenLedgerApi>('token-ledger.token-ledger');
	assert.ok(extension, 'the extension is installed');
	return extension.isActive ? extension.exports : await extension.activate();
}

function cliToday(): Promise<{ date: string; costUSD: number; requests: number; unpricedRequests: number; estimatedRequests: number }> {
	return new Promise((resolve, reject) => {
		execFile(process.execPath, [cliPath, 'today', '--json'], { env: process.env }, (error, stdout, stderr) => {
			if (error) reject(new Error(`${error.message}\n${stderr}`));
			else resolve(JSON.parse(stdout) as never);
		});
	});
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<{ value: T; ms: number }> {
	const started = Date.now();
	for (;;) {
		const value = probe();
		if (value !== undefined) return { value, ms: Date.now() - started };
		if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

describe('Token Ledger in a real VS Code', () => {
	it('activates on startup and contributes its commands', async () => {
		const extension = vscode.extensions.getExtension('token-ledger.token-ledger');
		assert.ok(extension);
		await waitFor('activation', () => (extension.isActive ? true : undefined), 20_000);
		const commands = await vscode.commands.getCommands(true);
		for (const id of ['tokenLedger.showToday', 'tokenLedger.rescan', 'tokenLedger.showLog']) {
			assert.ok(commands.includes(id), `${id} is registered`);
		}
	});

	it('shows in the status bar exactly what `token-ledger today` prints for the same data', async () => {
		const ledger = await api();
		const snapshot = await ledger.refresh();
		assert.ok(snapshot, 'a snapshot after refresh');
		const cli = await cliToday();
		assert.equal(cli.date, snapshot.today.date);
		assert.ok(cli.requests > 0, 'the generated data has usage today');
		assert.equal(cli.requests, snapshot.today.requests);
		const marks = { estimated: cli.estimatedRequests > 0 ? '~' : '', unpriced: cli.unpricedRequests > 0 ? '*' : '' };
		assert.equal(ledger.statusBarText, `$(pulse) ${marks.estimated}${formatUSD(cli.costUSD)}${marks.unpriced}`);
	});

	it('shows a line appended to a log within 2 seconds, without a manual refresh', async () => {
		const ledger = await api();
		await ledger.refresh();
		const before = ledger.lastSnapshot!.today.requests;
		const file = path.join(claudeDir, 'projects', '-home-dev-live', 'live.jsonl');
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.appendFileSync(file, assistantLine({ messageId: `msg_live_${Date.now()}`, timestamp: Date.now(), inputTokens: 1000, outputTokens: 5000 }));
		const { ms } = await waitFor('the new request in the status bar', () => (ledger.lastSnapshot!.today.requests === before + 1 ? true : undefined), 2_000);
		console.log(`new line visible after ${ms} ms`);
		const { storedShownMs, firstSnapshotMs, longestSnapshotWorkMs, maxEventLoopDelayMs } = ledger.timings;
		console.log(
			`activation to stored figure ${storedShownMs.toFixed(1)} ms, to first fresh figure ${firstSnapshotMs?.toFixed(0)} ms; longest own work per refresh ${longestSnapshotWorkMs.toFixed(1)} ms; worst event-loop delay (whole extension host) ${maxEventLoopDelayMs.toFixed(1)} ms`,
		);
		const cli = await cliToday();
		assert.equal(cli.requests, before + 1);
		assert.equal(ledger.statusBarText, `$(pulse) ${formatUSD(cli.costUSD)}`);

		// The file is known now: the next line is read by a refresh of the files the watcher named.
		fs.appendFileSync(file, assistantLine({ messageId: `msg_live_${Date.now()}_2`, timestamp: Date.now(), inputTokens: 1000, outputTokens: 5000 }));
		const second = await waitFor('the second new request in the status bar', () => (ledger.lastSnapshot!.today.requests === before + 2 ? ledger.lastSnapshot! : undefined), 2_000);
		console.log(`next line visible after ${second.ms} ms (that refresh looked at ${second.value.stats.filesSeen} file(s))`);
		assert.equal((await cliToday()).requests, before + 2);
	});

	it('reports an invalid setting with a clear message and keeps working', async () => {
		const ledger = await api();
		const config = vscode.workspace.getConfiguration('tokenLedger');
		await config.update('timeZone', 'Mars/Olympus', vscode.ConfigurationTarget.Global);
		try {
			await waitFor('the settings error', () => (ledger.configurationErrors.some((e) => /timeZone "Mars\/Olympus" is not an IANA time zone/.test(e)) ? true : undefined), 5_000);
			const snapshot = await ledger.refresh();
			assert.ok(snapshot, 'the ledger still refreshes');
		} finally {
			await config.update('timeZone', undefined, vscode.ConfigurationTarget.Global);
		}
		await waitFor('the error to clear', () => (ledger.configurationErrors.length === 0 ? true : undefined), 5_000);
	});

	it('shows the sources report (doctor) as a read-only document', async () => {
		await vscode.commands.executeCommand('tokenLedger.showSources');
		const editor = await waitFor('the sources document', () => (vscode.window.activeTextEditor?.document.uri.scheme === 'token-ledger-doctor' ? vscode.window.activeTextEditor : undefined), 10_000);
		const text = editor.value.document.getText();
		assert.match(text, /^\| claude-code \| \*\*found\*\* \| \d+ \| \d+ \| \d{4}-\d\d-\d\d \d\d:\d\d \| exact \| 0 \|$/m);
		assert.ok(text.includes(claudeDir), 'it says where it looked');
		assert.equal(editor.value.document.languageId, 'markdown');
	});

	it('runs the rescan command', async () => {
		await vscode.commands.executeCommand('tokenLedger.rescan');
		const ledger = await api();
		assert.ok(ledger.lastSnapshot);
		assert.ok(ledger.lastSnapshot.at > Date.now() - 10_000);
	});

	it('starts its ledger process again when it dies, and goes on counting', async () => {
		const ledger = await api();
		await ledger.refresh();
		const [first, ...others] = ledgerProcesses();
		assert.ok(first !== undefined && others.length === 0, 'one ledger process beside this extension host');
		process.kill(first, 'SIGKILL');
		const { ms } = await waitFor('a new ledger process', () => (ledgerProcesses().some((pid) => pid !== first) ? true : undefined), 10_000);
		console.log(`ledger process back after ${ms} ms`);
		const snapshot = await ledger.refresh();
		assert.ok(snapshot, 'the new process answers');
		assert.equal(snapshot.today.requests, (await cliToday()).requests);
		assert.equal(ledgerProcesses().length, 1);
	});
});

/** The ledger processes this extension host started (children running `dist/worker.js`). */
function ledgerProcesses(): number[] {
	const found: number[] = [];
	for (const name of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
			if (parent === process.pid && state !== 'Z' && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('worker.js')) found.push(Number(name));
		} catch {
			// it ended while we looked
		}
	}
	return found;
}
