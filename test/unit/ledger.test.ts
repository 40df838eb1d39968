import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { claudeCodeSource } from '../../src/sources/claudeCode/claudeCodeSource';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { claudeFixtureTotals, claudeHome, loggedKeys, tempDir } from './helpers';

const repoRoot = path.join(__dirname, '..', '..');
const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };

function open(home: string, ledgerDir: string): Ledger {
	const source = claudeCodeSource({ home, env: {}, platform: 'linux' });
	return new Ledger({ home: ledgerDir, sources: [source] });
}

function totals(ledger: Ledger) {
	return dailyReport(ledger.counted(), options).totals;
}

function assertFixtureTotals(ledger: Ledger, extra = { inputTokens: 0, outputTokens: 0, requests: 0 }): void {
	const result = totals(ledger);
	assert.equal(result.inputTokens, claudeFixtureTotals.inputTokens + extra.inputTokens);
	assert.equal(result.outputTokens, claudeFixtureTotals.outputTokens + extra.outputTokens);
	assert.equal(result.cacheCreationTokens, claudeFixtureTotals.cacheCreationTokens);
	assert.equal(result.cacheReadTokens, claudeFixtureTotals.cacheReadTokens);
	assert.equal(result.requests, claudeFixtureTotals.requests + extra.requests);
}

const newLine = (id: string, input: number, output: number): string =>
	`${JSON.stringify({
		type: 'assistant',
		sessionId: 'sess-a',
		cwd: '/home/dev/acme-api',
		gitBranch: 'main',
		requestId: `req_${id}`,
		timestamp: '2026-05-02T13:00:00.000Z',
		uuid: `u-${id}`,
		message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: input, output_tokens: output } },
	})}\n`;

