import type { DedupeIndex } from '../core/usage/dedupe';
import type { RowFields } from '../core/usage/dedupe';
import { emptyRowFields } from '../core/usage/dedupe';
import type { SourceId, UsageEvent } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';

const knownSources: ReadonlySet<string> = new Set(sourceIds);

/**
 * The ledger's line format. Each line is a compact JSON array:
 *   ["s", n, "text"]  defines string n (models, sessions, projects, branches and files repeat a lot);
 *   ["e", key, messageId, timestamp, source, model, session, project, branch, file, flags,
 *         input, output, cacheWrite5m, cacheWrite1h, cacheRead, reasoning, reportedCost, reportedCredits]
 * where source..file are string numbers. A message id that is the key's second `:` field
 * (`claude-code:<message>:<request>`) is written as the number of characters before it, not
 * repeated: a sixth of a Claude Code ledger. Strings are defined before first use in the same append, so
 * a torn write can cut off only whole trailing records.
 */
const flagSidechain = 1;
const flagSpeed = 2;
const flagEstimated = 4;
const flagModelInferred = 8;

export class EventEncoder {
	private readonly ids = new Map<string, number>();
	private nextId = 0;

	/** Registers a string already defined in the file (read back by a decoder). */
	adoptOne(value: string, id: number): void {
		this.ids.set(value, id);
		if (id >= this.nextId) this.nextId = id + 1;
	}

	/** The number of a string defined so far, if it is. */
	idOf(value: string): number | undefined {
		return this.ids.get(value);
	}

	/** Numbers a new string (the caller writes its definition line before any use). */
	define(value: string): number {
		const id = this.nextId++;
		this.ids.set(value, id);
		return id;
	}

	encode(events: readonly UsageEvent[]): string {
		const lines: string[] = [];
		const ref = (value: string): number => {
			let id = this.ids.get(value);
			if (id === undefined) {
				id = this.define(value);
				lines.push(JSON.stringify(['s', id, value]));
			}
			return id;
		};
		for (const event of events) {
			const flags =
				(event.sidechain ? flagSidechain : 0) |
				(event.hasSpeed ? flagSpeed : 0) |
				(event.estimated ? flagEstimated : 0) |
				(event.modelInferred ? flagModelInferred : 0);
			const row = [
				'e',
				event.key,
				messageIdInKey(event.key, event.messageId) ?? event.messageId,
				event.timestamp,
				ref(event.source),
				ref(event.model),
				ref(event.sessionId),
				ref(event.project),
				ref(event.branch),
				ref(event.file),
				flags,
				event.inputTokens,
				event.outputTokens,
				event.cacheWrite5mTokens,
				event.cacheWrite1hTokens,
				event.cacheReadTokens,
				event.reasoningTokens,
				event.reportedCostUSD,
				event.reportedCredits,
			];
			lines.push(JSON.stringify(row));
		}
		return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
	}
}

/** Encoded lines, and the strings they define (so the writer's own reader knows them). */
export interface EncodedRows {
	/** A view of the encoder's buffer: valid until its next `encode`. */
	readonly bytes: Buffer;
	readonly defined: ReadonlyArray<readonly [number, string]>;
}

/**
 * Writes rows of an index as ledger lines straight from its columns, byte for byte what
 * `EventEncoder.encode` writes for the same events: a first scan stores tens of thousands of rows,
 * and building each as an event, then an array, then a string, then bytes, cost more than the scan's
 * parsing on the writing thread.
 */
export class RowEncoder {
	private buffer = Buffer.allocUnsafe(64 * 1024);
	private length = 0;
	private readonly fields = emptyRowFields();
	private readonly refs: number[] = [0, 0, 0, 0, 0, 0];
	/** Log string number of each of the index's string numbers. */
	private readonly logIds = new NumberMap();

	constructor(private readonly encoder: EventEncoder) {}

