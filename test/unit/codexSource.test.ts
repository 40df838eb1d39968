import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import { codexHomes, codexSources, listCodexFiles } from '../../src/sources/codex/codexSource';
import { fixturesDir, homeWithFixtures } from './helpers';

const P = '01968f2a-7c4e-7b21-9d3a-5e6f7a8b9c0d';
const mainFile = `sessions/2026/05/02/rollout-2026-05-02T11-14-03-${P}.jsonl`;
const noModelFile = 'rollout-2025-09-10T10-00-00-0195f3c0-aaaa-7bbb-8ccc-ddddeeeeffff.jsonl';
const forkFile = 'sessions/2026/05/05/rollout-2026-05-05T12-00-00-0196c000-1234-7abc-8def-0123456789ab.jsonl';

/**
 * The fixtures' exact totals, worked out by hand from the numbers in test/fixtures/codex:
 * main 4 calls (8131 in, 41880 read, 1405 out, 712 reasoning), reset 4 (10000, 20000, 1200, 350),
 * no-model 3 (9000, 4000, 350, 64), archived-only 1 (1000, 1000, 50, 0), cache writes 2
 * (5000, 12000, 400, 0, 4000 written), fork 2 own calls (5000, 15000, 400, 200), sub-agent 1 own call
 * (500, 500, 100, 20). The archived copy of the no-model file and the replayed heads add nothing.
 */
const fixtureTotals = { requests: 17, inputTokens: 38631, cacheReadTokens: 94380, cacheWriteTokens: 4000, outputTokens: 3905, reasoningTokens: 1346 };

interface Sums {
	requests: number;
	inputTokens: number;
	cacheReadTokens: number;
	cacheWriteTokens: number;
	outputTokens: number;
	reasoningTokens: number;
}

function sums(events: readonly CountedUsage[]): Sums {
	const result = { requests: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };
	for (const event of events) {
		result.requests++;
		result.inputTokens += event.inputTokens;
		result.cacheReadTokens += event.cacheReadTokens;
		result.cacheWriteTokens += event.cacheWrite5mTokens + event.cacheWrite1hTokens;
		result.outputTokens += event.outputTokens;
		result.reasoningTokens += event.reasoningTokens;
	}
	return result;
}

const plus = (extra: Partial<Sums>): Sums => {
	const result = { ...fixtureTotals };
	for (const [key, value] of Object.entries(extra) as [keyof Sums, number][]) result[key] += value;
	return result;
};

const open = (home: string, ledgerDir: string): Ledger =>
	new Ledger({ home: ledgerDir, sources: codexSources({ home, env: {}, platform: 'linux' }, []) });

const tokenCountLine = (timestamp: string, total: number[], last: number[] | null): string => {
	const usage = ([input, cached, output, reasoning]: number[]) => ({
		input_tokens: input,
		cached_input_tokens: cached,
		output_tokens: output,
		reasoning_output_tokens: reasoning,
		total_tokens: input! + output!,
	});
	return JSON.stringify({
		timestamp,
		type: 'event_msg',
		payload: {
			type: 'token_count',
			info: { total_token_usage: usage(total), ...(last ? { last_token_usage: usage(last) } : {}), model_context_window: 272000 },
			rate_limits: { primary: { used_percent: 7.0, window_minutes: 300, resets_at: 1777723200 }, secondary: null, credits: null, plan_type: null },
		},
	});
};

describe('codex discovery', () => {
	it('reads ~/.codex by default, CODEX_HOME (also a comma-separated list) instead, plus extra folders', () => {
		const home = '/home/dev';
		assert.deepEqual(codexHomes({ home, env: {}, platform: 'linux' }), ['/home/dev/.codex']);
		assert.deepEqual(codexHomes({ home, env: { CODEX_HOME: ' /a/codex , /b/codex/sessions ,' }, platform: 'linux' }, ['/c/archived_sessions', '/a/codex']), [
			'/a/codex',
			'/b/codex',
			'/c',
		]);
		const [source] = codexSources({ home, env: {}, platform: 'linux' }, ['/extra']);
		assert.equal(source!.id, 'codex');
		assert.deepEqual(source!.roots, ['/home/dev/.codex/sessions', '/home/dev/.codex/archived_sessions', '/extra/sessions', '/extra/archived_sessions']);
		assert.equal(source!.reader.kind, 'lines');
	});

	it('lists sessions/ and archived_sessions/, skipping an archived copy of a path sessions/ still holds', () => {
		const files = listCodexFiles([path.join(fixturesDir, 'codex')]).map((file) => path.relative(path.join(fixturesDir, 'codex'), file));
		assert.equal(files.length, 7);
		assert.ok(files.includes(path.join('sessions/2025/09/10', noModelFile)));
		assert.ok(!files.includes(path.join('archived_sessions/2025/09/10', noModelFile)));
		assert.ok(files.includes('archived_sessions/2026/04/30/rollout-2026-04-30T09-00-00-0196800a-0b0c-7d0e-8f10-111213141516.jsonl'));
	});
});

