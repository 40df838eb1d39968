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
