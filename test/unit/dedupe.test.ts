import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';
import { countedFigures, usageEvent } from './helpers';

/** The copies that count, each with its key (the index keeps keys as fingerprints), in the order keys were first seen. */
function countedCopies(index: DedupeIndex, events: readonly UsageEvent[]): Array<CountedUsage & { key: string }> {
	const keys = [...new Set(events.map((event) => event.key))].filter((key) => index.counts(key));
	return keys.map((key) => ({ key, ...index.get(key)! }));
}

function counted(events: readonly UsageEvent[]): Array<CountedUsage & { key: string }> {
	const index = new DedupeIndex();
	for (const event of events) index.add(event);
	const copies = countedCopies(index, events);
	assert.equal(index.counted().length, copies.length);
	return copies;
}

/** Every order of the events must give the same result: incremental ingest and rebuild agree. */
function countedInEveryOrder(events: readonly UsageEvent[]): Array<CountedUsage & { key: string }> {
	const first = counted(events);
	const canonical = JSON.stringify(first.map((event) => event.key + event.outputTokens).sort());
	for (const order of permutations(events)) {
		assert.equal(JSON.stringify(counted(order).map((event) => event.key + event.outputTokens).sort()), canonical);
	}
	return first;
}

function* permutations<T>(items: readonly T[]): Generator<T[]> {
	if (items.length <= 1) {
		yield [...items];
		return;
	}
	for (let i = 0; i < items.length; i++) {
		const rest = [...items.slice(0, i), ...items.slice(i + 1)];
		for (const tail of permutations(rest)) yield [items[i]!, ...tail];
	}
}

