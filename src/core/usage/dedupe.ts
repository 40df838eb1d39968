import type { CountedUsage, SourceId, TokenCounts, UsageEvent } from './usageEvent';
import { totalTokens } from './usageEvent';
import { fingerprint128 } from './fingerprint';

/** What decides between two copies of one request. */
export type CopyRank = TokenCounts & Pick<UsageEvent, 'sidechain' | 'hasSpeed' | 'reportedCostUSD'>;

/**
 * Which copy of one request counts, whatever order the copies arrive in.
 *
 * The rule follows ccusage's (reference data-sources §2.3): among copies with the same key, a
 * main-thread copy beats a sidechain copy, then the larger token total wins (streamed fragments grow
 * towards the complete usage), then the copy that carries the speed tier, then the one with the
 * larger cost the tool recorded. Because the winner does not
 * depend on arrival order, an incremental ledger and a full rebuild count the same.
 */
export function isBetterCopy(candidate: CopyRank, kept: CopyRank): boolean {
	if (candidate.sidechain !== kept.sidechain) {
		return !candidate.sidechain;
	}
	const candidateTotal = totalTokens(candidate);
	const keptTotal = totalTokens(kept);
	if (candidateTotal !== keptTotal) {
		return candidateTotal > keptTotal;
	}
	if (candidate.hasSpeed !== kept.hasSpeed) {
		return candidate.hasSpeed;
	}
	// A rewrite that fills in the billed cost later (Cline with OpenRouter) keeps its tokens: take the cost.
	return (candidate.reportedCostUSD ?? -1) > (kept.reportedCostUSD ?? -1);
}

/** An instant range, `from` included and `to` excluded (UTC milliseconds). */
export interface TimeRange {
	readonly from: number;
	readonly to: number;
}

/**
 * Rows kept outside an index (older rows, sealed to disk), which the index consults so that every
 * request still counts once across all of them. Fingerprints are passed as four words of `prints`
 * starting at `at`.
 */
export interface OtherRows {
	/**
	 * Asked when a copy's key is not in the index: false when a copy at least as good is held
	 * elsewhere; true when none is, or when the one held is worse, which is then forgotten there (the
	 * index stores the candidate in its place).
	 */
	admit(keyPrints: Uint32Array, keyAt: number, candidate: CopyRank): boolean;
	/**
	 * Whether a copy of the same message held elsewhere (and not forgotten) makes this sidechain copy a
	 * replay (see `replays`).
	 */
	replaySidechain(messagePrints: Uint32Array, messageAt: number, keyPrints: Uint32Array, keyAt: number, rank: CopyRank): boolean;
}

/**
 * Whether another copy of a message makes a sidechain copy a replay: any main-thread copy does; among
 * sidechain-only copies one must survive: the best, with the smaller key fingerprint breaking ties so
 * that the choice is stable.
 */
export function replays(other: CopyRank, otherKeyPrints: Uint32Array, otherKeyAt: number, sidechain: CopyRank, keyPrints: Uint32Array, keyAt: number): boolean {
	if (!other.sidechain) return true;
	if (isBetterCopy(other, sidechain)) return true;
	return !isBetterCopy(sidechain, other) && comparePrints(otherKeyPrints, otherKeyAt, keyPrints, keyAt) < 0;
}

/**
 * The index as plain arrays: what a snapshot on disk stores and what `DedupeIndex.fromColumns`
 * takes back. Row r's tokens are `tokens[r * 6 …]` in `tokenFields` order, its strings
 * `refs[r * 6 …]` (numbers into `strings`) in `refFields` order; its key's and message id's
 * fingerprints are `keyPrint[r * 4 …]` and `messagePrint[r * 4 …]`. A token count that is not a whole
 * number below 2^32 - 1 is 2^32 - 1 in `tokens` and stands in `largeTokens`, as pairs of its position
 * in `tokens` and its value. A missing recorded cost or credit amount is NaN; a column of no amounts
 * at all may be empty. `pending` lists the rows whose key text is held (not yet written to the log)
 * as five numbers each: row, then key start and length, message id start and length, in `text`.
 */
export interface DedupeColumns {
	readonly rows: number;
	readonly strings: readonly string[];
	readonly timestamp: Float64Array;
	readonly tokens: Uint32Array;
	readonly largeTokens: Float64Array;
	/** 2 bytes a number while there are at most 2^16 strings, 4 past that. */
	readonly refs: Uint16Array | Uint32Array;
	readonly flags: Uint8Array;
	readonly reportedCost: Float64Array;
	readonly reportedCredits: Float64Array;
	readonly keyPrint: Uint32Array;
	/** Zeros for a row without a message id. */
	readonly messagePrint: Uint32Array;
	readonly pending: Uint32Array;
	readonly text: Uint8Array;
}

/**
 * A stored row as numbers and byte ranges, filled in place by `DedupeIndex.readRow`: what a writer
 * needs to write the row out without building an event. Strings are the index's string numbers
 * (`DedupeIndex.stringAt`); key and message id are UTF-8 ranges of `DedupeIndex.bytes`.
 */
export interface RowFields {
	keyStart: number;
	keyLength: number;
	messageStart: number;
	messageLength: number;
	timestamp: number;
	/** source, model, session, project, branch, file: string numbers. */
	readonly strings: [number, number, number, number, number, number];
	sidechain: boolean;
	hasSpeed: boolean;
	estimated: boolean;
	modelInferred: boolean;
	/** input, output, cache write 5m, cache write 1h, cache read, reasoning. */
	readonly tokens: [number, number, number, number, number, number];
	/** NaN when the tool recorded none. */
	reportedCost: number;
	reportedCredits: number;
}

