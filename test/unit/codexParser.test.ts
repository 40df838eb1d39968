import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import type { UsageEvent } from '../../src/core/usage/usageEvent';
import { parseCodexLines, threadIdFromPath } from '../../src/sources/codex/parseCodexLines';
import { fixturesDir } from './helpers';

const codexDir = path.join(fixturesDir, 'codex');
const P = '01968f2a-7c4e-7b21-9d3a-5e6f7a8b9c0d';
const R = '0196a0b1-2c3d-7e4f-8a5b-6c7d8e9f0a1b';
const F = '0196c000-1234-7abc-8def-0123456789ab';
const S = '0196d111-2222-7333-8444-555566667777';
const files = {
	main: `sessions/2026/05/02/rollout-2026-05-02T11-14-03-${P}.jsonl`,
	reset: `sessions/2026/05/03/rollout-2026-05-03T10-00-00-${R}.jsonl`,
	noModel: 'sessions/2025/09/10/rollout-2025-09-10T10-00-00-0195f3c0-aaaa-7bbb-8ccc-ddddeeeeffff.jsonl',
	cacheWrites: 'sessions/2026/05/04/rollout-2026-05-04T09-00-00-0196b2c3-d4e5-7f60-8a1b-2c3d4e5f6a7b.jsonl',
	fork: `sessions/2026/05/05/rollout-2026-05-05T12-00-00-${F}.jsonl`,
	subAgent: `sessions/2026/05/03/rollout-2026-05-03T10-30-00-${S}.jsonl`,
	archivedOnly: 'archived_sessions/2026/04/30/rollout-2026-04-30T09-00-00-0196800a-0b0c-7d0e-8f10-111213141516.jsonl',
} as const;

const parseFile = (relative: string) => {
	const file = path.join(codexDir, relative);
	return parseCodexLines(fs.readFileSync(file), { file, offset: 0, line: 0 }, undefined);
};

/** [input, cacheRead, cacheWrite, output, reasoning] per event. */
const buckets = (events: readonly UsageEvent[]) =>
	events.map((event) => [event.inputTokens, event.cacheReadTokens, event.cacheWrite5mTokens, event.outputTokens, event.reasoningTokens]);

/** Reads bytes the way the ledger does: chunks from a cursor, the state carried, a chunk grown when a line does not fit. */
function readLikeLedger(bytes: Buffer, file: string, chunkBytes: number): { events: UsageEvent[]; offset: number; malformed: number } {
	let offset = 0;
	let line = 0;
	let state: unknown;
	let size = chunkBytes;
	let malformed = 0;
	const events: UsageEvent[] = [];
	while (offset < bytes.length) {
		const length = Math.min(size, bytes.length - offset);
		const result = parseCodexLines(bytes.subarray(offset, offset + length), { file, offset, line }, state);
		state = result.state;
		events.push(...result.events);
		malformed += result.malformed;
		line += result.lines;
		offset += result.consumed;
		if (result.consumed === 0) {
			if (offset + length >= bytes.length) break;
			size *= 2;
		}
	}
	return { events, offset, malformed };
}

/** Appends the lines one by one, reading after each append with the cursor and state carried. */
function readAsAppended(lines: readonly string[], file = `/x/rollout-2026-05-05T12-00-00-${F}.jsonl`): UsageEvent[] {
	let content = Buffer.alloc(0);
	let offset = 0;
	let line = 0;
	let state: unknown;
	const events: UsageEvent[] = [];
	for (const next of lines) {
		content = Buffer.concat([content, Buffer.from(`${next}\n`)]);
		const result = parseCodexLines(content.subarray(offset), { file, offset, line }, state);
		state = result.state;
		events.push(...result.events);
		line += result.lines;
		offset += result.consumed;
	}
	return events;
}

const usage = (input: number, cached: number, output: number, reasoning: number) => ({
	input_tokens: input,
	cached_input_tokens: cached,
	output_tokens: output,
	reasoning_output_tokens: reasoning,
	total_tokens: input + output,
});
type Usage = ReturnType<typeof usage>;
const tokenCount = (timestamp: string, total: Usage | null, last: Usage | null): string =>
	JSON.stringify({
		timestamp,
		type: 'event_msg',
		payload: { type: 'token_count', info: { ...(total ? { total_token_usage: total } : {}), ...(last ? { last_token_usage: last } : {}) }, rate_limits: null },
	});
const sessionMeta = (timestamp: string, payload: Record<string, unknown>): string => JSON.stringify({ timestamp, type: 'session_meta', payload });
const parseLines = (lines: readonly string[], file = `/x/rollout-2026-05-05T12-00-00-${F}.jsonl`) =>
	parseCodexLines(Buffer.from(lines.map((line) => `${line}\n`).join('')), { file, offset: 0, line: 0 }, undefined);