	/** `lineEnds`, when given, receives where each row's line ends in `bytes`. */
	encode(index: DedupeIndex, rows: Iterable<number>, lineEnds?: number[]): EncodedRows {
		this.logIds.numbersOf(index);
		this.length = 0;
		const defined: Array<[number, string]> = [];
		const fields = this.fields;
		for (const row of rows) {
			index.readRow(row, fields);
			const refs = this.refs;
			for (let i = 0; i < refs.length; i++) refs[i] = this.logId(index, fields.strings[i]!, defined);
			this.reserve(6 * (fields.keyLength + fields.messageLength) + 512);
			this.bytes5(0x5b, 0x22, 0x65, 0x22, 0x2c); // ["e",
			this.jsonString(index.bytes, fields.keyStart, fields.keyLength);
			this.byte(0x2c);
			const inKey = messageInKeyBytes(index.bytes, fields);
			if (inKey === undefined) this.jsonString(index.bytes, fields.messageStart, fields.messageLength);
			else this.number(inKey);
			this.byte(0x2c);
			this.number(fields.timestamp);
			for (const id of refs) {
				this.byte(0x2c);
				this.number(id);
			}
			this.byte(0x2c);
			this.number((fields.sidechain ? flagSidechain : 0) | (fields.hasSpeed ? flagSpeed : 0) | (fields.estimated ? flagEstimated : 0) | (fields.modelInferred ? flagModelInferred : 0));
			for (const count of fields.tokens) {
				this.byte(0x2c);
				this.number(count);
			}
			this.byte(0x2c);
			this.number(fields.reportedCost);
			this.byte(0x2c);
			this.number(fields.reportedCredits);
			this.byte(0x5d);
			this.byte(0x0a);
			lineEnds?.push(this.length);
		}
		return { bytes: this.buffer.subarray(0, this.length), defined };
	}

	/** The log's number for one of the index's strings, defining it (a line before the row) when new. */
	private logId(index: DedupeIndex, id: number, defined: Array<[number, string]>): number {
		let logId = this.logIds.get(id);
		if (logId < 0) {
			const value = index.stringAt(id);
			const known = this.encoder.idOf(value);
			if (known === undefined) {
				logId = this.encoder.define(value);
				const line = `${JSON.stringify(['s', logId, value])}\n`;
				this.reserve(Buffer.byteLength(line));
				this.length += this.buffer.write(line, this.length, 'utf8');
				defined.push([logId, value]);
			} else {
				logId = known;
			}
			this.logIds.set(id, logId);
		}
		return logId;
	}

	/**
	 * A JSON string of UTF-8 bytes: copied as they are, checked as they are copied (keys are short,
	 * and a loop costs less than a view and a native copy), unless a character needs escaping.
	 */
	private jsonString(bytes: Uint8Array, start: number, length: number): void {
		const buffer = this.buffer;
		const at = this.length;
		buffer[at] = 0x22;
		for (let i = 0; i < length; i++) {
			const byte = bytes[start + i]!;
			if (byte < 0x20 || byte === 0x22 || byte === 0x5c) {
				const text = JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString('utf8'));
				this.reserve(Buffer.byteLength(text));
				this.length += this.buffer.write(text, this.length, 'utf8');
				return;
			}
			buffer[at + 1 + i] = byte;
		}
		buffer[at + 1 + length] = 0x22;
		this.length = at + length + 2;
	}

	/** A number as JSON.stringify writes it; NaN (no value) as null. */
	private number(value: number): void {
		if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) {
			// Token counts and string numbers: integer arithmetic, digits written from the end.
			let digits = 1;
			for (let rest = (value / 10) | 0; rest > 0; rest = (rest / 10) | 0) digits++;
			let rest = value;
			for (let i = this.length + digits - 1; i >= this.length; i--) {
				this.buffer[i] = 0x30 + (rest % 10);
				rest = (rest / 10) | 0;
			}
			this.length += digits;
			return;
		}
		if (Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
			// Timestamps: the digits above the last nine, then those nine, each part an int.
			const high = Math.floor(value / 1e9);
			this.number(high);
			let rest = value - high * 1e9;
			for (let i = this.length + 8; i >= this.length; i--) {
				this.buffer[i] = 0x30 + (rest % 10);
				rest = (rest / 10) | 0;
			}
			this.length += 9;
			return;
		}
		if (Number.isFinite(value)) {
			this.ascii(String(value));
			return;
		}
		this.byte(0x6e); // null: no value (most rows have no recorded cost or credits)
		this.byte(0x75);
		this.byte(0x6c);
		this.byte(0x6c);
	}

	private ascii(text: string): void {
		this.length += this.buffer.write(text, this.length, 'latin1');
	}

	private bytes5(a: number, b: number, c: number, d: number, e: number): void {
		const buffer = this.buffer;
		const at = this.length;
		buffer[at] = a;
		buffer[at + 1] = b;
		buffer[at + 2] = c;
		buffer[at + 3] = d;
		buffer[at + 4] = e;
		this.length = at + 5;
	}

	private byte(value: number): void {
		this.buffer[this.length++] = value;
	}

	private reserve(extra: number): void {
		if (this.length + extra <= this.buffer.length) return;
		const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
		this.buffer.copy(grown, 0, 0, this.length);
		this.buffer = grown;
	}
}