export function emptyRowFields(): RowFields {
	return {
		keyStart: 0,
		keyLength: 0,
		messageStart: 0,
		messageLength: 0,
		timestamp: 0,
		strings: [0, 0, 0, 0, 0, 0],
		sidechain: false,
		hasSpeed: false,
		estimated: false,
		modelInferred: false,
		tokens: [0, 0, 0, 0, 0, 0],
		reportedCost: Number.NaN,
		reportedCredits: Number.NaN,
	};
}

const tokensPerRow = 6;
const refsPerRow = 6;
const printWords = 4;
const refSource = 0;
const refModel = 1;
const refSession = 2;
const refProject = 3;
const refBranch = 4;
const refFile = 5;
const flagSidechain = 1;
const flagSpeed = 2;
const flagEstimated = 4;
const flagModelInferred = 8;
/** Index-only: the row has a message id (its fingerprint is in `messagePrint`). */
const flagMessage = 16;
/** Index-only: a better copy is held elsewhere (`forget`); the row neither counts nor replays. */
const flagForgotten = 32;
/** The flags a copy brings; the others belong to the row. */
const copyFlags = flagSidechain | flagSpeed | flagEstimated | flagModelInferred;
const noRow = -1;
/** In `tokens`: the count is in `largeTokens`. */
export const largeToken = 0xffffffff;
/** An amount column no row has used yet (most histories record no cost): it costs nothing. */
const noAmounts = new Float64Array(0);
/** Numbers a `pending` entry of `DedupeColumns` has. */
const pendingFields = 5;

const utf8 = new TextEncoder();

/**
 * Holds the best copy of every request and answers which requests count.
 *
 * Besides exact key collisions there is one cross-key rule: a sidechain entry that replays a message
 * id already seen under another request id (Claude's `/btw` side questions replay parent messages) is
 * a duplicate. Main-thread entries with distinct request ids all count.
 *
 * The copies live in columns (typed arrays, repeated strings numbered) rather than as one object per
 * request: about 120 bytes per request with the hash tables, almost nothing for the garbage
 * collector to trace, and a layout that a snapshot writes and reads back without decoding. Keys and
 * message ids are held as 128-bit fingerprints (see fingerprint.ts); their text is held only for
 * rows not yet written to the ledger's log (`releaseText`), which spells them out. Events are built
 * as objects only when asked for, and only for the range asked. Token counts take 4 bytes each (a
 * count too large for that, or not whole, is kept aside exactly), and the recorded cost and credits
 * columns exist only once some row has an amount.
 */
export class DedupeIndex {
	private rows = 0;
	private capacity: number;
	private timestamp: Float64Array;
	private tokens: Uint32Array;
	/** Token counts `tokens` cannot hold, by position in `tokens`. */
	private largeTokens = new Map<number, number>();
	/** Two bytes a number until a 65,537th string appears (a history of some 30,000 sessions). */
	private refs: Uint16Array | Uint32Array;
	private flags: Uint8Array;
	private reportedCost: Float64Array;
	private reportedCredits: Float64Array;
	private keyPrint: Uint32Array;
	private messagePrint: Uint32Array;
	/** Row + 1 of the next row with the same message id (0: none). */
	private nextSameMessage: Int32Array;
	/** Open addressing over keys: row + 1, 0 for an empty slot. */
	private keySlots: Int32Array;
	/** Open addressing over message ids: row + 1 of the first row with that id. */
	private messageSlots: Int32Array;
	/** Per row: its entry in the held text + 1, 0 when its text is not held. */
	private pendingSlot: Int32Array;
	/** Per held entry: its row, then key start and length, message start and length in `text`. */
	private pendingRow = new Int32Array(64);
	private pendingRange = new Uint32Array(64 * 4);
	private pendingCount = 0;
	private text: Uint8Array = new Uint8Array(4096);
	private textLength = 0;
	private readonly strings: string[] = [];
	private readonly stringIds = new Map<string, number>();
	private readonly keyBytes = new Utf8Scratch();
	private readonly messageBytes = new Utf8Scratch();
	/** The fingerprint of the key or message id looked up last. */
	private readonly lookup = new Uint32Array(printWords);
	/** Rows held elsewhere that count with these (older rows sealed to disk); none by default. */
	others: OtherRows | undefined;
	/** Which numbering of strings the rows use: a new one each time the index is emptied (`clear`). */
	private stringNumbering = 0;
	/** Rows only read (`forReading`): no key table; the message table is built when first needed. */
	private readOnly = false;
	private messagesLinked = true;

	constructor(capacity = 1024) {
		this.capacity = Math.max(16, capacity);
		this.timestamp = new Float64Array(this.capacity);
		this.tokens = new Uint32Array(this.capacity * tokensPerRow);
		this.refs = new Uint16Array(this.capacity * refsPerRow);
		this.flags = new Uint8Array(this.capacity);
		this.reportedCost = noAmounts;
		this.reportedCredits = noAmounts;
		this.keyPrint = new Uint32Array(this.capacity * printWords);
		this.messagePrint = new Uint32Array(this.capacity * printWords);
		this.nextSameMessage = new Int32Array(this.capacity);
		this.pendingSlot = new Int32Array(this.capacity);
		this.keySlots = new Int32Array(slotCount(this.capacity));
		this.messageSlots = new Int32Array(slotCount(this.capacity));
	}

	/** An index over columns a snapshot stored; the arrays are taken over, not copied. */
	static fromColumns(columns: DedupeColumns): DedupeIndex {
		const index = DedupeIndex.over(columns);
		const rows = columns.rows;
		index.nextSameMessage = new Int32Array(rows);
		index.pendingSlot = new Int32Array(rows);
		index.keySlots = new Int32Array(slotCount(rows));
		index.messageSlots = new Int32Array(slotCount(rows));
		for (let row = 0; row < rows; row++) {
			index.placeKey(row);
			if ((index.flags[row]! & flagMessage) !== 0) index.linkMessage(row);
		}
		const { pending, text } = columns;
		for (let at = 0; at + pendingFields <= pending.length; at += pendingFields) {
			index.holdText(pending[at]!, text, pending[at + 1]!, pending[at + 2]!, text, pending[at + 3]!, pending[at + 4]!);
		}
		return index;
	}

