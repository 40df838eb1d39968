import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';
import { EventEncoder, RowEncoder } from '../../src/ledger/eventCodec';
import { readIndexSnapshot, writeIndexSnapshot } from '../../src/ledger/indexSnapshot';
import { Ledger } from '../../src/ledger/ledger';
import { claudeCodeSource } from '../../src/sources/claudeCode/claudeCodeSource';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { countedFigures, tempDir, usageEvent } from './helpers';

const hour = 3_600_000;
const base = Date.parse('2026-05-02T10:00:00Z');

/** A mix that exercises every column: replays, better copies, costs, credits, non-ASCII keys and strings. */
function sampleEvents(): UsageEvent[] {
	return [
		usageEvent({ key: 'claude-code:msg_1:req_1', messageId: 'msg_1', outputTokens: 10 }),
		usageEvent({ key: 'claude-code:msg_1:req_1', messageId: 'msg_1', outputTokens: 187, hasSpeed: true }),
		usageEvent({ key: 'claude-code:msg_1:req_btw', messageId: 'msg_1', sidechain: true, outputTokens: 999, timestamp: base + hour }),
		usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', timestamp: base + 2 * hour, project: '/home/dév/projét' }),
		usageEvent({ key: 'claude-code:at:/home/dév/ñ.jsonl:120', messageId: '', timestamp: base + 3 * hour, file: '/home/dév/ñ.jsonl' }),
		usageEvent({ key: 'cline:task-1:7', messageId: '', source: 'cline', reportedCostUSD: 0.0123, timestamp: base - 30 * hour }),
		usageEvent({ key: 'amp:t-1:2', messageId: 'm-amp', source: 'amp', reportedCredits: 12.5, timestamp: base + 26 * hour }),
		usageEvent({ key: 'codex:s-1:9', messageId: '', source: 'codex', cacheReadTokens: 2 ** 40, modelInferred: true, estimated: true }),
	];
}

/** What an index holds under each key of the events (its figures, and whether it counts); keys are kept only as fingerprints. */
function stored(index: DedupeIndex, events: readonly UsageEvent[]): Array<{ key: string; counts: boolean; copy: CountedUsage | undefined }> {
	return [...new Set(events.map((event) => event.key))].map((key) => ({ key, counts: index.counts(key), copy: index.get(key) }));
}

/** The ledger lines an index writes for all its rows (it must hold their key text). */
function lines(index: DedupeIndex): string {
	const rows = Array.from({ length: index.size }, (_, row) => row);
	return new RowEncoder(new EventEncoder()).encode(index, rows).bytes.toString('utf8');
}

function indexOf(events: readonly UsageEvent[]): DedupeIndex {
	const index = new DedupeIndex(4);
	for (const event of events) index.add(event);
	return index;
}