/**
 * Where a JSON string's closing quote is, for a string of printable ASCII without escapes; -1 for
 * anything else (JSON.parse then decides, replacing bytes that are not UTF-8 as it always has).
 */
function plainStringEnd(bytes: Uint8Array, at: number, end: number): number {
	for (; at < end; at++) {
		const byte = bytes[at]!;
		if (byte === 0x22) return at;
		if (byte === 0x5c || byte < 0x20 || byte >= 0x80) return -1;
	}
	return -1;
}

/**
 * Reads JSON numbers (or null, as NaN) from bytes: `read` says whether one stands at `at`, and leaves
 * it in `value` and where it ends in `end` (fields, not a result object: a warm start reads hundreds
 * of thousands). Digits alone are added up here; other numbers go through Number, which reads them as
 * JSON.parse does.
 */
class NumberReader {
	value = 0;
	end = 0;

	read(bytes: Uint8Array, at: number, end: number): boolean {
		if (bytes[at] === 0x6e) {
			this.value = Number.NaN;
			this.end = at + 4;
			return at + 4 <= end && bytes[at + 1] === 0x75 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x6c;
		}
		let value = 0;
		let plain = true;
		let stop = at;
		for (; stop < end; stop++) {
			const byte = bytes[stop]!;
			if (byte >= 0x30 && byte <= 0x39) {
				value = value * 10 + (byte - 0x30);
			} else if (byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x65 || byte === 0x45) {
				plain = false;
			} else {
				break;
			}
		}
		if (stop === at) return false;
		this.end = stop;
		// Up to 15 digits add up exactly; longer ones, and signs, fractions and exponents, are left to Number.
		if (plain && stop - at <= 15 && (bytes[at] !== 0x30 || stop - at === 1)) {
			this.value = value;
			return true;
		}
		const text = Buffer.from(bytes.buffer, bytes.byteOffset + at, stop - at).toString('latin1');
		if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return false;
		this.value = Number(text);
		return true;
	}
}

/**
 * One numbering of strings mapped to another (an index's to a log's, or back), filled in as numbers
 * are looked up; -1 for a number not looked up yet. It belongs to one index's numbering: asked about
 * another index (a ledger that started over), or the same one numbering afresh (emptied once its
 * rows were sealed), it forgets what it knew.
 */
class NumberMap {
	private values = new Int32Array(0);
	private owner: DedupeIndex | undefined;
	private ownerNumbering = 0;

	numbersOf(owner: DedupeIndex): void {
		if (owner === this.owner && owner.numbering === this.ownerNumbering) return;
		this.owner = owner;
		this.ownerNumbering = owner.numbering;
		this.values = new Int32Array(0);
	}

	get(id: number): number {
		return id < this.values.length ? this.values[id]! : -1;
	}

	set(id: number, value: number): void {
		if (id >= this.values.length) {
			const grown = new Int32Array(Math.max(64, (id + 1) * 2)).fill(-1);
			grown.set(this.values);
			this.values = grown;
		}
		this.values[id] = value;
	}

	forget(id: number): void {
		if (id < this.values.length) this.values[id] = -1;
	}
}

/** Where the message id stands in the key, when it is the key's second `:` field. */
function messageIdInKey(key: string, messageId: string): number | undefined {
	if (messageId === '' || messageId.includes(':')) return undefined;
	const start = key.indexOf(':') + 1;
	const end = start + messageId.length;
	return start > 0 && key.startsWith(messageId, start) && (end === key.length || key.charCodeAt(end) === 0x3a) ? start : undefined;
}