	/**
	 * An index over columns that reports only read (rows sealed to disk, loaded a range at a time):
	 * no key table, and the message table built only if a sidechain copy needs weighing. A report
	 * over a long history loads many such ranges, and tables it never uses would be garbage each time.
	 */
	static forReading(columns: DedupeColumns): DedupeIndex {
		const index = DedupeIndex.over(columns);
		index.readOnly = true;
		index.messagesLinked = false;
		return index;
	}

	/**
	 * An index over a helper thread's columns only for `absorb` to take its rows: no key or message
	 * table, and its key text read where the columns hold it. A first scan merges a batch every 64 MiB
	 * of files; tables and a copy of the text built for each were garbage the moment it was merged.
	 */
	static forAbsorbing(columns: DedupeColumns): DedupeIndex {
		const index = DedupeIndex.over(columns);
		index.readOnly = true;
		index.messagesLinked = false;
		const { pending, text } = columns;
		const entries = Math.floor(pending.length / pendingFields);
		index.pendingSlot = new Int32Array(columns.rows);
		index.pendingRow = new Int32Array(entries);
		index.pendingRange = new Uint32Array(entries * 4);
		for (let entry = 0; entry < entries; entry++) {
			const at = entry * pendingFields;
			index.pendingRow[entry] = pending[at]!;
			index.pendingRange.set(pending.subarray(at + 1, at + pendingFields), entry * 4);
			index.pendingSlot[pending[at]!] = entry + 1;
		}
		index.pendingCount = entries;
		index.text = text;
		index.textLength = text.length;
		return index;
	}

	/** An index whose columns are these (taken over, not copied), its tables not built yet. */
	private static over(columns: DedupeColumns): DedupeIndex {
		const index = new DedupeIndex(0);
		index.rows = columns.rows;
		index.capacity = columns.rows;
		index.timestamp = columns.timestamp;
		index.tokens = columns.tokens;
		for (let i = 0; i + 1 < columns.largeTokens.length; i += 2) index.largeTokens.set(columns.largeTokens[i]!, columns.largeTokens[i + 1]!);
		index.refs = columns.refs;
		index.flags = columns.flags;
		index.reportedCost = columns.reportedCost.length === 0 ? noAmounts : columns.reportedCost;
		index.reportedCredits = columns.reportedCredits.length === 0 ? noAmounts : columns.reportedCredits;
		index.keyPrint = columns.keyPrint;
		index.messagePrint = columns.messagePrint;
		for (const value of columns.strings) index.stringId(value);
		return index;
	}

	get size(): number {
		return this.rows;
	}

	/** The used part of every column, for a snapshot (views, not copies: write them before adding). */
	columns(): DedupeColumns {
		const rows = this.rows;
		const pending = new Uint32Array(this.pendingCount * pendingFields);
		for (let entry = 0; entry < this.pendingCount; entry++) {
			pending[entry * pendingFields] = this.pendingRow[entry]!;
			pending.set(this.pendingRange.subarray(entry * 4, entry * 4 + 4), entry * pendingFields + 1);
		}
		return {
			rows,
			strings: this.strings,
			timestamp: this.timestamp.subarray(0, rows),
			tokens: this.tokens.subarray(0, rows * tokensPerRow),
			largeTokens: Float64Array.from([...this.largeTokens].flat()),
			refs: this.refs.subarray(0, rows * refsPerRow),
			flags: this.flags.subarray(0, rows),
			// Never a view of the shared empty column: a helper thread moves these buffers away.
			reportedCost: this.reportedCost === noAmounts ? new Float64Array(0) : this.reportedCost.subarray(0, rows),
			reportedCredits: this.reportedCredits === noAmounts ? new Float64Array(0) : this.reportedCredits.subarray(0, rows),
			keyPrint: this.keyPrint.subarray(0, rows * printWords),
			messagePrint: this.messagePrint.subarray(0, rows * printWords),
			pending,
			text: this.text.subarray(0, this.textLength),
		};
	}

	/** Returns true when the event is new or replaces a worse copy, i.e. when it is worth storing. */
	add(event: UsageEvent): boolean {
		return this.store(event) !== noRow;
	}

	/**
	 * `add`, returning the row the event now holds, or -1 when a copy at least as good was there. The
	 * caller that keeps the winning events by row knows what to write without asking the index again.
	 * The row's key text is held until `releaseText`.
	 */
	store(event: UsageEvent): number {
		const keyBytes = this.keyBytes;
		const keyLength = keyBytes.encode(event.key);
		fingerprint128(keyBytes.bytes, 0, keyLength, this.lookup, 0);
		let row = this.findKey(this.lookup, 0);
		if (row !== noRow) {
			if (!isBetterCopy(event, this.rankOf(row))) return noRow;
		} else {
			if (this.others !== undefined && !this.others.admit(this.lookup, 0, event)) return noRow;
			row = this.newRow(this.lookup);
		}
		const messageLength = event.messageId === '' ? 0 : this.messageBytes.encode(event.messageId);
		if (messageLength > 0 && (this.flags[row]! & flagMessage) === 0) this.setMessage(row, this.messageBytes.bytes, 0, messageLength);
		this.writeRow(row, event);
		this.holdText(row, keyBytes.bytes, 0, keyLength, this.messageBytes.bytes, 0, messageLength);
		return row;
	}