describe('parseCodexLines', () => {
	it('counts each call once from the running totals: a re-emit, info: null, a cumulative-only line and an all-zero total add nothing extra', () => {
		const result = parseFile(files.main);
		// Calls 1 and 2 (the re-emit of 1 skipped), 3 from the difference alone, 4 after the synthetic zero total.
		assert.deepEqual(buckets(result.events), [
			[4222, 11008, 0, 612, 384],
			[909, 15872, 0, 293, 128],
			[1000, 7000, 0, 300, 100],
			[2000, 8000, 0, 200, 100],
		]);
		assert.deepEqual(
			result.events.map((event) => event.key),
			[`codex:${P}:15230/11008/612/384`, `codex:${P}:32011/26880/905/512`, `codex:${P}:40011/33880/1205/612`, `codex:${P}:50011/41880/1405/712`],
		);
		const first = result.events[0]!;
		assert.equal(first.source, 'codex');
		assert.equal(first.model, 'gpt-5.2-codex');
		assert.equal(first.modelInferred, false);
		assert.equal(first.sessionId, P);
		assert.equal(first.project, '/home/dev/acme-api');
		assert.equal(first.branch, 'feature/rate-limit');
		assert.equal(first.timestamp, Date.parse('2026-05-02T09:14:19.980Z'));
		assert.equal(first.messageId, '');
		assert.equal(first.estimated, false);
		assert.equal(first.reportedCostUSD, null);
	});

	it('counts malformed lines with their numbers and reasons, and leaves a half-written last line for later', () => {
		const file = path.join(codexDir, files.main);
		const bytes = fs.readFileSync(file);
		const result = parseCodexLines(bytes, { file, offset: 0, line: 0 }, undefined);
		assert.equal(result.malformed, 2);
		assert.deepEqual(result.issues, [
			{ line: 11, reason: 'truncated JSON' },
			{ line: 12, reason: 'not a JSON object' },
		]);
		assert.equal(result.lines, 12);
		assert.ok(result.consumed < bytes.length);
		assert.equal(bytes[result.consumed - 1], 0x0a);
	});

	it('falls back to the last call when the running total goes down, then goes on from the new total', () => {
		const result = parseFile(files.reset);
		assert.deepEqual(buckets(result.events), [
			[4000, 6000, 0, 500, 200],
			[3000, 9000, 0, 400, 100],
			[2000, 1000, 0, 100, 0], // total went down: last_token_usage
			[1000, 4000, 0, 200, 50], // difference from the lowered total
		]);
	});

	it('treats a lowered total without last usage as a counter that started again', () => {
		const result = parseLines([
			tokenCount('2026-05-06T10:00:00Z', usage(10000, 4000, 100, 0), null),
			tokenCount('2026-05-06T10:00:10Z', usage(3000, 1000, 40, 0), null),
		]);
		assert.deepEqual(buckets(result.events), [
			[6000, 4000, 0, 100, 0],
			[2000, 1000, 0, 40, 0],
		]);
	});

	it('assumes gpt-5 (flagged) when no model is written, and takes a model named on the event', () => {
		const result = parseFile(files.noModel);
		assert.deepEqual(
			result.events.map((event) => [event.model, event.modelInferred]),
			[
				['gpt-5', true],
				['gpt-5-codex', false], // info.metadata.model
				['gpt-5-codex', false], // the latest named model carries on
			],
		);
		assert.deepEqual(buckets(result.events), [
			[5000, 0, 0, 100, 0],
			[3000, 4000, 0, 200, 64],
			[1000, 0, 0, 50, 0],
		]);
	});

	it('accepts model and model_name on the token_count payload', () => {
		const line = (timestamp: string, extra: Record<string, unknown>, total: Usage) =>
			JSON.stringify({ timestamp, type: 'event_msg', payload: { type: 'token_count', ...extra, info: { total_token_usage: total } } });
		const result = parseLines([line('2026-05-06T10:00:00Z', { model: 'gpt-5.2' }, usage(100, 0, 10, 0)), line('2026-05-06T10:00:05Z', { model_name: 'gpt-5.4' }, usage(200, 0, 20, 0))]);
		assert.deepEqual(result.events.map((event) => event.model), ['gpt-5.2', 'gpt-5.4']);
	});

	it('takes cache writes out of input, unless total_tokens shows they were counted beside it', () => {
		const result = parseFile(files.cacheWrites);
		assert.deepEqual(buckets(result.events), [
			[3000, 4000, 3000, 200, 0], // 10000 input = 3000 uncached + 4000 read + 3000 written
			[2000, 8000, 1000, 200, 0], // total 11200 = 10000 + 200 + 1000: the writes were outside input
		]);
		assert.equal(result.events[0]!.key, 'codex:0196b2c3-d4e5-7f60-8a1b-2c3d4e5f6a7b:10000/4000/200/0/3000');
	});

	it("drops a fork's replay of its parent, seeds the totals from it, and keys its own calls in the parent's thread", () => {
		const result = parseFile(files.fork);
		assert.deepEqual(buckets(result.events), [
			[4000, 11000, 0, 300, 150], // difference from the replayed total 40011/33880/1205/612
			[1000, 4000, 0, 100, 50],
		]);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.sessionId, event.branch, event.model]),
			[
				[`codex:${P}:55011/44880/1505/762`, F, 'feature/fork', 'gpt-5.5'],
				[`codex:${P}:60011/48880/1605/812`, F, 'feature/fork', 'gpt-5.5'],
			],
		);
	});

	it("drops a thread_spawn sub-agent's replayed burst", () => {
		const result = parseFile(files.subAgent);
		assert.deepEqual(buckets(result.events), [[500, 500, 0, 100, 20]]);
		assert.equal(result.events[0]!.key, `codex:${R}:23000/15500/1000/320`);
		assert.equal(result.events[0]!.sessionId, S);
	});

	it("keys a replayed row the burst rule misses like the parent's own row, so the ledger counts it once", () => {
		const p1 = usage(15230, 11008, 612, 384);
		const p2 = usage(32011, 26880, 905, 512);
		const p3 = usage(40011, 33880, 1205, 612);
		const fork = parseLines([
			sessionMeta('2026-05-05T10:00:00.400Z', { id: F, forked_from_id: P }),
			tokenCount('2026-05-05T10:00:00.500Z', p1, p1),
			tokenCount('2026-05-05T10:00:00.900Z', p2, null),
			tokenCount('2026-05-05T10:00:01.100Z', p3, null), // written in the next second: not part of the burst
		]);
		assert.deepEqual(buckets(fork.events), [[1000, 7000, 0, 300, 100]]);
		const index = new DedupeIndex();
		for (const event of [...parseFile(files.main).events, ...fork.events]) index.add(event);
		assert.equal(index.counted().length, 4);
	});

	it('follows copied metadata to the oldest ancestor, so nested forks share one key space', () => {
		const grandchild = '0196e000-0000-7000-8000-000000000001';
		const result = parseLines([
			sessionMeta('2026-05-06T10:00:00.000Z', { id: grandchild, forked_from_id: F }),
			sessionMeta('2026-05-06T10:00:00.010Z', { id: F, forked_from_id: P }),
			sessionMeta('2026-05-06T10:00:00.020Z', { id: P }),
			tokenCount('2026-05-06T10:00:09.000Z', usage(70011, 50000, 1700, 900), usage(10000, 1120, 95, 88)),
		]);
		assert.equal(result.events[0]!.key, `codex:${P}:70011/50000/1700/900`);
		assert.equal(result.events[0]!.sessionId, grandchild);
	});

	it('treats a second, different session_meta as a fork marker even without forked_from_id', () => {
		const p1 = usage(15230, 11008, 612, 384);
		const p2 = usage(32011, 26880, 905, 512);
		const result = parseLines([
			sessionMeta('2026-05-05T10:00:00.100Z', { id: F }),
			sessionMeta('2026-05-05T10:00:00.110Z', { id: P }),
			tokenCount('2026-05-05T10:00:00.150Z', p1, p1),
			tokenCount('2026-05-05T10:00:00.170Z', p2, null),
			tokenCount('2026-05-05T10:00:07.000Z', usage(33011, 26880, 1005, 512), null),
		]);
		assert.deepEqual(buckets(result.events), [[1000, 0, 0, 100, 0]]);
		assert.equal(result.events[0]!.key, `codex:${P}:33011/26880/1005/512`);
	});

	it('never treats the first second of an ordinary file as a replay', () => {
		const result = parseLines(
			[
				sessionMeta('2026-05-06T10:00:00.000Z', { id: P }),
				tokenCount('2026-05-06T10:00:00.500Z', usage(100, 0, 10, 0), null),
				tokenCount('2026-05-06T10:00:00.700Z', usage(300, 0, 30, 0), null),
			],
			`/x/rollout-2026-05-06T12-00-00-${P}.jsonl`,
		);
		assert.deepEqual(buckets(result.events), [
			[100, 0, 0, 10, 0],
			[200, 0, 0, 20, 0],
		]);
	});

	it("holds a fork's first row until the next row shows whether a burst opens, so appends and whole reads agree", () => {
		const p1 = usage(15230, 11008, 612, 384);
		const meta = sessionMeta('2026-05-05T10:00:00.100Z', { id: F, forked_from_id: P });
		const replayed = tokenCount('2026-05-05T10:00:00.150Z', p1, p1);
		const held = parseLines([meta, replayed]);
		assert.equal(held.events.length, 0);
		assert.equal(held.lines, 1);
		assert.equal(held.consumed, Buffer.byteLength(`${meta}\n`));

		const lines = [meta, replayed, tokenCount('2026-05-05T10:00:00.180Z', usage(32011, 26880, 905, 512), null), tokenCount('2026-05-05T10:00:06Z', usage(33011, 27880, 1005, 512), null)];
		assert.deepEqual(buckets(readAsAppended(lines)), [[0, 1000, 0, 100, 0]]);
		assert.deepEqual(readAsAppended(lines), parseLines(lines).events);

		// A first row written well after the fork was created is its own work: no need to wait.
		const late = parseLines([meta, tokenCount('2026-05-05T10:00:04Z', usage(100, 0, 10, 0), null)]);
		assert.deepEqual(buckets(late.events), [[100, 0, 0, 10, 0]]);
		// Any later line stamped in a later second ends the wait: the next usage row comes after it.
		const released = parseLines([meta, replayed, JSON.stringify({ timestamp: '2026-05-05T10:00:02Z', type: 'response_item', payload: { type: 'message' } })]);
		assert.deepEqual(buckets(released.events), [[4222, 11008, 0, 612, 384]]);
		// A first row alone in its second is not a burst (ccusage needs two).
		assert.deepEqual(buckets(readAsAppended([meta, replayed, tokenCount('2026-05-05T10:00:03Z', usage(16230, 11008, 712, 384), null)])), [
			[4222, 11008, 0, 612, 384],
			[1000, 0, 0, 100, 0],
		]);
	});

	it('reads lines whose keys come in another order', () => {
		const total = usage(100, 40, 10, 0);
		const result = parseLines([
			JSON.stringify({ type: 'turn_context', timestamp: '2026-05-06T09:59:00Z', payload: { model: 'gpt-5.4' } }),
			JSON.stringify({ type: 'event_msg', timestamp: '2026-05-06T10:00:00Z', payload: { type: 'token_count', info: { total_token_usage: total } } }),
			JSON.stringify({ timestamp: '2026-05-06T10:00:05Z', type: 'event_msg', payload: { info: { total_token_usage: usage(300, 40, 30, 0) }, type: 'token_count' } }),
			JSON.stringify({ timestamp: '2026-05-06T10:00:06Z', type: 'event_msg', payload: { type: 'agent_message', message: 'token_count' } }),
		]);
		assert.deepEqual(buckets(result.events), [
			[60, 40, 0, 10, 0],
			[200, 0, 0, 20, 0],
		]);
		assert.equal(result.events[0]!.model, 'gpt-5.4');
	});

	it('gives the same events and keys whether a file is read whole, in small chunks or line by line as it grows', () => {
		for (const relative of Object.values(files)) {
			const file = path.join(codexDir, relative);
			const bytes = fs.readFileSync(file);
			const whole = parseCodexLines(bytes, { file, offset: 0, line: 0 }, undefined);
			for (const chunk of [1, 64, 700]) {
				const read = readLikeLedger(bytes, file, chunk);
				assert.deepEqual(read.events, whole.events, `${relative} in ${chunk}-byte chunks`);
				assert.equal(read.offset, whole.consumed);
				assert.equal(read.malformed, whole.malformed);
			}
			const complete = bytes.toString('utf8').split('\n').slice(0, whole.lines);
			assert.deepEqual(readAsAppended(complete, file), whole.events, `${relative} appended line by line`);
		}
	});

	it('ignores a damaged carried state instead of failing', () => {
		const file = path.join(codexDir, files.reset);
		const bytes = fs.readFileSync(file);
		const fresh = parseCodexLines(bytes, { file, offset: 0, line: 0 }, undefined);
		for (const state of [null, 'x', { version: 2 }, { version: 1, previous: 'nope', head: 42 }]) {
			assert.deepEqual(parseCodexLines(bytes, { file, offset: 0, line: 0 }, state).events, fresh.events);
		}
	});

	it('takes the thread id from the file name', () => {
		assert.equal(threadIdFromPath(`/c/sessions/2026/05/02/rollout-2026-05-02T11-14-03-${P}.jsonl`), P);
		assert.equal(threadIdFromPath('/c/sessions/odd-name.jsonl'), 'odd-name');
	});
});
