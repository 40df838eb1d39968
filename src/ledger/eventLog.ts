import * as fs from 'node:fs';
import type { DedupeIndex } from '../core/usage/dedupe';
import { hashBytes } from './cursorState';
import { EventDecoder, EventEncoder, RowEncoder } from './eventCodec';

/** How far the log was read: enough for another process to go on from there, if the file is still that one. */
export interface LogPosition {
	readonly identity: string;
	readonly offset: number;
	/** Hash of the log's first bytes (up to `headBytes`): an inode number can be reused by a later file. */
	readonly headHash: string;
	/** The string table defined by the lines before `offset`. */
	readonly strings: readonly string[];
}

const headBytes = 4096;
/** How much of the log is read and decoded at a time (a first start on a long ledger with no snapshot). */
const readPartBytes = 8 * 1024 * 1024;

/**
 * The ledger's append-only event file, shared by every process. Readers take only complete lines,
 * so a writer killed mid-append leaves at worst a torn last line, which readers ignore and the next
 * writer cuts off before appending. Nothing is ever rewritten in place: a rebuild writes a new file
 * and renames it over the old one, which readers notice by its new identity.
 */
export class EventLog {
	private offset = 0;
	private identity = '';
	private decoder = new EventDecoder();
	private encoder = new EventEncoder();
	private rowEncoder = new RowEncoder(this.encoder);
	private adopted = 0;

	constructor(readonly file: string) {}

	/** Bytes of complete lines read or written so far. */
	get completeBytes(): number {
		return this.offset;
	}

	get damagedLines(): number {
		return this.decoder.damaged;
	}

	/** Where reading stands now; undefined before anything was read. */
	position(): LogPosition | undefined {
		if (this.identity === '' || this.offset === 0) return undefined;
		return {
			identity: this.identity,
			offset: this.offset,
			headHash: hashBytes(readRange(this.file, 0, Math.min(headBytes, this.offset))),
			strings: [...this.decoder.strings],
		};
	}

	/**
	 * Goes on from a position recorded earlier (by a snapshot), when the file is still the one it
	 * describes; returns false, changing nothing, when it is not.
	 */
	resume(position: LogPosition): boolean {
		if (this.offset !== 0) return false;
		try {
			const stat = fs.statSync(this.file);
			if (`${stat.dev}:${stat.ino}` !== position.identity || stat.size < position.offset) return false;
			if (hashBytes(readRange(this.file, 0, Math.min(headBytes, position.offset))) !== position.headHash) return false;
		} catch {
			return false;
		}
		this.restart(position.identity);
		this.offset = position.offset;
		position.strings.forEach((value, id) => {
			this.decoder.define(id, value);
		});
		return true;
	}

	/**
	 * Decodes the lines written since the last read into the index `into(reset)` names: a new one when
	 * the log was replaced or cut (`reset`), so that nothing read from the old file is kept; asked again
	 * (`into(false)`) before each further part of a long read. Returns whether it was reset.
	 */
	readNew(into: (reset: boolean) => DedupeIndex): boolean {
		let stat: fs.Stats;
		try {
			stat = fs.statSync(this.file);
		} catch {
			const reset = this.offset > 0;
			this.restart('');
			into(reset);
			return reset;
		}
		const identity = `${stat.dev}:${stat.ino}`;
		let reset = false;
		if (identity !== this.identity || stat.size < this.offset) {
			reset = this.offset > 0 || this.identity !== '';
			this.restart(identity);
		}
		let index = into(reset);
		// A part at a time: a long log read whole, with no snapshot yet, would be held whole at once,
		// and between parts `into` may hand over another index (the ledger seals its rows to disk).
		// Each part is read into the same buffer (nothing decoded keeps a reference to its bytes): a new
		// one per part left 8 MB of garbage each time, some 80 MB before a collection on a 10 GB history.
		let buffer: Buffer | undefined;
		for (let part = readPartBytes; stat.size > this.offset; ) {
			const available = stat.size - this.offset;
			const length = Math.min(available, part);
			if (buffer === undefined || buffer.length < length) buffer = Buffer.allocUnsafe(length);
			const bytes = readRangeInto(this.file, this.offset, length, buffer);
			const end = bytes.lastIndexOf(0x0a);
			if (end < 0) {
				if (bytes.length === available) break; // only a line still being written
				part *= 2; // a line longer than a part
				continue;
			}
			// Room for the part's rows at once (a ledger line is some 160 bytes, its key about 60).
			index.reserveMore(Math.ceil(end / 128), Math.ceil(end / 2));
			this.decoder.decodeInto(bytes, end, index);
			this.offset += end + 1;
			if (stat.size > this.offset) index = into(false);
		}
		const strings = this.decoder.strings;
		for (; this.adopted < strings.length; this.adopted++) {
			this.encoder.adoptOne(strings[this.adopted]!, this.adopted);
		}
		return reset;
	}

	/**
	 * The log's own copy of a string it defines, or the value itself: a long history's file names are
	 * held once when the cursors hold the log's copies (3 MB at 22,200 files).
	 */
	canonical(value: string): string {
		const id = this.encoder.idOf(value);
		return id === undefined ? value : (this.decoder.strings[id] ?? value);
	}

	/**
	 * Appends rows of an index, written straight from its columns. The caller holds the ledger lock
	 * and has just called `readNew`, so this process knows every string defined so far and where the
	 * last complete line ends.
	 */
	appendRows(index: DedupeIndex, rows: ArrayLike<number> & Iterable<number>): void {
		if (rows.length === 0) {
			return;
		}
		const { bytes, defined } = this.rowEncoder.encode(index, rows);
		this.writeAtEnd([bytes]);
		for (const [id, value] of defined) this.decoder.define(id, value);
		this.adopted = this.decoder.strings.length;
	}

	/** Writes the parts one after the other at the end of the complete lines, then syncs. */
	private writeAtEnd(parts: readonly Uint8Array[]): void {
		const fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
		try {
			const stat = fs.fstatSync(fd);
			if (this.identity === '') {
				this.identity = `${stat.dev}:${stat.ino}`;
			}
			if (stat.size !== this.offset) {
				fs.ftruncateSync(fd, this.offset); // a torn line left by a writer that died
			}
			let at = this.offset;
			for (const part of parts) {
				for (let written = 0; written < part.byteLength; ) {
					const count = fs.writeSync(fd, part, written, part.byteLength - written, at);
					written += count;
					at += count;
				}
			}
			fs.fdatasyncSync(fd);
			this.offset = at;
		} finally {
			fs.closeSync(fd);
		}
	}


	private restart(identity: string): void {
		this.offset = 0;
		this.identity = identity;
		this.decoder = new EventDecoder();
		this.encoder = new EventEncoder();
		this.rowEncoder = new RowEncoder(this.encoder);
		this.adopted = 0;
	}
}

export function readRange(file: string, offset: number, length: number): Buffer {
	return readRangeInto(file, offset, length, Buffer.allocUnsafe(length));
}

/** Reads `length` bytes at `offset` into the start of `buffer`; returns the part filled (shorter at the end of the file). */
export function readRangeInto(file: string, offset: number, length: number, buffer: Buffer): Buffer {
	const fd = fs.openSync(file, 'r');
	try {
		let filled = 0;
		while (filled < length) {
			const read = fs.readSync(fd, buffer, filled, length - filled, offset + filled);
			if (read === 0) break;
			filled += read;
		}
		return buffer.subarray(0, filled);
	} finally {
		fs.closeSync(fd);
	}
}