describe('DedupeIndex', () => {
	it('keeps the streamed fragment with the largest total, not the first', () => {
		const result = countedInEveryOrder([
			usageEvent({ outputTokens: 1 }),
			usageEvent({ outputTokens: 187 }),
			usageEvent({ outputTokens: 50 }),
		]);
		assert.deepEqual(result.map((event) => event.outputTokens), [187]);
	});

	it('counts a copied line in a resumed session once', () => {
		const original = usageEvent({ file: '/a.jsonl', sessionId: 'a' });
		const copy = usageEvent({ file: '/b.jsonl', sessionId: 'b' });
		assert.equal(countedInEveryOrder([original, copy]).length, 1);
	});

	it('drops a sidechain replay of a main-thread message under a new request id', () => {
		const main = usageEvent({ key: 'claude-code:msg_1:req_1' });
		const replay = usageEvent({ key: 'claude-code:msg_1:req_btw', sidechain: true, outputTokens: 999 });
		const result = countedInEveryOrder([main, replay]);
		assert.deepEqual(result.map((event) => event.key), ['claude-code:msg_1:req_1']);
	});

	it('keeps one copy when only sidechain copies share a message id', () => {
		const a = usageEvent({ key: 'claude-code:msg_1:req_a', sidechain: true, outputTokens: 5 });
		const b = usageEvent({ key: 'claude-code:msg_1:req_b', sidechain: true, outputTokens: 7 });
		const result = countedInEveryOrder([a, b]);
		assert.deepEqual(result.map((event) => event.outputTokens), [7]);
	});

	it('counts sidechain responses that have their own message ids', () => {
		const main = usageEvent({ key: 'claude-code:msg_1:req_1' });
		const agent = usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', sidechain: true });
		assert.equal(countedInEveryOrder([main, agent]).length, 2);
	});

	it('counts main-thread entries with distinct request ids separately', () => {
		const a = usageEvent({ key: 'claude-code:msg_1:req_1' });
		const b = usageEvent({ key: 'claude-code:msg_1:req_2' });
		assert.equal(countedInEveryOrder([a, b]).length, 2);
	});

	it('prefers a main-thread copy over a larger sidechain copy of the same key', () => {
		const main = usageEvent({ outputTokens: 10 });
		const side = usageEvent({ outputTokens: 99, sidechain: true });
		assert.deepEqual(countedInEveryOrder([main, side]).map((event) => [event.sidechain, event.outputTokens]), [[false, 10]]);
	});

	it('breaks a tie in totals towards the copy that records the speed tier', () => {
		const plain = usageEvent({ file: '/plain' });
		const withSpeed = usageEvent({ file: '/speed', hasSpeed: true });
		assert.deepEqual(countedInEveryOrder([plain, withSpeed]).map((event) => event.file), ['/speed']);
	});

	it('never merges lines that have no message id', () => {
		const a = usageEvent({ key: 'claude-code:uuid:u1', messageId: '' });
		const b = usageEvent({ key: 'claude-code:uuid:u2', messageId: '' });
		assert.equal(countedInEveryOrder([a, b]).length, 2);
	});

	it('says whether an event is worth storing', () => {
		const index = new DedupeIndex();
		assert.equal(index.add(usageEvent({ outputTokens: 5 })), true);
		assert.equal(index.add(usageEvent({ outputTokens: 5 })), false);
		assert.equal(index.add(usageEvent({ outputTokens: 3 })), false);
		assert.equal(index.add(usageEvent({ outputTokens: 8 })), true);
	});

	it('keeps every token count and amount exactly, however large, whichever way the rows travel', () => {
		// Counts are stored in 4 bytes when they fit: these do not (one is 2^32 - 1, the marker itself).
		const large = usageEvent({ key: 'claude-code:m1:r1', inputTokens: 2 ** 32 - 1, outputTokens: 5e12, cacheReadTokens: 0.5, reasoningTokens: 2 ** 32 });
		const plain = usageEvent({ key: 'claude-code:m2:r2', inputTokens: 2 ** 32 - 2, outputTokens: 7 });
		// Amount columns appear with the first row that has an amount; rows before it have none.
		const costed = usageEvent({ key: 'claude-code:m3:r3', reportedCostUSD: 0.25, reportedCredits: 3 });
		const index = new DedupeIndex();
		for (const event of [plain, large, costed]) index.add(event);
		const expected = [plain, large, costed].map(countedFigures);
		assert.deepEqual(index.counted(), expected);
		assert.deepEqual(index.counted()[0]!.reportedCostUSD, null);

		// Through the columns a snapshot stores and a helper thread hands over.
		assert.deepEqual(DedupeIndex.fromColumns(index.columns()).counted(), expected);
		const merged = new DedupeIndex();
		merged.absorb(index, () => undefined);
		assert.deepEqual(merged.counted(), expected);

		// A better copy with small counts replaces the large ones entirely.
		const better = { ...large, inputTokens: 1, outputTokens: 6e12, cacheReadTokens: 2, reasoningTokens: 3 };
		assert.equal(merged.add(better), true);
		assert.deepEqual(merged.get(large.key), countedFigures(better));
		assert.deepEqual(DedupeIndex.fromColumns(merged.columns()).get(large.key), countedFigures(better));
	});

	it('numbers strings in 2 bytes up to 65,536 of them, then in 4, keeping every row', () => {
		const index = new DedupeIndex();
		const session = (i: number): string => `session-${i}`;
		const events = Array.from({ length: 70_000 }, (_, i) => usageEvent({ key: `codex:${i}`, messageId: '', source: 'codex', sessionId: session(i), outputTokens: i }));
		for (const event of events.slice(0, 60_000)) index.add(event);
		assert.ok(index.columns().refs instanceof Uint16Array);
		for (const event of events.slice(60_000)) index.add(event);
		assert.ok(index.columns().refs instanceof Uint32Array);
		for (const i of [0, 1, 59_999, 65_530, 65_540, 69_999]) {
			assert.equal(index.get(`codex:${i}`)?.sessionId, session(i));
			assert.equal(index.get(`codex:${i}`)?.outputTokens, i);
		}
		const restored = DedupeIndex.fromColumns(index.columns());
		assert.equal(restored.get('codex:69999')?.sessionId, session(69_999));
		assert.equal(restored.get('codex:3')?.sessionId, session(3));
	});
});