function messageIdAt(key: string, start: number): string {
	const end = key.indexOf(':', start);
	return key.slice(start, end === -1 ? undefined : end);
}

/**
 * `messageIdInKey` on bytes: where the message id starts in the key when it is the key's second `:`
 * field. The key's first field (the source id) is ASCII, so its bytes are its characters.
 */
function messageInKeyBytes(bytes: Uint8Array, fields: RowFields): number | undefined {
	if (fields.messageLength === 0) return undefined;
	let colon = fields.keyStart;
	const keyEnd = fields.keyStart + fields.keyLength;
	while (colon < keyEnd && bytes[colon] !== 0x3a) {
		if (bytes[colon]! >= 0x80) return undefined;
		colon++;
	}
	const start = colon + 1;
	const end = start + fields.messageLength;
	if (colon === keyEnd || end > keyEnd || (end < keyEnd && bytes[end] !== 0x3a)) return undefined;
	for (let i = 0; i < fields.messageLength; i++) {
		const byte = bytes[fields.messageStart + i];
		if (byte === 0x3a || bytes[start + i] !== byte) return undefined;
	}
	return start - fields.keyStart;
}

export class EventDecoder {
	readonly strings: string[] = [];
	/** Lines that could not be decoded (should stay 0; counted rather than fatal). */
	damaged = 0;
	private readonly fields = emptyRowFields();
	private readonly numbers = new Float64Array(16);
	private readonly number = new NumberReader();
	/** The index's number for each log string number, for `decodeInto`'s index. */
	private readonly indexIds = new NumberMap();

	/**
	 * Decodes the complete lines `bytes[0, end)` into an index. An event line as this project's
	 * encoders write it is read from its bytes straight into the index's columns (a warm start decodes
	 * tens of thousands, and building each as an array, an event and a key string cost several
	 * microseconds apiece); anything else (string definitions, escaped keys, other spellings) goes
	 * through JSON.parse as before.
	 */
	decodeInto(bytes: Buffer, end: number, index: DedupeIndex): void {
		this.indexIds.numbersOf(index);
		for (let start = 0; start < end; ) {
			let lineEnd = bytes.indexOf(0x0a, start);
			if (lineEnd === -1 || lineEnd > end) lineEnd = end;
			if (lineEnd > start && !this.readEventLine(bytes, start, lineEnd, index)) {
				const event = this.decodeLine(bytes.toString('utf8', start, lineEnd));
				if (event !== null) index.add(event);
			}
			start = lineEnd + 1;
		}
	}

	decodeLine(line: string): UsageEvent | null {
		let row: unknown;
		try {
			row = JSON.parse(line);
		} catch {
			this.damaged++;
			return null;
		}
		if (!Array.isArray(row)) {
			this.damaged++;
			return null;
		}
		if (row[0] === 's' && typeof row[1] === 'number' && typeof row[2] === 'string') {
			this.define(row[1], row[2]);
			return null;
		}
		if (row[0] !== 'e' || row.length < 18) {
			this.damaged++;
			return null;
		}
		const strings = this.strings;
		const source = strings[row[4] as number] ?? '';
		if (!knownSources.has(source)) {
			this.damaged++;
			return null;
		}
		const flags = row[10] as number;
		return {
			key: row[1] as string,
			messageId: typeof row[2] === 'number' ? messageIdAt(row[1] as string, row[2]) : (row[2] as string),
			timestamp: row[3] as number,
			source: source as SourceId,
			model: strings[row[5] as number] ?? '',
			sessionId: strings[row[6] as number] ?? '',
			project: strings[row[7] as number] ?? '',
			branch: strings[row[8] as number] ?? '',
			file: strings[row[9] as number] ?? '',
			sidechain: (flags & flagSidechain) !== 0,
			hasSpeed: (flags & flagSpeed) !== 0,
			estimated: (flags & flagEstimated) !== 0,
			inputTokens: row[11] as number,
			outputTokens: row[12] as number,
			cacheWrite5mTokens: row[13] as number,
			cacheWrite1hTokens: row[14] as number,
			cacheReadTokens: row[15] as number,
			reasoningTokens: row[16] as number,
			reportedCostUSD: (row[17] as number | null) ?? null,
			reportedCredits: (row[18] as number | null | undefined) ?? null,
			modelInferred: (flags & flagModelInferred) !== 0,
		};
	}

