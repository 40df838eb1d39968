import type { CountedUsage, SourceId, TokenCounts, UsageEvent } from './usageEvent';
import { totalTokens } from './usageEvent';

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
 * The index as plain arrays: what a snapshot on disk stores and what `DedupeIndex.fromColumns`
 * takes back. Row r's tokens are `tokens[r * 6 …]` in `tokenFields` order, its strings
 * `refs[r * 6 …]` (numbers into `strings`) in `refFields` order; its key and message id are UTF-8
 * ranges of `text`. A token count that is not a whole number below 2^32 - 1 is 2^32 - 1 in `tokens`
 * and stands in `largeTokens`, as pairs of its position in `tokens` and its value. A missing
 * recorded cost or credit amount is NaN; a column of no amounts at all may be empty.
 */
export interface DedupeColumns {
	readonly rows: number;
	readonly strings: readonly string[];
	readonly timestamp: Float64Array;
	readonly tokens: Uint32Array;
	readonly largeTokens: Float64Array;
	readonly refs: Uint32Array;
	readonly flags: Uint8Array;
	readonly reportedCost: Float64Array;
	readonly reportedCredits: Float64Array;
	readonly keyStart: Uint32Array;
	readonly keyLength: Uint32Array;
	readonly messageStart: Uint32Array;
	readonly messageLength: Uint32Array;
	/** FNV-1a of each key's and message id's bytes, so that loading does not hash them again. */
	readonly keyHash: Int32Array;
	readonly messageHash: Int32Array;
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
const noRow = -1;
/** In `tokens`: the count is in `largeTokens`. */
const largeToken = 0xffffffff;
/** An amount column no row has used yet (most histories record no cost): it costs nothing. */
const noAmounts = new Float64Array(0);

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * Holds the best copy of every request and answers which requests count.
 *
 * Besides exact key collisions there is one cross-key rule: a sidechain entry that replays a message
 * id already seen under another request id (Claude's `/btw` side questions replay parent messages) is
 * a duplicate. Main-thread entries with distinct request ids all count.
 *
 * The copies live in columns (typed arrays, keys as UTF-8 bytes, repeated strings numbered) rather
 * than as one object per request: about 200 bytes per request with the hash tables (85 of them a
 * Claude Code key) instead of several hundred, almost nothing for the garbage collector to trace,
 * and a layout that a snapshot writes and reads back without decoding. Events are built as objects
 * only when asked for, and only for the range asked. Token counts take 4 bytes each (a count too
 * large for that, or not whole, is kept aside exactly), and the recorded cost and credits columns
 * exist only once some row has an amount.
 */
export class DedupeIndex {
	private rows = 0;
	private capacity: number;
	private timestamp: Float64Array;
	private tokens: Uint32Array;
	/** Token counts `tokens` cannot hold, by position in `tokens`. */
	private largeTokens = new Map<number, number>();
	private refs: Uint32Array;
	private flags: Uint8Array;
	private reportedCost: Float64Array;
	private reportedCredits: Float64Array;
	private keyStart: Uint32Array;
	private keyLength: Uint32Array;
	private messageStart: Uint32Array;
	private messageLength: Uint32Array;
	private keyHash: Int32Array;
	private messageHash: Int32Array;
	/** Row + 1 of the next row with the same message id (0: none). */
	private nextSameMessage: Int32Array;
	private text: Uint8Array;
	private textLength = 0;
	/** Open addressing over keys: row + 1, 0 for an empty slot. */
	private keySlots: Int32Array;
	/** Open addressing over message ids: row + 1 of the first row with that id. */
	private messageSlots: Int32Array;
	private readonly strings: string[] = [];
	private readonly stringIds = new Map<string, number>();
	private scratch = new Uint8Array(256);
	/** The hash `keyToScratch` computed last. */
	private lookupHash = 0;

	constructor(capacity = 1024) {
		this.capacity = Math.max(16, capacity);
		this.timestamp = new Float64Array(this.capacity);
		this.tokens = new Uint32Array(this.capacity * tokensPerRow);
		this.refs = new Uint32Array(this.capacity * refsPerRow);
		this.flags = new Uint8Array(this.capacity);
		this.reportedCost = noAmounts;
		this.reportedCredits = noAmounts;
		this.keyStart = new Uint32Array(this.capacity);
		this.keyLength = new Uint32Array(this.capacity);
		this.messageStart = new Uint32Array(this.capacity);
		this.messageLength = new Uint32Array(this.capacity);
		this.keyHash = new Int32Array(this.capacity);
		this.messageHash = new Int32Array(this.capacity);
		this.nextSameMessage = new Int32Array(this.capacity);
		this.text = new Uint8Array(this.capacity * 64);
		this.keySlots = new Int32Array(slotCount(this.capacity));
		this.messageSlots = new Int32Array(slotCount(this.capacity));
	}

	/** An index over columns a snapshot stored; the arrays are taken over, not copied. */
	static fromColumns(columns: DedupeColumns): DedupeIndex {
		const index = new DedupeIndex(0);
		const rows = columns.rows;
		index.rows = rows;
		index.capacity = rows;
		index.timestamp = columns.timestamp;
		index.tokens = columns.tokens;
		for (let i = 0; i + 1 < columns.largeTokens.length; i += 2) index.largeTokens.set(columns.largeTokens[i]!, columns.largeTokens[i + 1]!);
		index.refs = columns.refs;
		index.flags = columns.flags;
		index.reportedCost = columns.reportedCost.length === 0 ? noAmounts : columns.reportedCost;
		index.reportedCredits = columns.reportedCredits.length === 0 ? noAmounts : columns.reportedCredits;
		index.keyStart = columns.keyStart;
		index.keyLength = columns.keyLength;
		index.messageStart = columns.messageStart;
		index.messageLength = columns.messageLength;
		index.text = columns.text;
		index.textLength = columns.text.length;
		for (const value of columns.strings) index.stringId(value);
		index.keyHash = columns.keyHash;
		index.messageHash = columns.messageHash;
		index.nextSameMessage = new Int32Array(rows);
		index.keySlots = new Int32Array(slotCount(rows));
		index.messageSlots = new Int32Array(slotCount(rows));
		for (let row = 0; row < rows; row++) {
			index.placeKey(row);
			if (index.messageLength[row]! > 0) index.linkMessage(row);
		}
		return index;
	}

	get size(): number {
		return this.rows;
	}

	/** The used part of every column, for a snapshot (views, not copies: write them before adding). */
	columns(): DedupeColumns {
		const rows = this.rows;
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
			keyStart: this.keyStart.subarray(0, rows),
			keyLength: this.keyLength.subarray(0, rows),
			messageStart: this.messageStart.subarray(0, rows),
			messageLength: this.messageLength.subarray(0, rows),
			keyHash: this.keyHash.subarray(0, rows),
			messageHash: this.messageHash.subarray(0, rows),
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
	 */
	store(event: UsageEvent): number {
		const key = event.key;
		const keyBytes = this.keyToScratch(key);
		const hash = this.lookupHash;
		const found = keyBytes < 0 ? this.findAsciiKey(key, hash) : this.findKey(this.scratch, 0, keyBytes, hash);
		if (found !== noRow) {
			if (!isBetterCopy(event, this.rankOf(found))) return noRow;
			this.writeRow(found, event);
			return found;
		}
		const length = keyBytes < 0 ? key.length : keyBytes;
		const row = this.newRow(length, hash, event.messageId.length * 3);
		const start = this.keyStart[row]!;
		if (keyBytes < 0) {
			for (let i = 0; i < length; i++) this.text[start + i] = key.charCodeAt(i);
		} else {
			this.text.set(this.scratch.subarray(0, length), start);
		}
		if (event.messageId !== '') this.storeMessageId(row, event.messageId);
		this.writeRow(row, event);
		return row;
	}

	/**
	 * `store` for a copy given as bytes and numbers (a ledger line read without building an event):
	 * its key and message id are UTF-8 ranges of `bytes`, its strings this index's numbers
	 * (`stringNumber`). Returns the row it now holds, or -1 when a copy at least as good was there.
	 */
	storeFields(bytes: Uint8Array, fields: RowFields): number {
		const { keyStart, keyLength, messageStart, messageLength } = fields;
		const hash = hashOf(bytes, keyStart, keyStart + keyLength);
		const found = this.findKey(bytes, keyStart, keyLength, hash);
		if (found !== noRow) {
			if (!isBetterCopy(rankOfFields(fields), this.rankOf(found))) return noRow;
			this.writeFields(found, fields);
			return found;
		}
		const row = this.newRow(keyLength, hash, messageLength);
		const start = this.keyStart[row]!;
		this.text.set(bytes.subarray(keyStart, keyStart + keyLength), start);
		if (messageLength > 0) {
			// Where `storeMessageId` would put it: in the key when the key holds it, else after it.
			let at = indexOfBytes(this.text, start, start + keyLength, bytes, messageLength, messageStart);
			if (at === noRow) {
				at = this.textLength;
				this.text.set(bytes.subarray(messageStart, messageStart + messageLength), at);
				this.textLength += messageLength;
			}
			this.messageStart[row] = at;
			this.messageLength[row] = messageLength;
			this.messageHash[row] = hashOf(this.text, this.messageStart[row]!, this.messageStart[row]! + messageLength);
			this.linkMessage(row);
		}
		this.writeFields(row, fields);
		return row;
	}

	/** This index's number for a string (numbered when new), for `storeFields`. */
	stringNumber(value: string): number {
		return this.stringId(value);
	}

	/**
	 * Takes every row of another index (a helper thread's) as if each of its events had been added
	 * here, without building them as objects; `changed` hears each row of this index that took a copy,
	 * and the other index's row it took.
	 */
	absorb(other: DedupeIndex, changed: (row: number, from: number) => void): void {
		const stringMap = other.strings.map((value) => this.stringId(value));
		for (let from = 0; from < other.rows; from++) {
			const keyStart = other.keyStart[from]!;
			const keyLength = other.keyLength[from]!;
			const hash = other.keyHash[from]!;
			const found = this.findKey(other.text, keyStart, keyLength, hash);
			if (found !== noRow) {
				if (!isBetterCopy(other.rankOf(from), this.rankOf(found))) continue;
				this.copyRow(other, from, found, stringMap);
				changed(found, from);
				continue;
			}
			const messageLength = other.messageLength[from]!;
			const row = this.newRow(keyLength, hash, messageLength);
			const start = this.keyStart[row]!;
			this.text.set(other.text.subarray(keyStart, keyStart + keyLength), start);
			this.messageLength[row] = messageLength;
			if (messageLength > 0) {
				const messageStart = other.messageStart[from]!;
				if (messageStart >= keyStart && messageStart + messageLength <= keyStart + keyLength) {
					this.messageStart[row] = start + (messageStart - keyStart);
				} else {
					this.messageStart[row] = this.textLength;
					this.text.set(other.text.subarray(messageStart, messageStart + messageLength), this.textLength);
					this.textLength += messageLength;
				}
				this.messageHash[row] = other.messageHash[from]!;
				this.linkMessage(row);
			}
			this.copyRow(other, from, row, stringMap);
			changed(row, from);
		}
	}

	/** The best copy stored under a key. */
	get(key: string): UsageEvent | undefined {
		const keyBytes = this.keyToScratch(key);
		const row = keyBytes < 0 ? this.findAsciiKey(key, this.lookupHash) : this.findKey(this.scratch, 0, keyBytes, this.lookupHash);
		return row === noRow ? undefined : this.eventAt(row);
	}

	/** The best copy of every key, replays included: what a rewritten ledger must keep. */
	all(): UsageEvent[] {
		const result: UsageEvent[] = [];
		for (let row = 0; row < this.rows; row++) result.push(this.eventAt(row));
		return result;
	}

	/** The events that count, each request once, in the order they were first seen; optionally only those in a range. */
	counted(range?: TimeRange): UsageEvent[] {
		const result: UsageEvent[] = [];
		for (const row of this.countedRows(range)) result.push(this.eventAt(row));
		return result;
	}

	/**
	 * What reports read of the requests that count, one at a time: a report over a whole history that
	 * aggregates as it goes then never holds every request at once, the collector only ever sees
	 * short-lived objects, and no key is decoded.
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
			if (this.isSidechainReplay(row)) continue;
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
			if (this.isSidechainReplay(row)) continue;
			oldest = timestamp;
		}
		return Number.isFinite(oldest) ? oldest : undefined;
	}

	private isSidechainReplay(row: number): boolean {
		if ((this.flags[row]! & flagSidechain) === 0 || this.messageLength[row] === 0) {
			return false;
		}
		const head = this.findMessage(this.text, this.messageStart[row]!, this.messageLength[row]!, this.messageHash[row]!);
		let rank: CopyRank | undefined;
		for (let other = head; other !== noRow; other = this.nextSameMessage[other]! - 1) {
			if (other === row) continue;
			// Any main-thread copy makes the sidechain copy a replay. Among sidechain-only copies one
			// must survive: the best, with the smaller key breaking ties so the choice is stable.
			if ((this.flags[other]! & flagSidechain) === 0) return true;
			rank ??= this.rankOf(row);
			const otherRank = this.rankOf(other);
			if (isBetterCopy(otherRank, rank)) return true;
			if (!isBetterCopy(rank, otherRank) && this.keyAt(other) < this.keyAt(row)) return true;
		}
		return false;
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
		const r = row * refsPerRow;
		this.refs[r + refSource] = this.stringId(event.source);
		this.refs[r + refModel] = this.stringId(event.model);
		this.refs[r + refSession] = this.stringId(event.sessionId);
		this.refs[r + refProject] = this.stringId(event.project);
		this.refs[r + refBranch] = this.stringId(event.branch);
		this.refs[r + refFile] = this.stringId(event.file);
		this.flags[row] =
			(event.sidechain ? flagSidechain : 0) |
			(event.hasSpeed ? flagSpeed : 0) |
			(event.estimated ? flagEstimated : 0) |
			(event.modelInferred ? flagModelInferred : 0);
		this.setAmounts(row, event.reportedCostUSD ?? Number.NaN, event.reportedCredits ?? Number.NaN);
	}

	private writeFields(row: number, fields: RowFields): void {
		this.timestamp[row] = fields.timestamp;
		for (let i = 0; i < tokensPerRow; i++) this.setToken(row * tokensPerRow + i, fields.tokens[i]!);
		for (let i = 0; i < refsPerRow; i++) this.refs[row * refsPerRow + i] = fields.strings[i]!;
		this.flags[row] =
			(fields.sidechain ? flagSidechain : 0) | (fields.hasSpeed ? flagSpeed : 0) | (fields.estimated ? flagEstimated : 0) | (fields.modelInferred ? flagModelInferred : 0);
		this.setAmounts(row, fields.reportedCost, fields.reportedCredits);
	}

	private copyRow(other: DedupeIndex, from: number, row: number, stringMap: readonly number[]): void {
		this.timestamp[row] = other.timestamp[from]!;
		for (let i = 0; i < tokensPerRow; i++) this.setToken(row * tokensPerRow + i, other.tokenAt(from * tokensPerRow + i));
		for (let i = 0; i < refsPerRow; i++) this.refs[row * refsPerRow + i] = stringMap[other.refs[from * refsPerRow + i]!]!;
		this.flags[row] = other.flags[from]!;
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

	private rankOf(row: number): CopyRank {
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

	/** How many strings the rows refer to (numbered from 0). */
	get stringCount(): number {
		return this.strings.length;
	}

	/** The string a `RowFields` string number stands for. */
	stringAt(id: number): string {
		return this.strings[id]!;
	}

	/** Fills `into` with a row's fields, building nothing. */
	readRow(row: number, into: RowFields): void {
		into.keyStart = this.keyStart[row]!;
		into.keyLength = this.keyLength[row]!;
		into.messageStart = this.messageStart[row]!;
		into.messageLength = this.messageLength[row]!;
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

	/** The copy a row holds (rows are numbered from 0 in the order keys were first seen). */
	eventAt(row: number): UsageEvent {
		return this.rowObject(row, this.keyAt(row), this.messageLength[row] === 0 ? '' : this.decode(this.messageStart[row]!, this.messageLength[row]!));
	}

	/**
	 * A row's copy as reports read it: the key and message id are not decoded (left empty, and out of
	 * the type), which a whole-history report would otherwise do for every request.
	 */
	private usageAt(row: number): CountedUsage {
		return this.rowObject(row, '', '');
	}

	/**
	 * One object literal for both: a spread or an added property would give the objects other shapes,
	 * several times slower to build and to read (views build thousands).
	 */
	private rowObject(row: number, key: string, messageId: string): UsageEvent {
		const t = row * tokensPerRow;
		const r = row * refsPerRow;
		const flags = this.flags[row]!;
		const cost = this.costAt(row);
		const credits = this.creditsAt(row);
		const strings = this.strings;
		return {
			source: strings[this.refs[r + refSource]!] as SourceId,
			key,
			messageId,
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

	private keyAt(row: number): string {
		return this.decode(this.keyStart[row]!, this.keyLength[row]!);
	}

	private decode(start: number, length: number): string {
		return fromUtf8.decode(this.text.subarray(start, start + length));
	}

	private stringId(value: string): number {
		let id = this.stringIds.get(value);
		if (id === undefined) {
			id = this.strings.length;
			this.strings.push(value);
			this.stringIds.set(value, id);
		}
		return id;
	}

	/** A message id is usually part of its key (`claude-code:<message>:<request>`): it then costs no bytes. */
	private storeMessageId(row: number, messageId: string): void {
		const keyStart = this.keyStart[row]!;
		const keyEnd = keyStart + this.keyLength[row]!;
		const length = utf8.encodeInto(messageId, this.scratch.length >= messageId.length * 3 ? this.scratch : (this.scratch = new Uint8Array(messageId.length * 3))).written;
		let start = indexOfBytes(this.text, keyStart, keyEnd, this.scratch, length);
		if (start === noRow) {
			start = this.textLength;
			this.text.set(this.scratch.subarray(0, length), start);
			this.textLength += length;
		}
		this.messageStart[row] = start;
		this.messageLength[row] = length;
		this.messageHash[row] = hashOf(this.text, start, start + length);
		this.linkMessage(row);
	}

	/** Puts the row at the head of its message id's chain. */
	private linkMessage(row: number): void {
		const start = this.messageStart[row]!;
		const length = this.messageLength[row]!;
		const hash = this.messageHash[row]!;
		const mask = this.messageSlots.length - 1;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const held = this.messageSlots[slot]!;
			if (held === 0) {
				this.messageSlots[slot] = row + 1;
				return;
			}
			const other = held - 1;
			if (this.messageHash[other] === hash && this.messageLength[other] === length && equalBytes(this.text, this.messageStart[other]!, this.text, start, length)) {
				this.nextSameMessage[row] = held;
				this.messageSlots[slot] = row + 1;
				return;
			}
		}
	}

	private findMessage(bytes: Uint8Array, start: number, length: number, hash: number): number {
		return findBytes(this.messageSlots, this.messageHash, this.messageStart, this.messageLength, this.text, bytes, start, length, hash);
	}

	private findKey(bytes: Uint8Array, start: number, length: number, hash: number): number {
		return findBytes(this.keySlots, this.keyHash, this.keyStart, this.keyLength, this.text, bytes, start, length, hash);
	}

	private placeKey(row: number): void {
		const mask = this.keySlots.length - 1;
		let slot = this.keyHash[row]! & mask;
		while (this.keySlots[slot] !== 0) slot = (slot + 1) & mask;
		this.keySlots[slot] = row + 1;
	}

	/**
	 * Hashes a key into `lookupHash`. Keys are almost always ASCII, whose characters are their UTF-8
	 * bytes: those are hashed and compared as they are (-1 is returned); any other key is encoded into
	 * the scratch buffer first and its byte length returned. Both give the hash of the UTF-8 bytes.
	 */
	private keyToScratch(key: string): number {
		let hash = 0x811c9dc5;
		for (let i = 0; i < key.length; i++) {
			const code = key.charCodeAt(i);
			if (code >= 0x80) {
				if (this.scratch.length < key.length * 3) this.scratch = new Uint8Array(key.length * 3);
				const length = utf8.encodeInto(key, this.scratch).written;
				this.lookupHash = hashOf(this.scratch, 0, length);
				return length;
			}
			hash ^= code;
			hash = Math.imul(hash, 0x01000193);
		}
		this.lookupHash = hash;
		return -1;
	}

	private findAsciiKey(key: string, hash: number): number {
		const mask = this.keySlots.length - 1;
		const length = key.length;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const held = this.keySlots[slot]!;
			if (held === 0) return noRow;
			const row = held - 1;
			if (this.keyHash[row] === hash && this.keyLength[row] === length && this.textEquals(this.keyStart[row]!, key)) return row;
		}
	}

	private textEquals(start: number, ascii: string): boolean {
		const text = this.text;
		for (let i = 0; i < ascii.length; i++) {
			if (text[start + i] !== ascii.charCodeAt(i)) return false;
		}
		return true;
	}

	private ensureText(extra: number): void {
		if (this.textLength + extra <= this.text.length) return;
		const next = new Uint8Array(Math.max(Math.ceil(this.text.length * 1.5), this.textLength + extra));
		next.set(this.text.subarray(0, this.textLength));
		this.text = next;
	}

	/**
	 * Makes room for this many more rows (and key bytes) at once. A first scan that knows roughly how much
	 * it will read then does not grow column by column, each growth a copy that leaves the old column
	 * as garbage; room not yet written costs address space, not memory (zeroed pages are only
	 * committed when first written).
	 */
	reserveMore(rows: number, textBytes: number): void {
		// Never less than the usual growth: small reservations in a row must not copy every time.
		if (this.rows + rows > this.capacity) this.growTo(Math.max(this.rows + rows, Math.ceil(this.capacity * 1.5)));
		this.ensureText(textBytes);
	}

	/**
	 * A new row whose key (`keyLength` bytes, hashed to `hash`) the caller writes at its `keyStart`,
	 * with room for `extraText` more bytes after it (a message id that is not part of the key).
	 */
	private newRow(keyLength: number, hash: number, extraText: number): number {
		this.makeRoomForRow();
		this.ensureText(keyLength + extraText);
		const row = this.rows++;
		this.keyStart[row] = this.textLength;
		this.keyLength[row] = keyLength;
		this.keyHash[row] = hash;
		this.textLength += keyLength;
		this.placeKey(row);
		this.nextSameMessage[row] = 0;
		this.messageLength[row] = 0;
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
		this.keyStart = resized(this.keyStart, capacity, rows);
		this.keyLength = resized(this.keyLength, capacity, rows);
		this.messageStart = resized(this.messageStart, capacity, rows);
		this.messageLength = resized(this.messageLength, capacity, rows);
		this.keyHash = resized(this.keyHash, capacity, rows);
		this.messageHash = resized(this.messageHash, capacity, rows);
		this.nextSameMessage = resized(this.nextSameMessage, capacity, rows);
		this.capacity = capacity;
	}

	/** Rebuilds both hash tables at twice the size the rows need (sized by rows, not by capacity). */
	private rehash(): void {
		this.keySlots = new Int32Array(slotCount(this.rows + 1));
		this.messageSlots = new Int32Array(slotCount(this.rows + 1));
		this.nextSameMessage.fill(0, 0, this.rows);
		for (let row = 0; row < this.rows; row++) {
			this.placeKey(row);
			if (this.messageLength[row]! > 0) this.linkMessage(row);
		}
	}
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

/**
 * Open addressing: the row a table points to whose bytes (a range of `text`) equal
 * `bytes[start, start + length)`, or -1. Hashes are compared first; equality is decided on the bytes.
 */
function findBytes(
	slots: Int32Array,
	hashes: Int32Array,
	starts: Uint32Array,
	lengths: Uint32Array,
	text: Uint8Array,
	bytes: Uint8Array,
	start: number,
	length: number,
	hash: number,
): number {
	const mask = slots.length - 1;
	for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
		const held = slots[slot]!;
		if (held === 0) return noRow;
		const row = held - 1;
		if (hashes[row] === hash && lengths[row] === length && equalBytes(text, starts[row]!, bytes, start, length)) return row;
	}
}

/** A power of two at least twice the rows, so probes stay short. */
function slotCount(rows: number): number {
	let slots = 32;
	while (slots < rows * 2) slots *= 2;
	return slots;
}

type Column = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** An amount column made when a first row has an amount: the rows before it had none. */
function amountColumn(capacity: number, row: number, amount: number): Float64Array {
	const column = new Float64Array(capacity).fill(Number.NaN);
	column[row] = amount;
	return column;
}

function resized<T extends Column>(column: T, length: number, used: number): T {
	const next = new (column.constructor as new (length: number) => T)(length);
	next.set(column.subarray(0, used));
	return next;
}

/** FNV-1a over bytes: cheap, and good enough to spread keys over the slots (equality is checked on the bytes). */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
	let hash = 0x811c9dc5;
	for (let i = start; i < end; i++) {
		hash ^= bytes[i]!;
		hash = Math.imul(hash, 0x01000193);
	}
	return hash;
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
