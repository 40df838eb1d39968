import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { SealedRows } from '../../src/ledger/sealedRows';
import { claudeCodeSource } from '../../src/sources/claudeCode/claudeCodeSource';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { loggedKeys, tempDir } from './helpers';

const sealingScript = path.join(__dirname, '..', 'support', 'sealingLedger.ts');
const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };
const end = Date.parse('2026-11-20T12:00:00Z');

/** A ledger over a Claude folder; `sealRows` small enough that its rows are sealed many times over. */
function open(configDir: string, ledgerDir: string, sealRows?: number): Ledger {
	const source = claudeCodeSource({ home: tempDir(), env: { CLAUDE_CONFIG_DIR: configDir }, platform: 'linux' });
	return new Ledger({ home: ledgerDir, sources: [source], snapshotFromLogBytes: 0, ...(sealRows === undefined ? {} : { sealRows }) });
}

/**
 * What a user sees, with amounts to a billionth of a dollar: sealed rows are read in time order, and
 * sums of the same costs in another order differ in their last bits.
 */
function figures(ledger: Ledger) {
	const { totals } = dailyReport(ledger.eachCounted(), options);
	const week = { from: end - 7 * 86_400_000, to: end };
	const figures = { totals, week: dailyReport(ledger.counted(week), options).totals, oldest: ledger.oldestCounted() };
	return JSON.parse(JSON.stringify(figures, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1e9) / 1e9 : value))) as typeof figures;
}

/** Runs test/support/sealingLedger.ts in a process of its own (sealing every 200 rows); its totals. */
function runSealing(configDir: string, ledgerDir: string): Promise<{ requests: number; outputTokens: number; cacheReadTokens: number }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', sealingScript, configDir, ledgerDir, '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { requests: number; outputTokens: number; cacheReadTokens: number }) : reject(new Error(`exit ${code}: ${stderr}`))));
	});
}

function sealedFiles(ledgerDir: string): string[] {
	const folder = path.join(ledgerDir, 'sealed');
	return fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.endsWith('.rows')) : [];
}

/** A copy of a request already counted, with more output tokens (a later streamed fragment of it). */
function outgrown(file: string, extraOutput: number): string {
	const line = fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.find((text) => text.includes('"usage"'))!;
	const event = JSON.parse(line) as { message: { usage: { output_tokens: number } } };
	event.message.usage.output_tokens += extraOutput;
	return `${JSON.stringify(event)}\n`;
}