	/** Learns what a string number stands for (a definition read, or written by this process). */
	define(id: number, value: string): void {
		this.strings[id] = value;
		this.indexIds.forget(id);
	}

	/** The index's number for a log string number (one defined or left as a hole below the last defined). */
	private indexId(logId: number, index: DedupeIndex): number {
		let id = this.indexIds.get(logId);
		if (id < 0) {
			id = index.stringNumber(this.strings[logId] ?? '');
			this.indexIds.set(logId, id);
		}
		return id;
	}

	/**
	 * `["e","key",message,timestamp,source,model,session,project,branch,file,flags,input,output,
	 * cacheWrite5m,cacheWrite1h,cacheRead,reasoning,cost,credits]` read from its bytes into the index,
	 * where the line is spelled exactly so (keys and message ids without escapes, plain numbers or
	 * null, a known source); false, having stored nothing, for any other line.
	 */
	private readEventLine(bytes: Buffer, start: number, end: number, index: DedupeIndex): boolean {
		const f = this.fields;
		// ["e","
		if (end - start < 8 || bytes[start] !== 0x5b || bytes[start + 1] !== 0x22 || bytes[start + 2] !== 0x65 || bytes[start + 3] !== 0x22 || bytes[start + 4] !== 0x2c || bytes[start + 5] !== 0x22) {
			return false;
		}
		let at = start + 6;
		f.keyStart = at;
		at = plainStringEnd(bytes, at, end);
		if (at < 0) return false;
		f.keyLength = at - f.keyStart;
		at++; // closing quote
		if (bytes[at++] !== 0x2c) return false;
		if (bytes[at] === 0x22) {
			f.messageStart = at + 1;
			at = plainStringEnd(bytes, at + 1, end);
			if (at < 0) return false;
			f.messageLength = at - f.messageStart;
			at++;
		} else {
			// The message id is the key's field that starts this many bytes in (keys are ASCII up to it).
			const number = this.number;
			if (!number.read(bytes, at, end) || !Number.isInteger(number.value) || number.value > f.keyLength) return false;
			at = number.end;
			f.messageStart = f.keyStart + number.value;
			let messageEnd = f.messageStart;
			while (messageEnd < f.keyStart + f.keyLength && bytes[messageEnd] !== 0x3a) messageEnd++;
			f.messageLength = messageEnd - f.messageStart;
		}
		// timestamp, 6 string numbers, flags, 6 token counts, cost, credits (older lines end before the credits).
		const numbers = this.numbers;
		for (let i = 0; i < 16; i++) {
			if (bytes[at] !== 0x2c) {
				if (i !== 15 || bytes[at] !== 0x5d) return false;
				numbers[15] = Number.NaN;
				break;
			}
			if (!this.number.read(bytes, at + 1, end)) return false;
			numbers[i] = this.number.value;
			at = this.number.end;
		}
		if (bytes[at] !== 0x5d || at + 1 !== end) return false;
		for (let i = 0; i < 14; i++) {
			if (Number.isNaN(numbers[i])) return false; // only the cost and the credits may be null
		}
		f.timestamp = numbers[0]!;
		for (let i = 0; i < 6; i++) {
			const logId = numbers[1 + i]!;
			// A number never defined (a damaged line, or a writer that died before defining it) is left
			// to `decodeLine`, which reads it as '' without making room for it.
			if (!Number.isInteger(logId) || logId < 0 || logId >= this.strings.length) return false;
			f.strings[i] = this.indexId(logId, index);
		}
		if (!knownSources.has(index.stringAt(f.strings[0]))) return false;
		const flags = numbers[7]!;
		f.sidechain = (flags & flagSidechain) !== 0;
		f.hasSpeed = (flags & flagSpeed) !== 0;
		f.estimated = (flags & flagEstimated) !== 0;
		f.modelInferred = (flags & flagModelInferred) !== 0;
		for (let i = 0; i < 6; i++) f.tokens[i] = numbers[8 + i]!;
		f.reportedCost = numbers[14]!;
		f.reportedCredits = numbers[15]!;
		index.storeFields(bytes, f);
		return true;
	}
}