describe('DedupeIndex columns', () => {
	it('gives back every event exactly as added, through growth and a round trip over its columns', () => {
		const events = sampleEvents();
		const index = indexOf(events);
		assert.equal(index.size, 7);
		const restored = DedupeIndex.fromColumns(index.columns());
		assert.deepEqual(stored(restored, events), stored(index, events));
		assert.deepEqual(restored.counted(), index.counted());
		assert.deepEqual(index.get('claude-code:msg_1:req_1'), countedFigures(events[1]!));
		assert.deepEqual(restored.get('claude-code:at:/home/dév/ñ.jsonl:120'), countedFigures(events[4]!));
		// The sidechain replay of msg_1 is stored but does not count.
		assert.equal(index.counts('claude-code:msg_1:req_btw'), false);
		assert.equal(index.get('claude-code:msg_1:req_btw')?.outputTokens, 999);
		assert.equal(index.counted().length, 6);
		// The key text not yet written out comes through too, and writes the same lines.
		assert.equal(lines(restored), lines(index));
		assert.match(lines(index), /"claude-code:at:\/home\/dév\/ñ.jsonl:120"/);
	});

	it('keeps only fingerprints once the text is written out, and deduplicates as before', () => {
		const events = sampleEvents();
		const index = indexOf(events);
		const before = stored(index, events);
		index.releaseText();
		assert.throws(() => lines(index), /not held/);
		assert.equal(index.holdsText(0), false);
		assert.equal(index.columns().text.length, 0);
		assert.deepEqual(stored(index, events), before);
		for (const event of events) assert.equal(index.add(event), false, event.key);
		// A better copy of a written row is held again, under its own key.
		const row = index.store(usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', outputTokens: 4000 }));
		assert.equal(index.holdsText(row), true);
		assert.match(new RowEncoder(new EventEncoder()).encode(index, [row]).bytes.toString('utf8'), /^\["e","claude-code:msg_2:req_2",12,/m);
		assert.equal(index.size, 7);
	});

	it('keeps deduplicating against restored rows, and grows past them', () => {
		const restored = DedupeIndex.fromColumns(indexOf(sampleEvents()).columns());
		assert.equal(restored.add(usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', timestamp: base + 2 * hour })), false);
		assert.equal(restored.add(usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', outputTokens: 5000 })), true);
		assert.equal(restored.get('claude-code:msg_2:req_2')?.outputTokens, 5000);
		for (let i = 0; i < 100; i++) assert.equal(restored.add(usageEvent({ key: `claude-code:msg_n${i}:req`, messageId: `msg_n${i}` })), true);
		assert.equal(restored.size, 107);
		// A main-thread copy arriving after the restore still turns the stored sidechain copy into a replay.
		const sidechainOnly = DedupeIndex.fromColumns(indexOf([usageEvent({ key: 'claude-code:msg_9:req_side', messageId: 'msg_9', sidechain: true })]).columns());
		assert.equal(sidechainOnly.counted().length, 1);
		sidechainOnly.add(usageEvent({ key: 'claude-code:msg_9:req_main', messageId: 'msg_9' }));
		assert.equal(sidechainOnly.counted().length, 1);
		assert.equal(sidechainOnly.counts('claude-code:msg_9:req_main'), true);
		assert.equal(sidechainOnly.counts('claude-code:msg_9:req_side'), false);
	});

	it('absorbs another index exactly as if its events had been added one by one', () => {
		const events = sampleEvents();
		const mine = [events[0]!, events[3]!, usageEvent({ key: 'claude-code:msg_9:req_9', messageId: 'msg_9', outputTokens: 4 })];
		const theirs = [...events, usageEvent({ key: 'claude-code:msg_9:req_9', messageId: 'msg_9', outputTokens: 2 }), usageEvent({ key: 'claude-code:msg_3:req_3', messageId: 'msg_3', model: 'only-there' })];
		const expected = indexOf([...mine, ...theirs]);
		const merged = indexOf(mine);
		const changed: number[] = [];
		merged.absorb(indexOf(theirs), (row) => changed.push(row));
		assert.deepEqual(stored(merged, [...mine, ...theirs]), stored(expected, [...mine, ...theirs]));
		assert.deepEqual(merged.counted(), expected.counted());
		assert.equal(lines(merged), lines(expected));
		// msg_2 and msg_9 kept their better copies here: only rows that took a copy are reported.
		const changedKeys = new RowEncoder(new EventEncoder())
			.encode(merged, changed)
			.bytes.toString('utf8')
			.trim()
			.split('\n')
			.filter((line) => line.startsWith('["e"'))
			.map((line) => JSON.parse(line)[1] as string);
		assert.deepEqual(changedKeys.sort(), [...new Set(theirs.map((event) => event.key))].filter((key) => key !== 'claude-code:msg_9:req_9' && key !== 'claude-code:msg_2:req_2').sort());
		// A later copy still finds the absorbed rows by key and by message id.
		assert.equal(merged.add(usageEvent({ key: 'claude-code:at:/home/dév/ñ.jsonl:120', messageId: '', timestamp: base + 3 * hour, file: '/home/dév/ñ.jsonl' })), false);
		merged.add(usageEvent({ key: 'amp:t-1:3', messageId: 'm-amp', source: 'amp', sidechain: true }));
		assert.equal(merged.counts('amp:t-1:3'), false);
	});

	it('answers a time range and the oldest request as a filter of the whole would', () => {
		const index = indexOf(sampleEvents());
		const range = { from: base, to: base + 3 * hour };
		assert.deepEqual(index.counted(range), index.counted().filter((event) => event.timestamp >= range.from && event.timestamp < range.to));
		assert.equal(index.oldestCounted(), base - 30 * hour);
		assert.equal(index.oldestCounted(new Set(['amp'])), base + 26 * hour);
		assert.equal(index.oldestCounted(new Set(['gemini-cli'])), undefined);
	});
});

describe('Index snapshot file', () => {
	const log = { identity: '1:2', offset: 1234, headHash: 'abcd0123', strings: ['claude-code', 'x'] };

	it('reads back what it wrote, large counts included', () => {
		const file = path.join(tempDir(), 'index.snapshot');
		const index = indexOf(sampleEvents());
		writeIndexSnapshot(file, { log, sealed: [], columns: index.columns() });
		const read = readIndexSnapshot(file);
		assert.ok(read);
		assert.deepEqual(read.log, log);
		const restored = DedupeIndex.fromColumns(read.columns);
		assert.deepEqual(stored(restored, sampleEvents()), stored(index, sampleEvents()));
		assert.equal(lines(restored), lines(index));
		// String numbers stay 2 bytes each, viewed where they lie (no widened copy).
		assert.ok(read.columns.refs instanceof Uint16Array);
		// String tables larger than one written part, with characters JSON escapes and multi-byte ones.
		const manyStrings = Array.from({ length: 6000 }, (_, i) => `/home/dév/"p"\\${i}\n.jsonl`);
		writeIndexSnapshot(file, { log: { ...log, strings: manyStrings }, sealed: [], columns: index.columns() });
		assert.deepEqual(readIndexSnapshot(file)?.log.strings, manyStrings);
		// The sealed files it names, with their forgotten rows.
		const sealed = [{ name: '0123456789abcdef.rows', forgotten: [3, 70_000] }];
		writeIndexSnapshot(file, { log, sealed, columns: index.columns() });
		assert.deepEqual(readIndexSnapshot(file)?.sealed, sealed);
		// A name that is not a sealed file's is damage (it would be opened as a path).
		writeIndexSnapshot(file, { log, sealed: [{ name: '../events.jsonl', forgotten: [] }], columns: index.columns() });
		assert.equal(readIndexSnapshot(file), undefined);
	});

	it('reads back 4-byte string numbers once there are more than 65,536 strings', () => {
		const file = path.join(tempDir(), 'index.snapshot');
		const index = new DedupeIndex();
		for (let i = 0; i < 66_000; i++) index.add(usageEvent({ key: `codex:${i}`, messageId: '', source: 'codex', sessionId: `s-${i}` }));
		writeIndexSnapshot(file, { log, sealed: [], columns: index.columns() });
		const read = readIndexSnapshot(file);
		assert.ok(read?.columns.refs instanceof Uint32Array);
		const restored = DedupeIndex.fromColumns(read.columns);
		assert.equal(restored.get('codex:65999')?.sessionId, 's-65999');
		assert.equal(restored.get('codex:7')?.sessionId, 's-7');
	});

	it('is ignored when damaged, cut short or of another format', () => {
		const dir = tempDir();
		const file = path.join(dir, 'index.snapshot');
		writeIndexSnapshot(file, { log, sealed: [], columns: indexOf(sampleEvents()).columns() });
		const good = fs.readFileSync(file);
		const cases: Array<[string, Buffer]> = [
			['cut short', good.subarray(0, good.length - 3)],
			['empty', Buffer.alloc(0)],
			['other magic', Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)])],
			['garbled header', Buffer.concat([good.subarray(0, 12), Buffer.from('{{{{'), good.subarray(16)])],
			['extra bytes', Buffer.concat([good, Buffer.alloc(8)])],
			['a body byte changed', flipped(good, good.length - 40)],
			['its checksum changed', flipped(good, good.length - 1)],
		];
		for (const [name, bytes] of cases) {
			fs.writeFileSync(file, bytes);
			assert.equal(readIndexSnapshot(file), undefined, name);
		}
		// A string number or a held text range pointing past its table is damage too, though the lengths add up.
		const columns = indexOf(sampleEvents()).columns();
		const refs = Uint32Array.from(columns.refs);
		refs[3] = 9999;
		writeIndexSnapshot(file, { log, sealed: [], columns: { ...columns, refs } });
		assert.equal(readIndexSnapshot(file), undefined, 'string number');
		const pending = Uint32Array.from(columns.pending);
		pending[5 * 2 + 2] = columns.text.length;
		writeIndexSnapshot(file, { log, sealed: [], columns: { ...columns, pending } });
		assert.equal(readIndexSnapshot(file), undefined, 'text range');
		const pendingRow = Uint32Array.from(columns.pending);
		pendingRow[5 * 3] = columns.rows;
		writeIndexSnapshot(file, { log, sealed: [], columns: { ...columns, pending: pendingRow } });
		assert.equal(readIndexSnapshot(file), undefined, 'held row');
		assert.equal(readIndexSnapshot(path.join(dir, 'missing.snapshot')), undefined);
	});
});

describe('Ledger with an index snapshot', () => {
	const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };
	const totals = (ledger: Ledger) => dailyReport(ledger.counted(), options).totals;

	function corpus(): { home: string; ledgerDir: string; claudeDir: string } {
		const root = tempDir();
		const home = path.join(root, 'home');
		const claudeDir = path.join(home, '.claude');
		generateClaudeCorpus({ configDir: claudeDir, sessions: 6, responsesPerSession: 30, end: Date.parse('2026-05-10T12:00:00Z'), days: 10, seed: 7, toolResultBytes: [100, 400], resumedShare: 0.3, truncateEvery: 50 });
		return { home, claudeDir, ledgerDir: path.join(root, 'ledger') };
	}

	const open = (home: string, ledgerDir: string): Ledger =>
		new Ledger({ home: ledgerDir, sources: [claudeCodeSource({ home, env: {}, platform: 'linux' })], snapshotFromLogBytes: 0 });

	it('starts from the snapshot, then reads only newer log lines, with the same figures', () => {
		const { home, ledgerDir, claudeDir } = corpus();
		const first = open(home, ledgerDir);
		first.refresh();
		assert.ok(fs.existsSync(path.join(ledgerDir, 'index.snapshot')));
		const expected = totals(first);

		const second = open(home, ledgerDir);
		second.refresh();
		assert.equal(second.startedFromSnapshot, true);
		assert.deepEqual(totals(second), expected);

		// New source lines, stored by a third process after the snapshot: a fourth reads them from the log.
		const session = path.join(claudeDir, 'projects', '-later', 'later.jsonl');
		fs.mkdirSync(path.dirname(session), { recursive: true });
		fs.writeFileSync(session, `${JSON.stringify({ type: 'assistant', sessionId: 'later', requestId: 'req_l', timestamp: '2026-05-10T11:00:00.000Z', message: { id: 'msg_l', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 7, output_tokens: 11 } } })}\n`);
		open(home, ledgerDir).refresh();
		const fourth = open(home, ledgerDir);
		fourth.refresh();
		assert.equal(fourth.startedFromSnapshot, true);
		assert.equal(totals(fourth).requests, expected.requests + 1);
		assert.equal(totals(fourth).inputTokens, expected.inputTokens + 7);
		assert.equal(totals(fourth).outputTokens, expected.outputTokens + 11);
	});

	it('falls back to the whole log when the snapshot is damaged or describes a replaced log', () => {
		const { home, ledgerDir } = corpus();
		const first = open(home, ledgerDir);
		first.refresh();
		const expected = totals(first);
		const snapshot = path.join(ledgerDir, 'index.snapshot');
		const good = fs.readFileSync(snapshot);

		fs.writeFileSync(snapshot, good.subarray(0, good.length >> 1));
		const damaged = open(home, ledgerDir);
		damaged.refresh();
		assert.equal(damaged.startedFromSnapshot, false);
		assert.deepEqual(totals(damaged), expected);

		// A rebuild writes a new log (and its own snapshot); the old snapshot no longer matches it.
		open(home, ledgerDir).rebuild();
		const rebuiltSnapshot = fs.readFileSync(snapshot);
		fs.writeFileSync(snapshot, good);
		const stale = open(home, ledgerDir);
		stale.refresh();
		assert.equal(stale.startedFromSnapshot, false);
		assert.deepEqual(totals(stale), expected);
		fs.writeFileSync(snapshot, rebuiltSnapshot);
		const current = open(home, ledgerDir);
		current.refresh();
		assert.equal(current.startedFromSnapshot, true);
		assert.deepEqual(totals(current), expected);
	});
});

function flipped(bytes: Buffer, at: number): Buffer {
	const copy = Buffer.from(bytes);
	copy[at] = copy[at]! ^ 0xff;
	return copy;
}