describe('Ledger with rows sealed to disk', { skip: !SealedRows.supported && 'needs zlib.crc32 (Node.js 20.15 or later)' }, () => {
	it('counts exactly what a ledger holding every row counts, through restarts, new copies and a rebuild', () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const truth = generateClaudeCorpus({ configDir, sessions: 40, responsesPerSession: 30, end, days: 20, resumedShare: 0.3, toolResultBytes: [50, 100] });
		const sealedDir = path.join(root, 'sealed-ledger');
		const sealing = open(configDir, sealedDir, 100);
		sealing.refresh();
		const whole = open(configDir, path.join(root, 'whole-ledger'));
		whole.refresh();
		assert.equal(figures(whole).totals.requests, truth.requests);
		assert.equal(figures(whole).totals.outputTokens, truth.outputTokens);
		assert.deepEqual(figures(sealing), figures(whole));
		assert.ok(sealedFiles(sealedDir).length >= 5, `${sealedFiles(sealedDir).length} sealed files`);

		// Another process starts from the snapshot, which names the sealed files.
		const second = open(configDir, sealedDir, 100);
		second.refresh();
		assert.ok(second.startedFromSnapshot);
		assert.deepEqual(figures(second), figures(whole));

		// A larger copy of a request sealed long ago counts instead of it; a smaller one is ignored.
		const later = path.join(configDir, 'projects', 'late', 'later.jsonl');
		fs.mkdirSync(path.dirname(later), { recursive: true });
		fs.writeFileSync(later, outgrown(truth.files[0]!, 1000) + outgrown(truth.files[1]!, -1));
		for (const ledger of [sealing, second, whole]) ledger.refresh();
		assert.equal(figures(whole).totals.outputTokens, truth.outputTokens + 1000);
		assert.equal(figures(whole).totals.requests, truth.requests);
		assert.deepEqual(figures(sealing), figures(whole));
		assert.deepEqual(figures(second), figures(whole));
		const third = open(configDir, sealedDir, 100);
		third.refresh();
		assert.deepEqual(figures(third), figures(whole));

		// With its sealed files gone, a process reads the log instead, and counts the same.
		fs.rmSync(path.join(sealedDir, 'sealed'), { recursive: true });
		const fourth = open(configDir, sealedDir, 100);
		fourth.refresh();
		assert.equal(fourth.startedFromSnapshot, false);
		assert.deepEqual(figures(fourth), figures(whole));

		const stats = fourth.rebuild();
		assert.equal(stats.eventsStored, figures(whole).totals.requests);
		assert.deepEqual(figures(fourth), figures(whole));
		const fifth = open(configDir, sealedDir, 100);
		fifth.refresh();
		assert.ok(fifth.startedFromSnapshot);
		assert.deepEqual(figures(fifth), figures(whole));
	});

	it('rebuilds into sealed rows, keeping the events of deleted files, and replaces the old files', () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const truth = generateClaudeCorpus({ configDir, sessions: 30, responsesPerSession: 30, end, days: 20, resumedShare: 0.3, toolResultBytes: [50, 100] });
		const ledgerDir = path.join(root, 'ledger');
		const ledger = open(configDir, ledgerDir, 100);
		ledger.refresh();
		const before = figures(ledger);
		assert.equal(before.totals.requests, truth.requests);
		const oldSealed = sealedFiles(ledgerDir);
		assert.ok(oldSealed.length >= 5);
		// A process that read the ledger before the rebuild, and goes on after it.
		const reader = open(configDir, ledgerDir, 100);
		reader.refresh();
		// The tool deletes a third of its logs (their events are history now), and a rebuild that died
		// left its folder behind.
		for (const file of truth.files.filter((_, i) => i % 3 === 0)) fs.rmSync(file);
		fs.mkdirSync(path.join(ledgerDir, 'rebuild', 'sealed'), { recursive: true });
		fs.writeFileSync(path.join(ledgerDir, 'rebuild', 'events.jsonl'), 'left over\n');

		const stats = ledger.rebuild();
		assert.equal(stats.eventsStored, truth.requests, 'every request, each once');
		assert.deepEqual(figures(ledger), before);
		assert.equal(fs.existsSync(path.join(ledgerDir, 'rebuild')), false, 'no folder left');
		const newSealed = sealedFiles(ledgerDir);
		assert.ok(newSealed.length >= 5);
		assert.deepEqual(
			newSealed.filter((name) => oldSealed.includes(name)),
			[],
			'the old sealed files are gone',
		);
		assert.deepEqual(figures(reader), before, 'read before the rebuild');
		reader.refresh();
		assert.deepEqual(figures(reader), before, 'and after');
		const next = open(configDir, ledgerDir, 100);
		next.refresh();
		assert.ok(next.startedFromSnapshot);
		assert.deepEqual(figures(next), before);
		assert.equal(next.refresh().filesRead, 0, 'its cursors were taken too');
	});

	it('reads the log again when a sealed file turns out damaged, and counts the same', () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const truth = generateClaudeCorpus({ configDir, sessions: 20, responsesPerSession: 30, end, days: 20, toolResultBytes: [50, 100] });
		const ledgerDir = path.join(root, 'ledger');
		const first = open(configDir, ledgerDir, 100);
		first.refresh();
		const expected = figures(first);
		assert.equal(expected.totals.requests, truth.requests);
		const damaged = path.join(ledgerDir, 'sealed', sealedFiles(ledgerDir)[0]!);
		const bytes = fs.readFileSync(damaged);
		bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0xff;
		fs.writeFileSync(damaged, bytes);
		const second = open(configDir, ledgerDir, 100);
		second.refresh();
		assert.ok(second.startedFromSnapshot);
		assert.deepEqual(figures(second), expected);
		assert.equal(fs.existsSync(damaged), false);
		const third = open(configDir, ledgerDir, 100);
		third.refresh();
		assert.deepEqual(figures(third), expected);
	});

	it('survives processes killed at random moments while they seal, and processes racing: readable, then exact', async () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const ledgerDir = path.join(root, 'ledger');
		const truth = generateClaudeCorpus({ configDir, sessions: 60, responsesPerSession: 100, end, days: 10, resumedShare: 0.3, toolResultBytes: [50, 200] });
		// How long one whole run takes here, so that the kills land across it.
		const timing = Date.now();
		await runSealing(configDir, path.join(root, 'timing-ledger'));
		const runMs = Date.now() - timing;
		let killed = 0;
		const seen: number[] = [];
		for (const fraction of [0.4, 0.55, 0.7, 0.85]) {
			const child = spawn(process.execPath, ['--import', 'tsx', sealingScript, configDir, ledgerDir, '200'], { stdio: 'ignore' });
			const closed = new Promise((resolve) => child.on('close', resolve));
			await new Promise((resolve) => setTimeout(resolve, runMs * fraction));
			if (child.exitCode === null && child.kill('SIGKILL')) killed++;
			await closed;
			// After every kill, another process reads whatever was left (the log, the snapshot and the
			// sealed files it names) and never over-counts.
			const reader = new Ledger({ home: ledgerDir, sources: [], sealRows: 200 });
			reader.refresh();
			const { totals } = figures(reader);
			assert.ok(totals.requests <= truth.requests, `${totals.requests} of ${truth.requests}`);
			seen.push(totals.requests);
		}
		assert.ok(killed > 0, 'at least one process was killed mid-run');
		assert.ok(seen.some((requests) => requests > 0), 'the killed processes had stored something');
		assert.ok(sealedFiles(ledgerDir).length >= 10, `${sealedFiles(ledgerDir).length} sealed files`);
		// Then several at once, each sealing its own files.
		const outputs = await Promise.all(Array.from({ length: 3 }, () => runSealing(configDir, ledgerDir)));
		for (const output of outputs) assert.deepEqual(output, { requests: truth.requests, outputTokens: truth.outputTokens, cacheReadTokens: truth.cacheReadTokens });
		const keys = loggedKeys(ledgerDir);
		assert.equal(new Set(keys).size, truth.requests, 'every request stored');
		const last = open(configDir, ledgerDir, 200);
		last.refresh();
		assert.ok(last.startedFromSnapshot);
		assert.equal(figures(last).totals.requests, truth.requests);
	});
});