	/**
	 * `store` for a copy given as bytes and numbers (a ledger line read without building an event):
	 * its key and message id are UTF-8 ranges of `bytes`, its strings this index's numbers
	 * (`stringNumber`). Returns the row it now holds, or -1 when a copy at least as good was there.
	 * The row's key text is held until `releaseText`.
	 */
	storeFields(bytes: Uint8Array, fields: RowFields): number {
		const { keyStart, keyLength, messageStart, messageLength } = fields;
		fingerprint128(bytes, keyStart, keyStart + keyLength, this.lookup, 0);
		let row = this.findKey(this.lookup, 0);
		if (row !== noRow) {
			if (!isBetterCopy(rankOfFields(fields), this.rankOf(row))) return noRow;
		} else {
			if (this.others !== undefined && !this.others.admit(this.lookup, 0, rankOfFields(fields))) return noRow;
			row = this.newRow(this.lookup);
		}
		if (messageLength > 0 && (this.flags[row]! & flagMessage) === 0) this.setMessage(row, bytes, messageStart, messageLength);
		this.writeFields(row, fields);
		this.holdText(row, bytes, keyStart, keyLength, bytes, messageStart, messageLength);
		return row;
	}

	/** This index's number for a string (numbered when new), for `storeFields`. */
	stringNumber(value: string): number {
		return this.stringId(value);
	}

	/**
	 * Takes rows of another index (a helper thread's; all of them, or those `accept` takes) as if
	 * each of its events had been added here, without building them as objects; `changed` hears each
	 * row of this index that took a copy, and the other index's row it took. The other index must
	 * hold the text of every row taken.
	 */
	absorb(other: DedupeIndex, changed: (row: number, from: number) => void, accept?: (from: number) => boolean): void {
		const stringMap = other.strings.map((value) => this.stringId(value));
		for (let from = 0; from < other.rows; from++) {
			if (accept !== undefined && !accept(from)) continue;
			let row = this.findKey(other.keyPrint, from * printWords);
			if (row !== noRow) {
				if (!isBetterCopy(other.rankOf(from), this.rankOf(row))) continue;
			} else {
				if (this.others !== undefined && !this.others.admit(other.keyPrint, from * printWords, other.rankOf(from))) continue;
				row = this.newRow(other.keyPrint.subarray(from * printWords, from * printWords + printWords));
				if ((other.flags[from]! & flagMessage) !== 0) {
					this.messagePrint.set(other.messagePrint.subarray(from * printWords, from * printWords + printWords), row * printWords);
					this.flags[row] = flagMessage;
					this.linkMessage(row);
				}
			}
			this.copyRow(other, from, row, stringMap);
			const entry = other.pendingSlot[from]! - 1;
			if (entry < 0) throw new Error('A row to take has no key text: it was written out already.');
			const range = other.pendingRange;
			const at = entry * 4;
			this.holdText(row, other.text, range[at]!, range[at + 1]!, other.text, range[at + 2]!, range[at + 3]!);
			changed(row, from);
		}
	}

	/**
	 * Empties the index, keeping its columns and tables for the rows to come: what a ledger does once it
	 * has sealed the rows to disk. New columns instead would leave the old ones (some 30 MB for
	 * 100,000 rows) as garbage until a full collection. No row's key text may be held.
	 */
	clear(): void {
		if (this.pendingCount > 0) throw new Error('Rows not yet written to the log cannot be cleared.');
		// A row without a message id has a zero fingerprint (see `DedupeColumns`); new rows only write one.
		this.messagePrint.fill(0, 0, this.rows * printWords);
		this.rows = 0;
		this.largeTokens.clear();
		this.strings.length = 0;
		this.stringIds.clear();
		this.stringNumbering++;
		this.reportedCost = noAmounts;
		this.reportedCredits = noAmounts;
		this.keySlots.fill(0);
		this.messageSlots.fill(0);
		this.textLength = 0;
	}

	/**
	 * Forgets the key text of every row (written to the log now): the index keeps only fingerprints.
	 * The room stays, for the next rows.
	 */
	releaseText(): void {
		for (let entry = 0; entry < this.pendingCount; entry++) this.pendingSlot[this.pendingRow[entry]!] = 0;
		this.pendingCount = 0;
		this.textLength = 0;
	}

	/** The best copy stored under a key, as reports read it. */
	get(key: string): CountedUsage | undefined {
		const row = this.rowOf(key);
		return row === noRow ? undefined : this.usageAt(row);
	}

	/** Whether the request stored under a key counts (it is stored, and no sidechain replay). */
	counts(key: string): boolean {
		const row = this.rowOf(key);
		return row !== noRow && !this.isSidechainReplay(row);
	}

	/** The requests that count, each once, in the order they were first seen; optionally only those in a range. */
	counted(range?: TimeRange): CountedUsage[] {
		const result: CountedUsage[] = [];
		for (const row of this.countedRows(range)) result.push(this.usageAt(row));
		return result;
	}

	/**
	 * What reports read of the requests that count, one at a time: a report over a whole history that
	 * aggregates as it goes then never holds every request at once, and the collector only ever sees
	 * short-lived objects.
	 */
	*eachCounted(range?: TimeRange): Generator<CountedUsage> {
		for (const row of this.countedRows(range)) yield this.usageAt(row);
	}

	private *countedRows(range: TimeRange | undefined): Generator<number> {
		const from = range?.from ?? Number.NEGATIVE_INFINITY;
		const to = range?.to ?? Number.POSITIVE_INFINITY;
		for (let row = 0; row < this.rows; row++) {
			const timestamp = this.timestamp[row]!;
			if (timestamp < from || timestamp >= to) continue;
			if ((this.flags[row]! & flagForgotten) !== 0 || this.isSidechainReplay(row)) continue;
			yield row;
		}
	}