describe('codex through the Ledger', () => {
	it('counts the fixtures exactly, and reads nothing the second time', () => {
		const { home, ledgerDir } = homeWithFixtures('codex', '.codex');
		const ledger = open(home, ledgerDir);
		const stats = ledger.refresh();
		assert.equal(stats.filesRead, 7);
		assert.equal(stats.malformedLines, 2);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);
		assert.equal(ledger.counted().filter((event) => event.modelInferred).length, 1);
		assert.deepEqual(ledger.diagnostics().map((d) => [path.basename(d.file), d.malformed, d.issues.map((issue) => issue.line)]), [[path.basename(mainFile), 2, [11, 12]]]);
		const again = ledger.refresh();
		assert.equal(again.bytesRead, 0);
		assert.equal(again.eventsStored, 0);
	});

	it('counts a completed half-written line once, skips an appended re-emit and counts a new call', () => {
		const { home, toolDir: codexDir, ledgerDir } = homeWithFixtures('codex', '.codex');
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const file = path.join(codexDir, mainFile);
		const partial = fs.readFileSync(file, 'utf8').split('\n').pop()!;
		const whole = tokenCountLine('2026-05-02T09:17:00.000Z', [60011, 49880, 1605, 812], [10000, 8000, 200, 100]);
		assert.ok(whole.startsWith(partial), 'the fixture ends with the start of this line');
		fs.appendFileSync(file, `${whole.slice(partial.length)}\n`);
		ledger.refresh();
		ledger.refresh();
		const completed = { requests: 1, inputTokens: 2000, cacheReadTokens: 8000, outputTokens: 200, reasoningTokens: 100 };
		assert.deepEqual(sums(ledger.counted()), plus(completed));

		fs.appendFileSync(file, `${tokenCountLine('2026-05-02T09:17:30.000Z', [60011, 49880, 1605, 812], [10000, 8000, 200, 100])}\n`);
		assert.equal(ledger.refresh().eventsStored, 0);
		fs.appendFileSync(file, `${tokenCountLine('2026-05-02T09:18:00.000Z', [61011, 49880, 1705, 812], null)}\n`);
		ledger.refresh();
		assert.deepEqual(sums(ledger.counted()), plus({ ...completed, requests: 2, inputTokens: 3000, outputTokens: 300 }));
	});

	it('re-reads a rewritten or truncated file, and a file moved into the archive, without counting twice', () => {
		const { home, toolDir: codexDir, ledgerDir } = homeWithFixtures('codex', '.codex');
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const file = path.join(codexDir, mainFile);
		const content = fs.readFileSync(file, 'utf8');

		fs.writeFileSync(file, content.split('\n').slice(0, 6).join('\n') + '\n'); // truncated
		assert.equal(ledger.refresh().filesReset, 1);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);

		const replacement = `${file}.new`;
		fs.writeFileSync(replacement, content); // rotated: a new file with the old content
		fs.renameSync(replacement, file);
		const rotated = ledger.refresh();
		assert.equal(rotated.filesReset, 1);
		assert.equal(rotated.eventsStored, 0);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);

		// Codex archives a session by moving it; the archive already held a copy here.
		fs.rmSync(path.join(codexDir, 'sessions/2025/09/10', noModelFile));
		const archived = ledger.refresh();
		assert.equal(archived.filesRead, 1);
		assert.equal(archived.eventsStored, 0);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);

		const rebuilt = ledger.rebuild();
		assert.equal(rebuilt.filesRead, 7);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);
	});

	it('counts a fork written line by line the same as the whole file', () => {
		const { home, toolDir: codexDir, ledgerDir } = homeWithFixtures('codex', '.codex');
		const file = path.join(codexDir, forkFile);
		const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
		fs.writeFileSync(file, '');
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		for (const line of lines) {
			fs.appendFileSync(file, `${line}\n`);
			ledger.refresh();
		}
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);
		const forkEvents = ledger.counted().filter((event) => event.file === file);
		assert.deepEqual(forkEvents.map((event) => event.outputTokens), [300, 100]);
	});
});
