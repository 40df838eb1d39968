import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import { fingerprint128 } from '../../src/core/usage/fingerprint';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';
import { SealedRows, SealedRowsDamaged } from '../../src/ledger/sealedRows';
import { TieredIndex } from '../../src/ledger/tieredIndex';
import { tempDir, usageEvent } from './helpers';

/** A small deterministic generator (the tests must give the same events every run). */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

/**
 * A stream with every kind of copy the index weighs: streamed fragments of one request (growing
 * totals), a request copied into another session's file, sidechain replays of a message under another
 * request id (of main-thread and of sidechain messages), requests without a message id, copies with
 * and without a recorded cost or the speed tier, and token counts too large for 32 bits.
 */
function mixedStream(seed: number, requests: number): UsageEvent[] {
	const next = random(seed);
	const events: UsageEvent[] = [];
	const pick = (n: number): number => Math.floor(next() * n);
	for (let i = 0; i < requests; i++) {
		// One request in five from a tool without message ids (Codex).
		const codex = next() < 0.2;
		const message = codex ? '' : `msg_${pick(requests)}`;
		const sidechain = !codex && next() < 0.3;
		const key = codex ? `codex:turn-${i}` : `claude-code:${message}:req_${i % 7 === 0 ? 'btw' : i}`;
		const copies = 1 + pick(3);
		for (let c = 0; c < copies; c++) {
			events.push(
				usageEvent({
					key,
					messageId: message,
					sidechain,
					source: codex ? 'codex' : 'claude-code',
					timestamp: Date.parse('2026-11-01T00:00:00Z') + pick(30) * 86_400_000 + i,
					outputTokens: pick(4) === 0 ? 2 ** 33 + pick(5) : 10 + pick(50),
					inputTokens: pick(100),
					hasSpeed: next() < 0.2,
					reportedCostUSD: next() < 0.3 ? pick(5) / 100 : null,
					file: `/history/${pick(3) === 0 ? 'séance-🙂' : 'session'}-${pick(20)}.jsonl`,
					sessionId: `session-${pick(20)}`,
				}),
			);
		}
	}
	// Later copies arrive out of order, as files are read in any order.
	for (let i = events.length - 1; i > 0; i--) {
		const j = pick(i + 1);
		[events[i], events[j]] = [events[j]!, events[i]!];
	}
	return events;
}

/** What counts, as comparable text (the tiers may list requests in another order). */
function canonical(counted: Iterable<CountedUsage>): string[] {
	return [...counted].map((usage) => JSON.stringify(usage)).sort();
}

/** Feeds events to a tiered index, sealing after every few as a ledger does after writing them. */
function tiered(folder: string, events: readonly UsageEvent[], sealRows: number, every: number): TieredIndex {
	const tiers = TieredIndex.empty(folder, sealRows);
	events.forEach((event, i) => {
		tiers.live.store(event);
		if (i % every === every - 1) {
			tiers.live.releaseText();
			tiers.sealIfFull();
		}
	});
	tiers.live.releaseText();
	return tiers;
}