	/** The earliest request that counts, of the given sources (all when omitted); undefined when none. */
	oldestCounted(sources?: ReadonlySet<SourceId>): number | undefined {
		let oldest = Number.POSITIVE_INFINITY;
		for (let row = 0; row < this.rows; row++) {
			const timestamp = this.timestamp[row]!;
			if (timestamp >= oldest) continue;
			if (sources !== undefined && !sources.has(this.strings[this.refs[row * refsPerRow + refSource]!] as SourceId)) continue;
			if ((this.flags[row]! & flagForgotten) !== 0 || this.isSidechainReplay(row)) continue;
			oldest = timestamp;
		}
		return Number.isFinite(oldest) ? oldest : undefined;
	}

	private isSidechainReplay(row: number): boolean {
		const flags = this.flags[row]!;
		if ((flags & flagSidechain) === 0 || (flags & flagMessage) === 0) {
			return false;
		}
		const at = row * printWords;
		this.linkMessages();
		let rank: CopyRank | undefined; // built only when there is another copy to weigh
		for (let other = this.findMessage(this.messagePrint, at); other !== noRow; other = this.nextSameMessage[other]! - 1) {
			if (other === row || (this.flags[other]! & flagForgotten) !== 0) continue;
			if ((this.flags[other]! & flagSidechain) === 0) return true;
			rank ??= this.rankOf(row);
			if (replays(this.rankOf(other), this.keyPrint, other * printWords, rank, this.keyPrint, at)) return true;
		}
		return this.others?.replaySidechain(this.messagePrint, at, this.keyPrint, at, rank ?? this.rankOf(row)) ?? false;
	}

	/**
	 * Whether a copy of the message held here makes a sidechain copy held elsewhere a replay (`replays`),
	 * for another index's `OtherRows`.
	 */
	replaysSidechain(messagePrints: Uint32Array, messageAt: number, keyPrints: Uint32Array, keyAt: number, rank: CopyRank): boolean {
		this.linkMessages();
		for (let other = this.findMessage(messagePrints, messageAt); other !== noRow; other = this.nextSameMessage[other]! - 1) {
			if ((this.flags[other]! & flagForgotten) !== 0) continue;
			if (replays(this.rankOf(other), this.keyPrint, other * printWords, rank, keyPrints, keyAt)) return true;
		}
		return false;
	}

	/** Marks a row whose request is now held elsewhere by a better copy: it no longer counts. */
	forget(row: number): void {
		this.flags[row] = this.flags[row]! | flagForgotten;
	}

	private writeRow(row: number, event: UsageEvent): void {
		this.timestamp[row] = event.timestamp;
		const t = row * tokensPerRow;
		this.setToken(t, event.inputTokens);
		this.setToken(t + 1, event.outputTokens);
		this.setToken(t + 2, event.cacheWrite5mTokens);
		this.setToken(t + 3, event.cacheWrite1hTokens);
		this.setToken(t + 4, event.cacheReadTokens);
		this.setToken(t + 5, event.reasoningTokens);
		// Numbered first: numbering a new string may widen `refs` to another array.
		const source = this.stringId(event.source);
		const model = this.stringId(event.model);
		const session = this.stringId(event.sessionId);
		const project = this.stringId(event.project);
		const branch = this.stringId(event.branch);
		const file = this.stringId(event.file);
		const refs = this.refs;
		const r = row * refsPerRow;
		refs[r + refSource] = source;
		refs[r + refModel] = model;
		refs[r + refSession] = session;
		refs[r + refProject] = project;
		refs[r + refBranch] = branch;
		refs[r + refFile] = file;
		this.flags[row] = (this.flags[row]! & ~copyFlags) | copyFlagsOf(event);
		this.setAmounts(row, event.reportedCostUSD ?? Number.NaN, event.reportedCredits ?? Number.NaN);
	}

	private writeFields(row: number, fields: RowFields): void {
		this.timestamp[row] = fields.timestamp;
		for (let i = 0; i < tokensPerRow; i++) this.setToken(row * tokensPerRow + i, fields.tokens[i]!);
		for (let i = 0; i < refsPerRow; i++) this.refs[row * refsPerRow + i] = fields.strings[i]!;
		this.flags[row] = (this.flags[row]! & ~copyFlags) | copyFlagsOf(fields);
		this.setAmounts(row, fields.reportedCost, fields.reportedCredits);
	}

	private copyRow(other: DedupeIndex, from: number, row: number, stringMap: readonly number[]): void {
		this.timestamp[row] = other.timestamp[from]!;
		for (let i = 0; i < tokensPerRow; i++) this.setToken(row * tokensPerRow + i, other.tokenAt(from * tokensPerRow + i));
		for (let i = 0; i < refsPerRow; i++) this.refs[row * refsPerRow + i] = stringMap[other.refs[from * refsPerRow + i]!]!;
		this.flags[row] = (this.flags[row]! & ~copyFlags) | (other.flags[from]! & copyFlags);
		this.setAmounts(row, other.costAt(from), other.creditsAt(from));
	}

	private setToken(at: number, count: number): void {
		if (count >>> 0 === count && count !== largeToken) {
			this.tokens[at] = count;
			if (this.largeTokens.size > 0) this.largeTokens.delete(at); // a better copy replaced a large count
		} else {
			this.tokens[at] = largeToken;
			this.largeTokens.set(at, count);
		}
	}

	private tokenAt(at: number): number {
		const count = this.tokens[at]!;
		return count === largeToken ? this.largeTokens.get(at)! : count;
	}

