import type { UsageEvent } from '../core/usage/usageEvent';

/** A line that could not be used, kept for diagnostics ("file:line: reason"). */
export interface LineIssue {
	readonly line: number;
	readonly reason: string;
}

export interface ChunkResult {
	readonly events: UsageEvent[];
	/** Bytes consumed: everything up to and including the last newline. A partial last line waits. */
	readonly consumed: number;
	/** Complete lines consumed. */
	readonly lines: number;
	readonly malformed: number;
	readonly issues: LineIssue[];
}

/** Where a chunk sits in its file, so events and issues can say where they came from. */
export interface ChunkPosition {
	readonly file: string;
	/** Byte offset of the chunk's first byte in the file. */
	readonly offset: number;
	/** Number of complete lines before the chunk (the first line of the chunk is `line + 1`). */
	readonly line: number;
}

/** The most issues kept per chunk; the count of malformed lines is always exact. */
export const maxIssuesKept = 20;

/**
 * Cheap structural check for a line that is not parsed in full: a JSONL record is one object.
 * Catches truncated and garbled lines without paying for JSON.parse on the bulk of the bytes.
 */
export function looksLikeJsonObject(bytes: Buffer, start: number, end: number): boolean {
	let first = start;
	while (first < end && isSpace(bytes[first]!)) first++;
	let last = end - 1;
	while (last >= first && isSpace(bytes[last]!)) last--;
	if (first > last) {
		return true; // blank line: nothing to count, nothing lost
	}
	// A UTF-8 byte-order mark may open a file.
	if (bytes[first] === 0xef && bytes[first + 1] === 0xbb && bytes[first + 2] === 0xbf) first += 3;
	return bytes[first] === 0x7b && bytes[last] === 0x7d;
}

function isSpace(byte: number): boolean {
	return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

/** Reads a non-negative integer count; anything else counts as zero. */
export function count(value: unknown): number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Tells which lines of a chunk contain a needle, in one forward pass. Searching from each line's
 * start instead would rescan the rest of the chunk for every line without the needle: quadratic in
 * a chunk where the needle is rare or absent.
 */
export class NeedleCursor {
	private next: number;

	constructor(
		private readonly bytes: Buffer,
		private readonly needle: Buffer,
	) {
		this.next = bytes.indexOf(needle, 0);
	}

	/** True when the needle starts within [start, end). Ask for lines in order. */
	inLine(start: number, end: number): boolean {
		if (this.next !== -1 && this.next < start) this.next = this.bytes.indexOf(this.needle, start);
		return this.next !== -1 && this.next < end;
	}
}

const internPool = new Map<string, string>();

/**
 * One shared copy of a string that repeats across many events (model, session, project, branch):
 * JSON.parse makes a fresh copy per line, and a long history holds hundreds of thousands of events.
 */
export function intern(value: string): string {
	const known = internPool.get(value);
	if (known !== undefined) return known;
	if (internPool.size >= 100_000) internPool.clear(); // bounded: a pathological input only costs sharing
	internPool.set(value, value);
	return value;
}

/** How far a walk over a chunk got, and what it could not use. */
export interface LineWalk {
	/** Bytes up to and including the last newline: a partial last line waits for its newline. */
	readonly consumed: number;
	readonly lines: number;
	readonly malformed: number;
	readonly issues: LineIssue[];
}

/** One complete line of a chunk, as a byte range, with a way to report it as malformed. */
export interface WalkedLine {
	readonly start: number;
	readonly end: number;
	/** 1-based line number in the file. */
	readonly number: number;
	/** Byte offset of the line in the file. */
	readonly offset: number;
	fail(reason: string): void;
}

/**
 * Walks the complete lines of a chunk: the shared skeleton of the JSONL parsers. Lines that contain
 * `needle` go to `onLine`; the others only get the structural check, so damaged lines are still
 * counted without parsing the bulk of the bytes. Malformed lines are counted exactly; the first
 * `maxIssuesKept` are kept with their line number and reason.
 */
export function walkLines(bytes: Buffer, position: ChunkPosition, needle: Buffer, onLine: (line: WalkedLine) => void): LineWalk {
	const issues: LineIssue[] = [];
	let malformed = 0;
	let lines = 0;
	let start = 0;
	const withNeedle = new NeedleCursor(bytes, needle);
	const failAt = (number: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line: number, reason });
	};
	while (start < bytes.length) {
		const end = bytes.indexOf(0x0a, start);
		if (end === -1) break; // partial last line: wait for its newline
		lines++;
		const number = position.line + lines;
		if (withNeedle.inLine(start, end)) {
			onLine({ start, end, number, offset: position.offset + start, fail: (reason) => failAt(number, reason) });
		} else if (!looksLikeJsonObject(bytes, start, end)) {
			failAt(number, 'not a JSON object');
		}
		start = end + 1;
	}
	return { consumed: start, lines, malformed, issues };
}

/**
 * `walkLines` for parsers that read whole JSON objects: a line that is not valid JSON, or not an
 * object, is counted as malformed (`describeBadJson` names why); the others go to `onRecord`.
 */
export function walkJsonLines(
	bytes: Buffer,
	position: ChunkPosition,
	needle: Buffer,
	onRecord: (record: Record<string, unknown>, line: WalkedLine) => void,
	describeBadJson: (line: string) => string = () => 'invalid JSON',
): LineWalk {
	return walkLines(bytes, position, needle, (line) => {
		const textOfLine = bytes.toString('utf8', line.start, line.end);
		let record: unknown;
		try {
			record = JSON.parse(textOfLine);
		} catch {
			line.fail(describeBadJson(textOfLine));
			return;
		}
		if (isRecord(record)) onRecord(record, line);
		else line.fail('not a JSON object');
	});
}