describe('TieredIndex', { skip: !SealedRows.supported && 'needs zlib.crc32 (Node.js 20.15 or later)' }, () => {
	it('counts exactly what one index in memory counts, however the rows are sealed', () => {
		for (const seed of [1, 2, 3, 4]) {
			const events = mixedStream(seed, 400);
			const plain = new DedupeIndex();
			for (const event of events) plain.add(event);
			const expected = canonical(plain.eachCounted());
			for (const [sealRows, every] of [
				[5, 3],
				[40, 17],
				[150, 50],
			] as const) {
				const folder = tempDir();
				const tiers = tiered(folder, events, sealRows, every);
				assert.ok(tiers.sealedRows.length >= 2, `sealed ${tiers.sealedRows.length} files`);
				assert.deepEqual(canonical(tiers.eachCounted()), expected, `seed ${seed}, sealing at ${sealRows}`);
				const range = { from: Date.parse('2026-11-10T00:00:00Z'), to: Date.parse('2026-11-12T00:00:00Z') };
				assert.deepEqual(canonical(tiers.counted(range)), canonical(plain.counted(range)));
				assert.equal(tiers.oldestCounted(), plain.oldestCounted());
				assert.equal(tiers.oldestCounted(new Set(['codex'])), plain.oldestCounted(new Set(['codex'])));
				assert.equal(tiers.oldestCounted(new Set(['gemini-cli'])), undefined);
				tiers.close();
			}
		}
	});

	it('drops a sidechain replay whose main-thread copy was sealed long before, and forgets a sealed fragment a better one outgrows', () => {
		const folder = tempDir();
		const tiers = TieredIndex.empty(folder, 1);
		const seal = (event: UsageEvent): void => {
			tiers.live.store(event);
			tiers.live.releaseText();
			tiers.sealIfFull();
		};
		seal(usageEvent({ key: 'claude-code:msg_1:req_1', messageId: 'msg_1', outputTokens: 10 }));
		seal(usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', outputTokens: 5 }));
		seal(usageEvent({ key: 'claude-code:msg_1:req_btw', messageId: 'msg_1', sidechain: true, outputTokens: 999 }));
		// A later, larger fragment of req_2: stored live, the sealed one forgotten.
		tiers.live.store(usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', outputTokens: 50 }));
		// A smaller one than what is held: not stored.
		assert.equal(tiers.live.store(usageEvent({ key: 'claude-code:msg_1:req_1', messageId: 'msg_1', outputTokens: 3 })), -1);
		assert.equal(tiers.sealedRows.length, 3);
		assert.deepEqual(
			tiers.counted().map((usage) => usage.outputTokens).sort((a, b) => a - b),
			[10, 50],
		);
		tiers.close();
	});

	it('seals rows in time order, the first seen first among equal times', () => {
		for (const times of [
			[3000, 1000, 2000, 1000, 5],
			[3000, 1000, -1, 1000, 2000], // a time below 0 is sorted as a number, not by its bits
		]) {
			const tiers = TieredIndex.empty(tempDir(), times.length);
			times.forEach((timestamp, i) => tiers.live.store(usageEvent({ key: `claude-code:msg_${i}:req`, messageId: `msg_${i}`, timestamp, outputTokens: i })));
			tiers.live.releaseText();
			assert.ok(tiers.sealIfFull());
			const sealed = tiers.counted().map((usage) => [usage.timestamp, usage.outputTokens]);
			const expected = times.map((timestamp, i) => [timestamp, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
			assert.deepEqual(sealed, expected);
			assert.deepEqual(
				tiers.counted({ from: 1000, to: 2001 }).map((usage) => usage.outputTokens),
				expected.filter(([timestamp]) => timestamp! >= 1000 && timestamp! < 2001).map(([, i]) => i),
			);
			tiers.close();
		}
	});

	it('seals rows without a message id as such, also in room an earlier sealed row had', () => {
		const tiers = TieredIndex.empty(tempDir(), 3);
		const seal = (events: UsageEvent[]): void => {
			for (const event of events) tiers.live.store(event);
			tiers.live.releaseText();
			assert.ok(tiers.sealIfFull());
		};
		seal([0, 1, 2].map((i) => usageEvent({ key: `claude-code:msg_${i}:req`, messageId: `msg_${i}` })));
		seal([0, 1, 2].map((i) => usageEvent({ key: `codex:turn-${i}`, messageId: '', source: 'codex' })));
		const print = new Uint32Array(4);
		const bytes = new TextEncoder().encode('msg_1');
		fingerprint128(bytes, 0, bytes.length, print, 0);
		assert.equal(tiers.sealedRows[0]!.messageRows(print, 0).length, 1);
		assert.deepEqual(tiers.sealedRows[1]!.messageRows(print, 0), []);
		// So a sidechain copy of msg_1 is weighed against msg_1's one copy only.
		tiers.live.store(usageEvent({ key: 'claude-code:msg_1:req_side', messageId: 'msg_1', sidechain: true }));
		assert.equal(tiers.counted().length, 6);
		tiers.close();
	});

	it('keeps a few bytes a row in memory for the rows it sealed', () => {
		const folder = tempDir();
		const tiers = TieredIndex.empty(folder, 10_000);
		for (let i = 0; i < 30_000; i++) {
			tiers.live.store(usageEvent({ key: `claude-code:msg_${i}:req_${i}`, messageId: `msg_${i}`, timestamp: Date.parse('2026-11-01T00:00:00Z') + i * 1000 }));
			if (i % 1000 === 999) {
				tiers.live.releaseText();
				tiers.sealIfFull();
			}
		}
		assert.equal(tiers.sealedRows.length, 3);
		assert.equal(tiers.live.size, 0);
		// Two Bloom filters of 10 to 20 bits a row (a power of two in all) and the fences.
		const perRow = tiers.sealedHeldBytes / 30_000;
		assert.ok(perRow >= 2.5 && perRow <= 6, `${perRow.toFixed(2)} bytes a row`);
		assert.equal(tiers.counted().length, 30_000);
		const day = { from: Date.parse('2026-11-01T05:00:00Z'), to: Date.parse('2026-11-01T06:00:00Z') };
		assert.equal(tiers.counted(day).length, 3600);
		tiers.close();
	});

	it('comes back from its snapshot state: the same files, the same forgotten rows', () => {
		const folder = tempDir();
		const events = mixedStream(9, 300);
		const tiers = tiered(folder, events, 60, 20);
		const state = tiers.sealedState();
		assert.ok(state.some((file) => file.forgotten.length > 0), 'some sealed row was outgrown');
		const restored = TieredIndex.restore(folder, 60, state, tiers.live.columns());
		assert.deepEqual(canonical(restored.eachCounted()), canonical(tiers.eachCounted()));
		tiers.close();
		restored.close();
	});

	it('refuses a damaged or missing sealed file instead of counting from it, and deletes a damaged one', () => {
		const folder = tempDir();
		const tiers = tiered(folder, mixedStream(5, 100), 30, 10);
		const state = tiers.sealedState();
		tiers.close();
		const file = path.join(folder, state[0]!.name);
		const good = fs.readFileSync(file);
		const flipped = (at: number): Buffer => {
			const bytes = Buffer.from(good);
			bytes[at] = bytes[at]! ^ 0xff;
			return bytes;
		};
		const restore = (): TieredIndex => TieredIndex.restore(folder, 30, state, new DedupeIndex().columns());
		// Its header or filters (read on opening): refused at once.
		for (const bytes of [flipped(20), flipped(good.indexOf(Buffer.from('"sections"')) - 3), good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.alloc(8)])]) {
			fs.writeFileSync(file, bytes);
			assert.throws(restore, /damaged|JSON/);
		}
		// Its rows (read later): refused before any is counted, and the file is deleted.
		fs.writeFileSync(file, flipped(good.length - 100));
		const restored = restore();
		assert.throws(() => restored.counted(), SealedRowsDamaged);
		assert.equal(fs.existsSync(file), false);
		restored.close();
		assert.throws(restore, /ENOENT/);
	});
});