	private setAmounts(row: number, cost: number, credits: number): void {
		if (this.reportedCost !== noAmounts) this.reportedCost[row] = cost;
		else if (!Number.isNaN(cost)) this.reportedCost = amountColumn(this.capacity, row, cost);
		if (this.reportedCredits !== noAmounts) this.reportedCredits[row] = credits;
		else if (!Number.isNaN(credits)) this.reportedCredits = amountColumn(this.capacity, row, credits);
	}

	private costAt(row: number): number {
		return this.reportedCost === noAmounts ? Number.NaN : this.reportedCost[row]!;
	}

	private creditsAt(row: number): number {
		return this.reportedCredits === noAmounts ? Number.NaN : this.reportedCredits[row]!;
	}

	/** What decides between a row's copy and another copy of its request. */
	rankOf(row: number): CopyRank {
		const t = row * tokensPerRow;
		const flags = this.flags[row]!;
		const cost = this.costAt(row);
		return {
			inputTokens: this.tokenAt(t),
			outputTokens: this.tokenAt(t + 1),
			cacheWrite5mTokens: this.tokenAt(t + 2),
			cacheWrite1hTokens: this.tokenAt(t + 3),
			cacheReadTokens: this.tokenAt(t + 4),
			reasoningTokens: this.tokenAt(t + 5),
			sidechain: (flags & flagSidechain) !== 0,
			hasSpeed: (flags & flagSpeed) !== 0,
			reportedCostUSD: Number.isNaN(cost) ? null : cost,
		};
	}

	/** The bytes that `readRow`'s key and message ranges point into (valid until the next add). */
	get bytes(): Uint8Array {
		return this.text;
	}

	/** Changes whenever string numbers start over (see `stringNumber`); those of before mean nothing now. */
	get numbering(): number {
		return this.stringNumbering;
	}

	/** How many strings the rows refer to (numbered from 0). */
	get stringCount(): number {
		return this.strings.length;
	}

	/** The string a `RowFields` string number stands for. */
	stringAt(id: number): string {
		return this.strings[id]!;
	}

	/** Whether a row's key text is held (it was stored since the last `releaseText`). */
	holdsText(row: number): boolean {
		return this.pendingSlot[row] !== 0;
	}

	/** Fills `into` with a row's fields, building nothing; the row's key text must be held. */
	readRow(row: number, into: RowFields): void {
		const entry = this.pendingSlot[row]! - 1;
		if (entry < 0) throw new Error(`Row ${row}'s key text is not held: it was written out already.`);
		const range = this.pendingRange;
		into.keyStart = range[entry * 4]!;
		into.keyLength = range[entry * 4 + 1]!;
		into.messageStart = range[entry * 4 + 2]!;
		into.messageLength = range[entry * 4 + 3]!;
		into.timestamp = this.timestamp[row]!;
		for (let i = 0; i < refsPerRow; i++) into.strings[i] = this.refs[row * refsPerRow + i]!;
		const flags = this.flags[row]!;
		into.sidechain = (flags & flagSidechain) !== 0;
		into.hasSpeed = (flags & flagSpeed) !== 0;
		into.estimated = (flags & flagEstimated) !== 0;
		into.modelInferred = (flags & flagModelInferred) !== 0;
		for (let i = 0; i < tokensPerRow; i++) into.tokens[i] = this.tokenAt(row * tokensPerRow + i);
		into.reportedCost = this.costAt(row);
		into.reportedCredits = this.creditsAt(row);
	}

	/** The file a row's copy was read from. */
	fileOf(row: number): string {
		return this.strings[this.refs[row * refsPerRow + refFile]!]!;
	}

	private rowOf(key: string): number {
		const length = this.keyBytes.encode(key);
		fingerprint128(this.keyBytes.bytes, 0, length, this.lookup, 0);
		return this.findKey(this.lookup, 0);
	}

	/**
	 * A row's copy as reports read it: the key and message id are not kept (left empty, and out of
	 * the type). One object literal: a spread or an added property would give the objects other
	 * shapes, several times slower to build and to read (views build thousands).
	 */
	private usageAt(row: number): CountedUsage {
		const t = row * tokensPerRow;
		const r = row * refsPerRow;
		const flags = this.flags[row]!;
		const cost = this.costAt(row);
		const credits = this.creditsAt(row);
		const strings = this.strings;
		return {
			source: strings[this.refs[r + refSource]!] as SourceId,
			timestamp: this.timestamp[row]!,
			model: strings[this.refs[r + refModel]!]!,
			sessionId: strings[this.refs[r + refSession]!]!,
			project: strings[this.refs[r + refProject]!]!,
			branch: strings[this.refs[r + refBranch]!]!,
			sidechain: (flags & flagSidechain) !== 0,
			hasSpeed: (flags & flagSpeed) !== 0,
			estimated: (flags & flagEstimated) !== 0,
			file: strings[this.refs[r + refFile]!]!,
			reportedCostUSD: Number.isNaN(cost) ? null : cost,
			reportedCredits: Number.isNaN(credits) ? null : credits,
			modelInferred: (flags & flagModelInferred) !== 0,
			inputTokens: this.tokenAt(t),
			outputTokens: this.tokenAt(t + 1),
			cacheWrite5mTokens: this.tokenAt(t + 2),
			cacheWrite1hTokens: this.tokenAt(t + 3),
			cacheReadTokens: this.tokenAt(t + 4),
			reasoningTokens: this.tokenAt(t + 5),
		};
	}

	private stringId(value: string): number {
		let id = this.stringIds.get(value);
		if (id === undefined) {
			id = this.strings.length;
			this.strings.push(value);
			this.stringIds.set(value, id);
			if (id === 0x10000 && this.refs instanceof Uint16Array) this.refs = Uint32Array.from(this.refs);
		}
		return id;
	}

