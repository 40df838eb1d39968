import { statSync } from 'node:fs';
import type { DedupeIndex } from '../core/usage/dedupe';
import type { UsageEvent } from '../core/usage/usageEvent';
import { maxIssuesKept } from '../sources/lineParse';
import type { LinesReader } from '../sources/logSource';
import { headHash } from './cursorState';
import type { FileCursor, WalStamp } from './cursorTable';
import { readRange, readRangeInto } from './eventLog';

const chunkBytes = 8 * 1024 * 1024;
const emptyBuffer = Buffer.alloc(0);
/** How much of a file's start is hashed to notice a file rewritten in place. */
export const headBytes = 1024;

/**
 * What the ledger keeps of a file's stat. An fs.Stats also holds four Dates (on Node 20 about 850
 * bytes a file in all): a first scan of 20,000 files held 19 MB of them until it ended.
 */
export interface FileStat {
	readonly dev: number;
	readonly ino: number;
	readonly size: number;
	readonly mtimeMs: number;
}

/** `fs.statSync`, throwing as it does, kept as a `FileStat`. */
export function statFile(file: string): FileStat {
	const { dev, ino, size, mtimeMs } = statSync(file);
	return { dev, ino, size, mtimeMs };
}

/**
 * Reads line files from their cursors, in chunks, handing each parsed event on. The chunks go into
 * one buffer reused across files: a first scan reads hundreds of megabytes, and a fresh buffer per
 * file would leave that much garbage for the collector. Parsers keep no reference to the bytes.
 */
export class LineFileReader {
	private buffer = emptyBuffer;

	/** Reads from the cursor to the size in `stat`; returns the bytes consumed. */
	read(file: string, stat: FileStat, cursor: FileCursor, reader: LinesReader, take: (event: UsageEvent) => void): number {
		const start = cursor.offset;
		const size = stat.size;
		let chunk = chunkBytes;
		let head: { length: number; hash: number } | undefined;
		while (cursor.offset < size) {
			const length = Math.min(chunk, size - cursor.offset);
			let bytes: Buffer;
			try {
				bytes = this.readChunk(file, cursor.offset, length);
			} catch {
				break; // vanished or unreadable now; try again next refresh
			}
			if (cursor.offset === 0) {
				const headLength = Math.min(headBytes, bytes.length);
				head = { length: headLength, hash: headHash(bytes.subarray(0, headLength)) };
			}
			const result = reader.parse(bytes, { file, offset: cursor.offset, line: cursor.lines }, cursor.state);
			if (result.state !== undefined) cursor.state = result.state;
			for (const event of result.events) take(event);
			cursor.malformed += result.malformed;
			for (const issue of result.issues) {
				if (cursor.issues.length < maxIssuesKept) cursor.issues.push(issue);
			}
			cursor.lines += result.lines;
			cursor.offset += result.consumed;
			if (result.consumed === 0) {
				if (cursor.offset + length >= size) break; // only a partial last line: wait for its newline
				chunk *= 2; // one line longer than the chunk
			}
		}
		// The size and time seen before reading: anything appended since shows as a change next time.
		cursor.size = size;
		cursor.mtimeMs = stat.mtimeMs;
		if (cursor.headLength < headBytes && cursor.offset > cursor.headLength) {
			cursor.headLength = Math.min(headBytes, cursor.offset);
			cursor.headHash = head?.length === cursor.headLength ? head.hash : headHash(readRange(file, 0, cursor.headLength));
		}
		return cursor.offset - start;
	}

	/** Lets the buffer go: a long-lived process does not keep the largest chunk it read. */
	release(): void {
		this.buffer = emptyBuffer;
	}

	private readChunk(file: string, offset: number, length: number): Buffer {
		if (this.buffer.length < length) {
			this.buffer = Buffer.allocUnsafe(Math.max(length, Math.min(chunkBytes, this.buffer.length * 2)));
		}
		return readRangeInto(file, offset, length, this.buffer);
	}
}

/** A database's write-ahead log, where SQLite keeps recent rows until a checkpoint, if it has one. */
export function walStamp(file: string): WalStamp | undefined {
	try {
		const { size, mtimeMs } = statSync(`${file}-wal`);
		return { size, mtimeMs };
	} catch {
		return undefined;
	}
}

/**
 * Fewest bytes of records per request (real logs hold several kilobytes per request): room for this
 * many requests is reserved before reading, an overestimate that costs address space, not memory.
 */
const bytesPerRequestAtLeast = 2048;
/** Key and message bytes per request, about. */
const textBytesPerRequest = 96;

/**
 * Makes room in an index for what reading `bytes` new bytes of records may add; with `holdingText`,
 * for the key text of all of it too (an index whose rows are not written out as it goes).
 */
export function reserveFor(index: Pick<DedupeIndex, 'reserveMore'>, bytes: number, holdingText: boolean): void {
	const rows = Math.ceil(bytes / bytesPerRequestAtLeast);
	index.reserveMore(rows, holdingText ? rows * textBytesPerRequest : 0);
}