describe('Ledger', () => {
	it('looks only at the files named as changed when it knows them all, and lists every file otherwise', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		assert.equal(ledger.refresh().filesSeen, 4);
		const known = path.join(claudeDir, 'projects/-home-dev-acme-api/sess-b.jsonl');
		fs.appendFileSync(known, newLine('W1', 7, 9));
		const named = ledger.refresh([known]);
		assert.deepEqual([named.filesSeen, named.filesRead], [1, 1]);
		assertFixtureTotals(ledger, { inputTokens: 7, outputTokens: 9, requests: 1 });
		// Its cursors may lag on disk for a few seconds: another process then reads the line again,
		// and counts it once.
		const other = open(home, ledgerDir);
		other.refresh();
		assertFixtureTotals(other, { inputTokens: 7, outputTokens: 9, requests: 1 });
		ledger.refresh();
		assertFixtureTotals(ledger, { inputTokens: 7, outputTokens: 9, requests: 1 });

		// Diagnostics follow what a refresh of named files found (they are kept between refreshes).
		const before = ledger.diagnostics().map((d) => [path.basename(d.file), d.malformed]);
		fs.appendFileSync(known, '{"type":"assistant","message":\n');
		ledger.refresh([known]);
		assert.deepEqual(
			ledger.diagnostics().map((d) => [path.basename(d.file), d.malformed]).sort(),
			[...before, ['sess-b.jsonl', 1]].sort(),
		);

		// A file it has never read: every source is listed, as without names.
		const fresh = path.join(claudeDir, 'projects/-home-dev-web/sess-new.jsonl');
		fs.writeFileSync(fresh, newLine('W2', 1, 2));
		const listed = ledger.refresh([fresh]);
		assert.deepEqual([listed.filesSeen, listed.filesRead], [5, 1]);
		assertFixtureTotals(ledger, { inputTokens: 8, outputTokens: 11, requests: 2 });

		// A named file that is gone keeps its cursor (and its events) until a full look drops the cursor.
		fs.rmSync(fresh);
		assert.equal(ledger.refresh([fresh]).filesSeen, 1);
		assert.equal(ledger.refresh().filesSeen, 4);
		assertFixtureTotals(ledger, { inputTokens: 8, outputTokens: 11, requests: 2 });
		// What it read by name is in the ledger like anything else: a new process agrees.
		const reopened = open(home, ledgerDir);
		assert.equal(reopened.refresh().filesRead, 0);
		assertFixtureTotals(reopened, { inputTokens: 8, outputTokens: 11, requests: 2 });
	});

	it('still looks only at named files after another process rewrote the cursors', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const known = path.join(claudeDir, 'projects/-home-dev-acme-api/sess-b.jsonl');
		fs.appendFileSync(known, newLine('X1', 3, 4));
		assert.equal(open(home, ledgerDir).refresh().filesRead, 1, 'the other process read it and wrote its cursors');
		fs.appendFileSync(known, newLine('X2', 5, 6));
		const named = ledger.refresh([known]);
		assert.deepEqual([named.filesSeen, named.filesRead], [1, 1], 'no listing of every source');
		assertFixtureTotals(ledger, { inputTokens: 8, outputTokens: 10, requests: 2 });
	});

	it('reads the cursors an earlier version wrote, reads nothing again, and rewrites them', () => {
		const { home, ledgerDir } = claudeHome();
		open(home, ledgerDir).refresh();
		// The same cursors as version 1 kept them: one object per file, identities and signatures as text.
		const file = path.join(ledgerDir, 'cursors.json');
		const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number[]> & { files: string[]; sources: string[]; issues: Record<string, unknown> };
		const files: Record<string, object> = {};
		current.files.forEach((name, row) => {
			const at = (column: string): number => current[column]![row]!;
			const identity = `${at('dev')}:${at('ino')}`;
			files[name] = {
				source: current.sources[at('source')],
				identity,
				signature: `${identity}:${at('size')}:${at('mtimeMs')}`,
				offset: at('offset'),
				lines: at('lines'),
				size: at('size'),
				mtimeMs: at('mtimeMs'),
				headLength: at('headLength'),
				headHash: at('headHash').toString(16).padStart(8, '0'),
				malformed: at('malformed'),
				issues: current.issues[row] ?? [],
				readAt: at('readAt'),
			};
		});
		fs.writeFileSync(file, JSON.stringify({ version: 1, files }));
		const upgraded = open(home, ledgerDir);
		const stats = upgraded.refresh();
		assert.deepEqual([stats.filesSeen, stats.filesRead, stats.bytesRead], [4, 0, 0]);
		assertFixtureTotals(upgraded);
		assert.equal(upgraded.diagnostics().reduce((sum, d) => sum + d.malformed, 0), 2, 'the malformed lines are still reported');
		assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number }).version, 2);
	});

	it('counts the Claude fixtures exactly', () => {
		const { home, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		const stats = ledger.refresh();
		assert.equal(stats.filesRead, 4);
		assert.equal(stats.malformedLines, 2);
		assertFixtureTotals(ledger);
		const result = totals(ledger);
		assert.equal(result.unpricedRequests, claudeFixtureTotals.unpricedRequests);
		assert.ok(Math.abs(result.costUSD - claudeFixtureTotals.costUSD) < 1e-12);
		assert.deepEqual(ledger.diagnostics().map((d) => [path.basename(d.file), d.malformed, d.issues.map((i) => i.line)]), [['sess-a.jsonl', 2, [8, 9]]]);
	});

	it('reads only the new bytes on a refresh, and a completed half-written line once', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const unchanged = ledger.refresh();
		assert.equal(unchanged.bytesRead, 0);
		assert.equal(unchanged.filesRead, 0);

		const file = path.join(claudeDir, 'projects/-home-dev-acme-api/sess-b.jsonl');
		const line = newLine('NEW1', 7, 70);
		fs.appendFileSync(file, line);
		const after = ledger.refresh();
		assert.equal(after.bytesRead, Buffer.byteLength(line));
		assert.equal(after.eventsStored, 1);
		assertFixtureTotals(ledger, { inputTokens: 7, outputTokens: 70, requests: 1 });

		// sess-a.jsonl ends with half of msg_A4's line; finishing it makes it count, once.
		const partialFile = path.join(claudeDir, 'projects/-home-dev-acme-api/sess-a.jsonl');
		const partial = fs.readFileSync(partialFile, 'utf8').split('\n').pop()!;
		const whole = JSON.stringify({
			parentUuid: null, isSidechain: false, userType: 'external', cwd: '/home/dev/acme-api', sessionId: 'sess-a', version: '2.1.86', gitBranch: 'main',
			message: { id: 'msg_A4', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1000, service_tier: 'standard' } },
			requestId: 'req_A4', type: 'assistant', uuid: 'u-msg_A4-1000-2026-05-02T12:00:00.000Z', timestamp: '2026-05-02T12:00:00.000Z',
		});
		assert.ok(whole.startsWith(partial), 'the fixture holds the start of this line');
		fs.appendFileSync(partialFile, `${whole.slice(partial.length)}\n`);
		ledger.refresh();
		ledger.refresh();
		assertFixtureTotals(ledger, { inputTokens: 1007, outputTokens: 1070, requests: 2 });
	});

	it('re-reads a truncated or replaced file without counting anything twice', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const file = path.join(claudeDir, 'projects/-home-dev-acme-api/sess-b.jsonl');
		const content = fs.readFileSync(file, 'utf8');

		// Truncated, then rewritten with the same first lines: nothing new, nothing doubled.
		fs.writeFileSync(file, content.split('\n').slice(0, 2).join('\n') + '\n');
		const truncated = ledger.refresh();
		assert.equal(truncated.filesReset, 1);
		assertFixtureTotals(ledger);

		// Replaced by a new file (new inode) holding the old content plus a new request.
		const replacement = `${file}.new`;
		fs.writeFileSync(replacement, content + newLine('NEW2', 3, 30));
		fs.renameSync(replacement, file);
		const replaced = ledger.refresh();
		assert.equal(replaced.filesReset, 1);
		assertFixtureTotals(ledger, { inputTokens: 3, outputTokens: 30, requests: 1 });

		// Rewritten in place (same inode, longer) with different bytes at the head.
		const same = fs.readFileSync(file);
		same[same.indexOf('msg_A1')] = 'M'.charCodeAt(0);
		fs.writeFileSync(file, Buffer.concat([same, Buffer.from(newLine('NEW3', 1, 1))]));
		ledger.refresh();
		assert.equal(totals(ledger).requests, claudeFixtureTotals.requests + 3); // Msg_A1 is a new id now
	});

	it('keeps history after the tool deletes its logs, also through a rebuild', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		fs.rmSync(path.join(claudeDir, 'projects/-home-dev-web'), { recursive: true });
		ledger.refresh();
		assertFixtureTotals(ledger);
		const reopened = open(home, ledgerDir);
		reopened.refresh();
		assertFixtureTotals(reopened);
		// Its cursors name a malformed line; a rebuild's cursors, read from the files as they are, too.
		const malformed = (ledger: Ledger): number => ledger.diagnostics().reduce((sum, file) => sum + file.malformed, 0);
		const before = malformed(reopened);
		assert.ok(before > 0);
		fs.appendFileSync(path.join(claudeDir, 'projects/-home-dev-acme-api/sess-b.jsonl'), '{"type":"assistant","message":\n');
		const stats = reopened.rebuild();
		assert.equal(stats.filesRead, 3);
		assert.equal(stats.malformedLines, before + 1);
		assert.equal(malformed(reopened), before + 1, 'diagnostics from the rebuilt cursors');
		assertFixtureTotals(reopened);
		assertFixtureTotals(after(open(home, ledgerDir), 'rebuild'));
	});

	it('stays readable after a writer died mid-append, and repairs the tail on the next write', () => {
		const { home, claudeDir, ledgerDir } = claudeHome();
		open(home, ledgerDir).refresh();
		const events = path.join(ledgerDir, 'events.jsonl');
		fs.appendFileSync(events, '["e","claude-code:msg_TORN:req","msg_TORN",17777132');
		fs.writeFileSync(path.join(ledgerDir, 'cursors.json'), '{"version":1,"files":{'); // torn too
		const reader = open(home, ledgerDir);
		reader.refresh();
		assertFixtureTotals(reader);
		fs.appendFileSync(path.join(claudeDir, 'projects/-home-dev-web/sess-c.jsonl'), newLine('NEW4', 2, 2));
		reader.refresh();
		const text = fs.readFileSync(events, 'utf8');
		assert.ok(!text.includes('msg_TORN'), 'the torn line was cut off');
		assert.ok(text.endsWith('\n'));
		assertFixtureTotals(after(open(home, ledgerDir), 'refresh'), { inputTokens: 2, outputTokens: 2, requests: 1 });
	});

	it('survives processes killed at random moments of an ingest: readable, then exact', async () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const ledgerDir = path.join(root, 'ledger');
		const truth = generateClaudeCorpus({ configDir, sessions: 60, responsesPerSession: 200, end: Date.parse('2026-11-20T12:00:00Z'), days: 10 });
		const env = { HOME: root, CLAUDE_CONFIG_DIR: configDir, TOKEN_LEDGER_HOME: ledgerDir };
		// How long one whole run takes here, so that the kills land across it.
		const timing = Date.now();
		await runCli(['daily', '--json'], { ...env, TOKEN_LEDGER_HOME: path.join(root, 'timing-ledger') });
		const runMs = Date.now() - timing;
		let killed = 0;
		for (const fraction of [0.35, 0.5, 0.6, 0.7, 0.8, 0.9]) {
			const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'daily', '--json'], { env: { ...process.env, ...env }, stdio: 'ignore' });
			const closed = new Promise((resolve) => child.on('close', resolve));
			await new Promise((resolve) => setTimeout(resolve, runMs * fraction));
			if (child.exitCode === null && child.kill('SIGKILL')) killed++;
			await closed;
			// After every kill, another process reads whatever was left and never over-counts.
			const reader = new Ledger({ home: ledgerDir, sources: [] });
			reader.refresh();
			assert.ok(totals(reader).requests <= truth.requests);
		}
		assert.ok(killed > 0, 'at least one process was killed mid-run');
		const final = await runCli(['daily', '--json'], env);
		assert.equal(final.code, 0, final.stderr);
		const report = JSON.parse(final.stdout) as { totals: { requests: number; outputTokens: number; cacheReadTokens: number } };
		assert.equal(report.totals.requests, truth.requests);
		assert.equal(report.totals.outputTokens, truth.outputTokens);
		assert.equal(report.totals.cacheReadTokens, truth.cacheReadTokens);
	});

	it('counts everything once when several processes ingest at the same time', async () => {
		const { home, ledgerDir } = claudeHome();
		const runs = Array.from({ length: 4 }, () => runCli(['daily', '--json', '--tz', 'UTC'], { HOME: home, TOKEN_LEDGER_HOME: ledgerDir }));
		const outputs = await Promise.all(runs);
		for (const output of outputs) {
			assert.equal(output.code, 0, output.stderr);
			const report = JSON.parse(output.stdout) as { totals: { requests: number; inputTokens: number } };
			assert.equal(report.totals.requests, claudeFixtureTotals.requests);
			assert.equal(report.totals.inputTokens, claudeFixtureTotals.inputTokens);
		}
		const keys = loggedKeys(ledgerDir);
		assert.equal(new Set(keys).size, keys.length, 'no request was stored twice');
	});
});

/** Opens a ledger and runs `step` on it first: for one-line checks of a second process's view. */
function after(ledger: Ledger, step: 'refresh' | 'rebuild'): Ledger {
	ledger[step]();
	return ledger;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
			env: { ...process.env, ...env },
			cwd: repoRoot,
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}