	/** Gives a new row its message id's fingerprint and puts it at the head of that id's chain. */
	private setMessage(row: number, bytes: Uint8Array, start: number, length: number): void {
		fingerprint128(bytes, start, start + length, this.messagePrint, row * printWords);
		this.flags[row] = this.flags[row]! | flagMessage;
		this.linkMessage(row);
	}

	/**
	 * Holds a row's key text (and its message id's: usually part of the key,
	 * `claude-code:<message>:<request>`, so it costs no bytes) until `releaseText`. A row held already
	 * keeps what it has: a better copy has the same key.
	 */
	private holdText(row: number, keyBytes: Uint8Array, keyStart: number, keyLength: number, messageBytes: Uint8Array, messageStart: number, messageLength: number): void {
		if (this.pendingSlot[row] !== 0) return;
		this.ensureText(keyLength + messageLength);
		const start = this.textLength;
		this.text.set(keyBytes.subarray(keyStart, keyStart + keyLength), start);
		this.textLength += keyLength;
		let messageAt = messageLength === 0 ? 0 : indexOfBytes(this.text, start, start + keyLength, messageBytes, messageLength, messageStart);
		if (messageAt === noRow) {
			messageAt = this.textLength;
			this.text.set(messageBytes.subarray(messageStart, messageStart + messageLength), messageAt);
			this.textLength += messageLength;
		}
		const entry = this.pendingCount++;
		if (entry === this.pendingRow.length) {
			this.pendingRow = resized(this.pendingRow, entry * 2, entry);
			this.pendingRange = resized(this.pendingRange, entry * 8, entry * 4);
		}
		this.pendingRow[entry] = row;
		this.pendingRange[entry * 4] = start;
		this.pendingRange[entry * 4 + 1] = keyLength;
		this.pendingRange[entry * 4 + 2] = messageAt;
		this.pendingRange[entry * 4 + 3] = messageLength;
		this.pendingSlot[row] = entry + 1;
	}

	/** Puts the row at the head of its message id's chain. */
	private linkMessage(row: number): void {
		const prints = this.messagePrint;
		const at = row * printWords;
		const mask = this.messageSlots.length - 1;
		for (let slot = prints[at]! & mask; ; slot = (slot + 1) & mask) {
			const held = this.messageSlots[slot]!;
			if (held === 0) {
				this.messageSlots[slot] = row + 1;
				return;
			}
			if (samePrint(prints, (held - 1) * printWords, prints, at)) {
				this.nextSameMessage[row] = held;
				this.messageSlots[slot] = row + 1;
				return;
			}
		}
	}

	private findMessage(print: Uint32Array, at: number): number {
		return findPrint(this.messageSlots, this.messagePrint, print, at);
	}

	/** Builds the message table of an index made `forReading`, the first time it is needed. */
	private linkMessages(): void {
		if (this.messagesLinked) return;
		this.messagesLinked = true;
		this.nextSameMessage = new Int32Array(this.rows);
		this.messageSlots = new Int32Array(slotCount(this.rows));
		for (let row = 0; row < this.rows; row++) if ((this.flags[row]! & flagMessage) !== 0) this.linkMessage(row);
	}

	private findKey(print: Uint32Array, at: number): number {
		if (this.readOnly) throw new Error('An index made for reading has no key table.');
		return findPrint(this.keySlots, this.keyPrint, print, at);
	}

	private placeKey(row: number): void {
		const mask = this.keySlots.length - 1;
		let slot = this.keyPrint[row * printWords]! & mask;
		while (this.keySlots[slot] !== 0) slot = (slot + 1) & mask;
		this.keySlots[slot] = row + 1;
	}

	private ensureText(extra: number): void {
		if (this.textLength + extra <= this.text.length) return;
		const next = new Uint8Array(Math.max(Math.ceil(this.text.length * 1.5), this.textLength + extra));
		next.set(this.text.subarray(0, this.textLength));
		this.text = next;
	}

	/**
	 * Makes room for this many more rows (and held key bytes) at once. A first scan that knows roughly
	 * how much it will read then does not grow column by column, each growth a copy that leaves the
	 * old column as garbage; room not yet written costs address space, not memory (zeroed pages are
	 * only committed when first written).
	 */
	reserveMore(rows: number, textBytes: number): void {
		// Never less than the usual growth: small reservations in a row must not copy every time.
		if (this.rows + rows > this.capacity) this.growTo(Math.max(this.rows + rows, Math.ceil(this.capacity * 1.5)));
		this.ensureText(textBytes);
	}

	/** A new row with this key fingerprint; the caller writes its fields. */
	private newRow(print: Uint32Array, at = 0): number {
		this.makeRoomForRow();
		const row = this.rows++;
		this.keyPrint.set(print.subarray(at, at + printWords), row * printWords);
		this.placeKey(row);
		this.nextSameMessage[row] = 0;
		this.flags[row] = 0;
		this.pendingSlot[row] = 0;
		return row;
	}

	/** Room for one more row, and hash tables that stay at most half full. */
	private makeRoomForRow(): void {
		if (this.rows === this.capacity) this.growTo(Math.max(16, Math.ceil(this.capacity * 1.5)));
		if ((this.rows + 1) * 2 > this.keySlots.length) this.rehash();
	}

	/**
	 * Grows every column (by half when growing row by row, not double: a long history holds hundreds
	 * of thousands of rows).
	 */
	private growTo(capacity: number): void {
		const rows = this.rows;
		this.timestamp = resized(this.timestamp, capacity, rows);
		this.tokens = resized(this.tokens, capacity * tokensPerRow, rows * tokensPerRow);
		this.refs = resized(this.refs, capacity * refsPerRow, rows * refsPerRow);
		this.flags = resized(this.flags, capacity, rows);
		if (this.reportedCost !== noAmounts) this.reportedCost = resized(this.reportedCost, capacity, rows);
		if (this.reportedCredits !== noAmounts) this.reportedCredits = resized(this.reportedCredits, capacity, rows);
		this.keyPrint = resized(this.keyPrint, capacity * printWords, rows * printWords);
		this.messagePrint = resized(this.messagePrint, capacity * printWords, rows * printWords);
		this.nextSameMessage = resized(this.nextSameMessage, capacity, rows);
		this.pendingSlot = resized(this.pendingSlot, capacity, rows);
		this.capacity = capacity;
	}

	/** Rebuilds both hash tables at twice the size the rows need (sized by rows, not by capacity). */
	private rehash(): void {
		this.keySlots = new Int32Array(slotCount(this.rows + 1));
		this.messageSlots = new Int32Array(slotCount(this.rows + 1));
		this.nextSameMessage.fill(0, 0, this.rows);
		for (let row = 0; row < this.rows; row++) {
			this.placeKey(row);
			if ((this.flags[row]! & flagMessage) !== 0) this.linkMessage(row);
		}
	}
}

/** A string's UTF-8 bytes in a buffer kept for the purpose. */
class Utf8Scratch {
	bytes = new Uint8Array(256);

	/** Writes the value's UTF-8 bytes at the buffer's start; returns how many. */
	encode(value: string): number {
		if (this.bytes.length < value.length * 3) this.bytes = new Uint8Array(value.length * 3);
		const bytes = this.bytes;
		// Keys are almost always ASCII, whose characters are their bytes: copied without an encoder call.
		for (let i = 0; i < value.length; i++) {
			const code = value.charCodeAt(i);
			if (code >= 0x80) return utf8.encodeInto(value, bytes).written;
			bytes[i] = code;
		}
		return value.length;
	}
}

/** The flags a copy brings, from an event or from a row's fields (the same four names). */
function copyFlagsOf(copy: Pick<RowFields, 'sidechain' | 'hasSpeed' | 'estimated' | 'modelInferred'>): number {
	return (copy.sidechain ? flagSidechain : 0) | (copy.hasSpeed ? flagSpeed : 0) | (copy.estimated ? flagEstimated : 0) | (copy.modelInferred ? flagModelInferred : 0);
}

/**
 * The rank of a row stored elsewhere in this index's layout (rows sealed to disk): its six token
 * counts, its flags column's byte and its recorded cost (NaN: none).
 */
export function rankOfStored(tokens: readonly number[], flags: number, cost: number): CopyRank {
	return {
		inputTokens: tokens[0]!,
		outputTokens: tokens[1]!,
		cacheWrite5mTokens: tokens[2]!,
		cacheWrite1hTokens: tokens[3]!,
		cacheReadTokens: tokens[4]!,
		reasoningTokens: tokens[5]!,
		sidechain: (flags & flagSidechain) !== 0,
		hasSpeed: (flags & flagSpeed) !== 0,
		reportedCostUSD: Number.isNaN(cost) ? null : cost,
	};
}

function rankOfFields(fields: RowFields): CopyRank {
	const [inputTokens, outputTokens, cacheWrite5mTokens, cacheWrite1hTokens, cacheReadTokens, reasoningTokens] = fields.tokens;
	return {
		inputTokens,
		outputTokens,
		cacheWrite5mTokens,
		cacheWrite1hTokens,
		cacheReadTokens,
		reasoningTokens,
		sidechain: fields.sidechain,
		hasSpeed: fields.hasSpeed,
		reportedCostUSD: Number.isNaN(fields.reportedCost) ? null : fields.reportedCost,
	};
}

/** Open addressing: the row a table points to whose fingerprint equals `print[at …]`, or -1. */
function findPrint(slots: Int32Array, prints: Uint32Array, print: Uint32Array, at: number): number {
	const mask = slots.length - 1;
	for (let slot = print[at]! & mask; ; slot = (slot + 1) & mask) {
		const held = slots[slot]!;
		if (held === 0) return noRow;
		if (samePrint(prints, (held - 1) * printWords, print, at)) return held - 1;
	}
}

function samePrint(a: Uint32Array, aAt: number, b: Uint32Array, bAt: number): boolean {
	return a[aAt] === b[bAt] && a[aAt + 1] === b[bAt + 1] && a[aAt + 2] === b[bAt + 2] && a[aAt + 3] === b[bAt + 3];
}

/** Orders two fingerprints, word by word. */
function comparePrints(a: Uint32Array, aAt: number, b: Uint32Array, bAt: number): number {
	for (let i = 0; i < printWords; i++) {
		const difference = a[aAt + i]! - b[bAt + i]!;
		if (difference !== 0) return difference;
	}
	return 0;
}

/** A power of two at least twice the rows, so probes stay short. */
function slotCount(rows: number): number {
	let slots = 32;
	while (slots < rows * 2) slots *= 2;
	return slots;
}

type Column = Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array;

/** An amount column made when a first row has an amount: the rows before it had none. */
function amountColumn(capacity: number, row: number, amount: number): Float64Array {
	const column = new Float64Array(capacity).fill(Number.NaN);
	column[row] = amount;
	return column;
}

/** A column of `length` holding the first `used` values of this one. */
export function resized<T extends Column>(column: T, length: number, used: number): T {
	const next = new (column.constructor as new (length: number) => T)(length);
	next.set(column.subarray(0, used));
	return next;
}

function equalBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
	for (let i = 0; i < length; i++) {
		if (a[aStart + i] !== b[bStart + i]) return false;
	}
	return true;
}

function indexOfBytes(haystack: Uint8Array, start: number, end: number, needle: Uint8Array, length: number, needleStart = 0): number {
	for (let at = start; at + length <= end; at++) {
		if (equalBytes(haystack, at, needle, needleStart, length)) return at;
	}
	return noRow;
}
