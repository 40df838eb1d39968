import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CopyRank, DedupeColumns } from '../core/usage/dedupe';
import { DedupeIndex, largeToken, rankOfStored } from '../core/usage/dedupe';
import { PrintFilter } from '../core/usage/printFilter';
import { writeAll } from './writeAll';

/**
 * Rows of the index sealed to a file, so that a long history's index is not all held in memory.
 *
 * A file holds an index's columns with its rows in time order, so that a time range is a range of
 * rows (the editor asks for today's, every refresh), at fixed offsets; its key and message
 * fingerprints sorted, each with its row; and a Bloom filter of each with every 64th sorted
 * fingerprint's first word. In memory a sealed file keeps only the filters and those fences (about 3
 * bytes a row instead of the index's 110) and the rows since forgotten (a better copy of their
 * request came later). A key that may be held is found with one read of 64 sorted entries.
 *
 * The file is written once and never changed (a sibling renamed into place); which of its rows are
 * forgotten is kept by whoever holds it and saved with the index snapshot.
 *
 * Layout: 8 magic bytes, the header's length (uint32 LE), the JSON header, then the sections, each
 * 8-byte aligned, in the header's order, each with its CRC-32 in the header. Opening reads the
 * header, the filters and the fences (checked); the rest is checked before this process first reads
 * a row of it.
 */
const magic = Buffer.from('TLROWS03');
const formatVersion = 3;
/** A sorted run's entries: the fingerprint's four words, then the row. */
const runWords = 5;
/** Sorted entries per block: a lookup reads one block (and its neighbour when a first word repeats across). */
const blockEntries = 64;
/** Rows put in time order and written at a time (a staging buffer, not a reordered copy of each column). */
const rowsPerWrite = 16_384;

type SectionName =
	| 'keyFilter'
	| 'messageFilter'
	| 'keyFences'
	| 'messageFences'
	| 'timestamp'
	| 'tokens'
	| 'refs'
	| 'flags'
	| 'reportedCost'
	| 'reportedCredits'
	| 'keyPrint'
	| 'messagePrint'
	| 'keyRun'
	| 'messageRun'
	| 'stringOffsets'
	| 'stringBytes';

interface Section {
	readonly name: SectionName;
	readonly bytes: number;
	readonly crc: number;
}

interface Header {
	readonly version: number;
	readonly rows: number;
	readonly messages: number;
	/** How many strings `refs` number (their UTF-8 bytes one after the other, with their offsets). */
	readonly strings: number;
	/** 2 or 4: the width of `refs`. */
	readonly refWidth: number;
	/** Positions in `tokens` and values, in pairs. */
	readonly largeTokens: readonly number[];
	readonly minTimestamp: number;
	readonly maxTimestamp: number;
	readonly sections: readonly Section[];
}

/** Bytes a row takes in each per-row section (the amounts only when present); undefined for the others. */
const rowBytes: Partial<Record<SectionName, number>> = { timestamp: 8, tokens: 24, flags: 1, reportedCost: 8, reportedCredits: 8, keyPrint: 16, messagePrint: 16 };

/** `rowBytes`, with `refs` at its width (2 or 4 bytes a string number, six a row). */
function bytesPerRow(name: SectionName, refWidth: number): number | undefined {
	return name === 'refs' ? refWidth * 6 : rowBytes[name];
}

/** A sealed file whose bytes are not what was written; it is deleted when found (the log holds its rows). */
export class SealedRowsDamaged extends Error {
	constructor(name: string) {
		super(`The sealed rows file ${name} is damaged; its rows are read from the ledger's log again.`);
	}
}

export class SealedRows {
	/** Rows whose request a later, better copy holds now. */
	private readonly forgotten = new Set<number>();
	/** Each section as the header lists it, with where it starts in the file. */
	private readonly sections = new Map<SectionName, Section & { readonly offset: number }>();
	private readonly scratch = Buffer.alloc(blockEntries * 2 * runWords * 4);
	private readonly scratchWords = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length / 4);
	private fd: number | undefined;
	/** Whether every section was checked against its CRC (before this process reads any row). */
	private verified: boolean;

	private constructor(
		/** The file's name in its folder. */
		readonly name: string,
		private readonly file: string,
		private readonly header: Header,
		/** The header's length as stored (padded). */
		headerLength: number,
		private readonly keyFilter: PrintFilter,
		private readonly messageFilter: PrintFilter,
		/** The first word of every `blockEntries`-th entry of each sorted run. */
		private readonly keyFences: Uint32Array,
		private readonly messageFences: Uint32Array,
		fd: number,
		verified: boolean,
	) {
		this.fd = fd;
		this.verified = verified;
		let offset = bodyStart(headerLength);
		for (const section of header.sections) {
			offset += alignmentPadding(offset);
			this.sections.set(section.name, { ...section, offset });
			offset += section.bytes;
		}
	}

	/** Whether this process can seal rows at all (the CRC needs Node.js 20.15 or later). */
	static get supported(): boolean {
		return typeof zlib.crc32 === 'function';
	}

	/** Writes an index's rows (none of them holding key text) to a new file in `folder`, and opens it. */
	static write(folder: string, index: DedupeIndex): SealedRows {
		const columns = index.columns();
		if (columns.pending.length > 0) throw new Error('Rows still to be written to the log cannot be sealed.');
		const rows = columns.rows;
		const timestamp = columns.timestamp;
		const order = timeOrder(timestamp);
		const placeOf = new Uint32Array(rows);
		for (let place = 0; place < rows; place++) placeOf[order[place]!] = place;
		const messagePlaces: number[] = [];
		for (let place = 0; place < rows; place++) if (!isZeroPrint(columns.messagePrint, order[place]! * 4)) messagePlaces.push(place);
		const keyRun = sortedRun(columns.keyPrint, order, undefined);
		const messageRun = sortedRun(columns.messagePrint, order, messagePlaces);
		const keyFilter = filterOf(keyRun, rows);
		const messageFilter = filterOf(messageRun, messagePlaces.length);
		const keyFences = fencesOf(keyRun, rows);
		const messageFences = fencesOf(messageRun, messagePlaces.length);
		const largeTokens: number[] = [];
		for (let i = 0; i + 1 < columns.largeTokens.length; i += 2) {
			const at = columns.largeTokens[i]!;
			largeTokens.push(placeOf[Math.floor(at / 6)]! * 6 + (at % 6), columns.largeTokens[i + 1]!);
		}
		type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;
		// Each section: its name, its length, and its bytes as chunks (the per-row ones reordered a part at a time).
		const whole = (name: SectionName, column: Column): [SectionName, number, Iterable<Uint8Array>] => [name, column.byteLength, [bytesOf(column)]];
		const inOrder = (name: SectionName, column: Column, perRow: number): [SectionName, number, Iterable<Uint8Array>] => [name, column.byteLength, column.length === 0 ? [] : reordered(column, perRow, order)];
		// Strings as offsets into their bytes: a report of today's rows decodes only the few they name.
		const stringOffsets = new Uint32Array(columns.strings.length + 1);
		const stringParts = columns.strings.map((value) => Buffer.from(value, 'utf8'));
		stringParts.forEach((part, i) => (stringOffsets[i + 1] = stringOffsets[i]! + part.byteLength));
		const parts = [
			whole('keyFilter', keyFilter.words),
			whole('messageFilter', messageFilter.words),
			whole('keyFences', keyFences),
			whole('messageFences', messageFences),
			inOrder('timestamp', columns.timestamp, 1),
			inOrder('tokens', columns.tokens, 6),
			inOrder('refs', columns.refs, 6),
			inOrder('flags', columns.flags, 1),
			inOrder('reportedCost', columns.reportedCost, 1),
			inOrder('reportedCredits', columns.reportedCredits, 1),
			inOrder('keyPrint', columns.keyPrint, 4),
			inOrder('messagePrint', columns.messagePrint, 4),
			whole('keyRun', keyRun),
			whole('messageRun', messageRun),
			whole('stringOffsets', stringOffsets),
			whole('stringBytes', Buffer.concat(stringParts)),
		];
		const name = `${crypto.randomBytes(8).toString('hex')}.rows`;
		const file = path.join(folder, name);
		fs.mkdirSync(folder, { recursive: true });
		const temporary = `${file}.tmp`;
		const fd = fs.openSync(temporary, 'w');
		let header: Header;
		let headerRoom = 0;
		try {
			// The header goes first but holds the sections' CRCs: room for it is left, and it is
			// written last, at its padded length (JSON allows the trailing spaces).
			const provisional: Header = {
				version: formatVersion,
				rows,
				messages: messagePlaces.length,
				strings: columns.strings.length,
				refWidth: columns.refs.BYTES_PER_ELEMENT,
				largeTokens,
				minTimestamp: rows === 0 ? 0 : timestamp[order[0]!]!,
				maxTimestamp: rows === 0 ? 0 : timestamp[order[rows - 1]!]!,
				sections: parts.map(([section, bytes]) => ({ name: section, bytes, crc: 0xffffffff })),
			};
			headerRoom = Buffer.byteLength(JSON.stringify(provisional), 'utf8');
			let offset = magic.length + 4 + headerRoom;
			offset += alignmentPadding(offset);
			const crcs: number[] = [];
			for (const [, , chunks] of parts) {
				const padding = alignmentPadding(offset);
				if (padding > 0) fs.writeSync(fd, zeros, 0, padding, offset);
				offset += padding;
				let crc = 0;
				for (const chunk of chunks) {
					if (chunk.byteLength === 0) continue; // zlib.crc32 of an empty view drops the running value
					crc = zlib.crc32(chunk, crc);
					writeAll(fd, chunk, offset);
					offset += chunk.byteLength;
				}
				crcs.push(crc);
			}
			header = { ...provisional, sections: provisional.sections.map((section, i) => ({ ...section, crc: crcs[i]! })) };
			const headerBytes = Buffer.from(JSON.stringify(header).padEnd(headerRoom, ' '), 'utf8');
			const length = Buffer.alloc(4);
			length.writeUInt32LE(headerBytes.length);
			writeAll(fd, Buffer.concat([magic, length, headerBytes]), 0);
			// Not synced, like the snapshot that names it: a file a power cut left short or garbled fails
			// its checks, is deleted, and its rows are read from the log, which is synced.
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(temporary, file);
		return new SealedRows(name, file, header, headerRoom, keyFilter, messageFilter, keyFences, messageFences, fs.openSync(file, 'r'), true);
	}

	/**
	 * Opens a sealed file: reads its header, filters and fences (checked), then keeps a descriptor; the
	 * rest is checked before the first row is read (`verify`). Throws when it is missing or damaged.
	 */
	static open(folder: string, name: string): SealedRows {
		const file = path.join(folder, name);
		const fd = fs.openSync(file, 'r');
		try {
			const damaged = (): Error => new Error(`The sealed rows file ${name} is damaged.`);
			const start = Buffer.alloc(magic.length + 4);
			readFully(fd, start, 0);
			if (!start.subarray(0, magic.length).equals(magic)) throw damaged();
			const headerBytes = Buffer.alloc(start.readUInt32LE(magic.length));
			readFully(fd, headerBytes, start.length);
			const header = JSON.parse(headerBytes.toString('utf8')) as Header;
			if (!validHeader(header, headerBytes.length, fs.fstatSync(fd).size)) throw damaged();
			const small = new Map<SectionName, Uint32Array>();
			let offset = bodyStart(headerBytes.length);
			for (const section of header.sections) {
				offset += alignmentPadding(offset);
				if (section.name === 'keyFilter' || section.name === 'messageFilter' || section.name === 'keyFences' || section.name === 'messageFences') {
					const words = new Uint32Array(section.bytes / 4);
					const bytes = bytesOf(words);
					readFully(fd, bytes, offset);
					if (checksum(bytes) !== section.crc) throw damaged();
					small.set(section.name, words);
				}
				offset += section.bytes;
			}
			return new SealedRows(name, file, header, headerBytes.length, new PrintFilter(0, small.get('keyFilter')!), new PrintFilter(0, small.get('messageFilter')!), small.get('keyFences')!, small.get('messageFences')!, fd, false);
		} catch (error) {
			fs.closeSync(fd);
			throw error;
		}
	}

	get rows(): number {
		return this.header.rows;
	}

	/**
	 * The rows whose time lies in `[from, to)`, as `[first, end)` (rows are in time order): found with
	 * a binary search of the times on disk, or at once when the range misses the file's span.
	 */
	rowsIn(from: number, to: number): [number, number] {
		const { rows, minTimestamp, maxTimestamp } = this.header;
		if (rows === 0 || maxTimestamp < from || minTimestamp >= to) return [0, 0];
		return [minTimestamp >= from ? 0 : this.firstAtOrAfter(from), maxTimestamp < to ? rows : this.firstAtOrAfter(to)];
	}

	/** Bytes the rows `[first, end)` take when loaded, at most (see `load`). */
	loadBytes(first: number, end: number): number {
		const count = end - first;
		let bytes = 0;
		for (const section of this.header.sections) {
			const perRow = bytesPerRow(section.name, this.header.refWidth);
			if (perRow !== undefined && section.bytes > 0) bytes += count * perRow + 8;
		}
		return bytes;
	}

	/** Bytes held in memory for lookups. */
	get heldBytes(): number {
		return this.keyFilter.byteLength + this.messageFilter.byteLength + this.keyFences.byteLength + this.messageFences.byteLength + this.forgotten.size * 16;
	}

	/** The row holding a key fingerprint (`prints[at …]`), or -1. */
	findKey(prints: Uint32Array, at: number): number {
		if (!this.keyFilter.mayHold(prints, at)) return -1;
		let found = -1;
		this.visitRun('keyRun', this.keyFences, this.header.rows, prints, at, (row) => {
			found = row;
		});
		return found;
	}

	/** The rows whose message fingerprint is `prints[at …]` (most often none, found from memory alone). */
	messageRows(prints: Uint32Array, at: number): number[] {
		const rows: number[] = [];
		if (this.messageFilter.mayHold(prints, at)) this.visitRun('messageRun', this.messageFences, this.header.messages, prints, at, (row) => rows.push(row));
		return rows;
	}

	isForgotten(row: number): boolean {
		return this.forgotten.has(row);
	}

	forget(row: number): void {
		this.forgotten.add(row);
	}

	/** How many rows were forgotten. */
	get forgottenCount(): number {
		return this.forgotten.size;
	}

	/** The rows forgotten, for the index snapshot. */
	forgottenRows(): number[] {
		return [...this.forgotten];
	}

	/** What decides between a row's copy and another copy of its request, read from the file. */
	rankOf(row: number): CopyRank {
		const words = this.readWords('tokens', row * 24, 6);
		const tokens = Array.from(words, (count, i) => (count === largeToken ? this.largeToken(row * 6 + i) : count));
		const flags = this.readBytes('flags', row, 1)[0]!;
		const cost = this.sections.get('reportedCost')!.bytes > 0 ? this.readBytes('reportedCost', row * 8, 8).readDoubleLE(0) : Number.NaN;
		return rankOfStored(tokens, flags, cost);
	}

	/** A row's key fingerprint, as a view valid until the next read. */
	keyPrintOf(row: number): Uint32Array {
		return this.readWords('keyPrint', row * 16, 4);
	}

	/**
	 * The rows `[first, end)` as an index (forgotten rows marked; its row r is this file's row
	 * `first + r`), for reports. Read into `into` when it is large enough (`loadBytes`): the index then
	 * views it, and is valid until `into` is read into again.
	 */
	load(first: number, end: number, into?: ArrayBuffer): DedupeIndex {
		const rows = end - first;
		const buffer = into !== undefined && into.byteLength >= this.loadBytes(first, end) ? into : new ArrayBuffer(this.loadBytes(first, end));
		let used = 0;
		const slice = (name: SectionName, perRow: number): Uint8Array => {
			const section = this.sections.get(name)!;
			if (section.bytes === 0) return new Uint8Array(0);
			const bytes = new Uint8Array(buffer, used, rows * perRow);
			used += rows * perRow + alignmentPadding(rows * perRow);
			readFully(this.descriptor(), bytes, this.sections.get(name)!.offset + first * perRow);
			return bytes;
		};
		const f64 = (bytes: Uint8Array): Float64Array => new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
		const u32 = (bytes: Uint8Array): Uint32Array => new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
		const refWidth = this.header.refWidth;
		const refBytes = slice('refs', refWidth * 6);
		const refs = refWidth === 2 ? new Uint16Array(refBytes.buffer, refBytes.byteOffset, rows * 6) : u32(refBytes);
		const strings = this.stringsRenumbered(refs);
		const largeTokens: number[] = [];
		const { largeTokens: stored } = this.header;
		for (let i = 0; i + 1 < stored.length; i += 2) {
			if (stored[i]! >= first * 6 && stored[i]! < end * 6) largeTokens.push(stored[i]! - first * 6, stored[i + 1]!);
		}
		const columns: DedupeColumns = {
			rows,
			strings,
			timestamp: f64(slice('timestamp', 8)),
			tokens: u32(slice('tokens', 24)),
			largeTokens: Float64Array.from(largeTokens),
			refs,
			flags: slice('flags', 1),
			reportedCost: f64(slice('reportedCost', 8)),
			reportedCredits: f64(slice('reportedCredits', 8)),
			keyPrint: u32(slice('keyPrint', 16)),
			messagePrint: u32(slice('messagePrint', 16)),
			pending: new Uint32Array(0),
			text: new Uint8Array(0),
		};
		const index = DedupeIndex.forReading(columns);
		for (const row of this.forgotten) if (row >= first && row < end) index.forget(row - first);
		return index;
	}

	/** Closes the descriptor (the file stays: an index snapshot may name it). */
	close(): void {
		if (this.fd !== undefined) fs.closeSync(this.fd);
		this.fd = undefined;
	}

	/**
	 * The strings loaded rows name, numbered afresh in the order first named (`refs` renumbered in
	 * place): only those are decoded, not the file's thousands of paths and sessions.
	 */
	private stringsRenumbered(refs: Uint16Array | Uint32Array): string[] {
		const count = this.header.strings;
		const offsets = new Uint32Array(count + 1);
		readFully(this.descriptor(), bytesOf(offsets), this.sections.get('stringOffsets')!.offset);
		const renumbered = new Int32Array(count).fill(-1);
		const named: number[] = [];
		for (let i = 0; i < refs.length; i++) {
			const id = refs[i]!;
			if (id >= count) throw this.damaged();
			let local = renumbered[id]!;
			if (local < 0) {
				local = named.length;
				renumbered[id] = local;
				named.push(id);
			}
			refs[i] = local;
		}
		if (named.length === 0) return [];
		const bytes = Buffer.alloc(this.sections.get('stringBytes')!.bytes);
		readFully(this.descriptor(), bytes, this.sections.get('stringBytes')!.offset);
		return named.map((id) => bytes.toString('utf8', offsets[id], offsets[id + 1]));
	}

	private largeToken(at: number): number {
		const stored = this.header.largeTokens;
		for (let i = 0; i + 1 < stored.length; i += 2) if (stored[i] === at) return stored[i + 1]!;
		return largeToken;
	}

	/** The first row whose time is at least `time` (rows are in time order). */
	private firstAtOrAfter(time: number): number {
		let low = 0;
		let high = this.header.rows;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (this.readBytes('timestamp', middle * 8, 8).readDoubleLE(0) < time) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	/**
	 * Checks every section against its CRC, once: reading the file through (12 MB for 100,000 rows) the
	 * first time this process needs any of its rows. A damaged file is deleted, so that no process
	 * uses it again, and `SealedRowsDamaged` thrown.
	 */
	verify(): void {
		if (this.verified) return;
		this.fd ??= fs.openSync(this.file, 'r');
		const chunk = Buffer.alloc(1024 * 1024);
		for (const section of this.sections.values()) {
			let crc = 0;
			for (let at = 0; at < section.bytes; at += chunk.length) {
				const part = chunk.subarray(0, Math.min(chunk.length, section.bytes - at));
				readFully(this.fd, part, section.offset + at);
				crc = zlib.crc32(part, crc);
			}
			if (crc !== section.crc) throw this.damaged();
		}
		this.verified = true;
	}

	/** Deletes the file, so that no process uses it again (the log holds its rows), and says so. */
	private damaged(): SealedRowsDamaged {
		this.close();
		fs.rmSync(this.file, { force: true });
		return new SealedRowsDamaged(this.name);
	}

	private descriptor(): number {
		this.verify();
		this.fd ??= fs.openSync(this.file, 'r');
		return this.fd;
	}

	private readBytes(name: SectionName, at: number, length: number): Buffer {
		const buffer = this.scratch.subarray(0, length);
		readFully(this.descriptor(), buffer, this.sections.get(name)!.offset + at);
		return buffer;
	}

	private readWords(name: SectionName, at: number, words: number): Uint32Array {
		this.readBytes(name, at, words * 4);
		return this.scratchWords.subarray(0, words);
	}

	/**
	 * Calls `visit` with the row of every entry of a sorted run equal to the fingerprint. The fences
	 * say which blocks can hold it: from the block before the first fence not below its first word, on
	 * while entries are not past it.
	 */
	private visitRun(name: 'keyRun' | 'messageRun', fences: Uint32Array, entries: number, prints: Uint32Array, at: number, visit: (row: number) => void): void {
		const first = prints[at]!;
		let low = 0;
		let high = fences.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (fences[middle]! < first) low = middle + 1;
			else high = middle;
		}
		for (let block = Math.max(0, low - 1); block * blockEntries < entries; block++) {
			const start = block * blockEntries;
			const count = Math.min(blockEntries, entries - start);
			const words = this.readWords(name, start * runWords * 4, count * runWords);
			for (let entry = 0; entry < count; entry++) {
				const e = entry * runWords;
				const word = words[e]!;
				if (word > first) return;
				if (word === first && words[e + 1] === prints[at + 1] && words[e + 2] === prints[at + 2] && words[e + 3] === prints[at + 3]) visit(words[e + 4]!);
			}
		}
	}
}

const zeros = new Uint8Array(8);

/** Where the sections start, after a header stored in `headerLength` bytes. */
function bodyStart(headerLength: number): number {
	const headerEnd = magic.length + 4 + headerLength;
	return headerEnd + alignmentPadding(headerEnd);
}

function alignmentPadding(offset: number): number {
	return (8 - (offset % 8)) % 8;
}

function bytesOf(column: Float64Array | Uint32Array | Uint16Array | Uint8Array): Uint8Array {
	return new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
}

function checksum(bytes: Uint8Array): number {
	return bytes.byteLength === 0 ? 0 : zlib.crc32(bytes);
}

function isZeroPrint(prints: Uint32Array, at: number): boolean {
	return prints[at] === 0 && prints[at + 1] === 0 && prints[at + 2] === 0 && prints[at + 3] === 0;
}

/** A column's rows in `order`, as chunks of bytes (a staging copy of `rowsPerWrite` rows at a time). */
function* reordered(column: Float64Array | Uint32Array | Uint16Array | Uint8Array, perRow: number, order: Uint32Array): Generator<Uint8Array> {
	const staging = new (column.constructor as new (length: number) => typeof column)(Math.min(order.length, rowsPerWrite) * perRow);
	for (let first = 0; first < order.length; first += rowsPerWrite) {
		const count = Math.min(rowsPerWrite, order.length - first);
		for (let i = 0; i < count; i++) {
			const row = order[first + i]!;
			for (let w = 0; w < perRow; w++) staging[i * perRow + w] = column[row * perRow + w]!;
		}
		yield bytesOf(staging.subarray(0, count * perRow));
	}
}

/**
 * Entries (fingerprint, place) sorted by fingerprint, where row `order[place]` of `prints` is written
 * at `place`: of every place, or of the places listed. Sorted by the first word with a two-pass radix
 * sort (a comparison sort of 100,000 entries costs some 50 ms), then runs of an equal first word
 * (about never) by the other words.
 */
function sortedRun(prints: Uint32Array, order: Uint32Array, places: readonly number[] | undefined): Uint32Array {
	const entries = places === undefined ? order.length : places.length;
	const at = new Uint32Array(entries);
	const words = new Uint32Array(entries);
	for (let i = 0; i < entries; i++) {
		const place = places === undefined ? i : places[i]!;
		at[i] = place;
		words[i] = prints[order[place]! * 4]!;
	}
	sortByWord(at, words);
	const run = new Uint32Array(entries * runWords);
	for (let i = 0; i < entries; i++) {
		const place = at[i]!;
		const row = order[place]! * 4;
		const e = i * runWords;
		run[e] = prints[row]!;
		run[e + 1] = prints[row + 1]!;
		run[e + 2] = prints[row + 2]!;
		run[e + 3] = prints[row + 3]!;
		run[e + 4] = place;
	}
	// Equal first words: order by the rest (insertion sort; such runs are a few entries at most).
	for (let i = 1; i < entries; i++) {
		for (let j = i; j > 0 && run[(j - 1) * runWords] === run[j * runWords] && compareEntry(run, j - 1, j) > 0; j--) swapEntries(run, j - 1, j);
	}
	return run;
}

/**
 * The rows in time order, the first seen first among equal times: a stable radix sort of the times'
 * bits (which order as the numbers do for times not below 0), low word then high word; a comparison
 * sort of 100,000 rows cost some 40 ms a seal.
 */
function timeOrder(timestamp: Float64Array): Uint32Array {
	const rows = timestamp.length;
	const order = new Uint32Array(rows);
	for (let row = 0; row < rows; row++) order[row] = row;
	if (!timestamp.every((time) => time >= 0 && time <= Number.MAX_VALUE)) {
		return order.sort((a, b) => timestamp[a]! - timestamp[b]! || a - b); // NaN or negative: compared as numbers
	}
	const bits = new Uint32Array(timestamp.buffer, timestamp.byteOffset, rows * 2);
	const words = new Uint32Array(rows);
	for (const half of [0, 1]) {
		for (let i = 0; i < rows; i++) words[i] = bits[order[i]! * 2 + half]!;
		sortByWord(order, words);
	}
	return order;
}

/**
 * Sorts `items` in place by `words` (the word of each item, at the same position; moved along), a
 * stable radix sort in two passes of 16 bits.
 */
function sortByWord(items: Uint32Array, words: Uint32Array): void {
	const count = items.length;
	let fromItems: Uint32Array = items;
	let fromWords: Uint32Array = words;
	let toItems: Uint32Array = new Uint32Array(count);
	let toWords: Uint32Array = new Uint32Array(count);
	const counts = new Uint32Array(65_537);
	for (let shift = 0; shift <= 16; shift += 16) {
		counts.fill(0);
		for (let i = 0; i < count; i++) counts[((fromWords[i]! >>> shift) & 0xffff) + 1]!++;
		for (let digit = 0; digit < 65_536; digit++) counts[digit + 1]! += counts[digit]!;
		for (let i = 0; i < count; i++) {
			const word = fromWords[i]!;
			const to = counts[(word >>> shift) & 0xffff]!++;
			toWords[to] = word;
			toItems[to] = fromItems[i]!;
		}
		[fromItems, toItems] = [toItems, fromItems];
		[fromWords, toWords] = [toWords, fromWords];
	}
	// Two passes: the sorted items are back in the arrays given.
}

function compareEntry(run: Uint32Array, a: number, b: number): number {
	for (let w = 0; w < 4; w++) {
		const difference = run[a * runWords + w]! - run[b * runWords + w]!;
		if (difference !== 0) return difference;
	}
	return 0;
}

function swapEntries(run: Uint32Array, a: number, b: number): void {
	for (let w = 0; w < runWords; w++) {
		const value = run[a * runWords + w]!;
		run[a * runWords + w] = run[b * runWords + w]!;
		run[b * runWords + w] = value;
	}
}

function filterOf(run: Uint32Array, entries: number): PrintFilter {
	const filter = new PrintFilter(entries);
	for (let entry = 0; entry < entries; entry++) filter.add(run, entry * runWords);
	return filter;
}

function fencesOf(run: Uint32Array, entries: number): Uint32Array {
	const fences = new Uint32Array(Math.ceil(entries / blockEntries));
	for (let block = 0; block < fences.length; block++) fences[block] = run[block * blockEntries * runWords]!;
	return fences;
}

function readFully(fd: number, buffer: Uint8Array, position: number): void {
	for (let read = 0; read < buffer.byteLength; ) {
		const count = fs.readSync(fd, buffer, read, buffer.byteLength - read, position + read);
		if (count === 0) throw new Error('A sealed rows file ends early.');
		read += count;
	}
}

const sectionOrder: readonly SectionName[] = ['keyFilter', 'messageFilter', 'keyFences', 'messageFences', 'timestamp', 'tokens', 'refs', 'flags', 'reportedCost', 'reportedCredits', 'keyPrint', 'messagePrint', 'keyRun', 'messageRun', 'stringOffsets', 'stringBytes'];

/** The header's numbers make sense, and its sections are the expected ones, of the expected sizes, filling the file exactly. */
function validHeader(header: Header, headerLength: number, fileBytes: number): boolean {
	const { rows, messages, strings, refWidth, sections } = header;
	if (header.version !== formatVersion || !Number.isInteger(rows) || rows < 0 || !Number.isInteger(messages) || messages < 0 || messages > rows || !Number.isInteger(strings) || strings < 0) return false;
	if ((refWidth !== 2 && refWidth !== 4) || !Array.isArray(header.largeTokens) || !Array.isArray(header.sections) || sections.length !== sectionOrder.length) return false;
	const isFilter = (bytes: number): boolean => bytes >= 4 && (bytes & (bytes - 1)) === 0;
	let offset = bodyStart(headerLength);
	for (let i = 0; i < sections.length; i++) {
		const { name, bytes, crc } = sections[i]!;
		if (name !== sectionOrder[i] || !Number.isInteger(bytes) || bytes < 0 || !Number.isInteger(crc)) return false;
		const perRow = bytesPerRow(name, refWidth);
		const optional = name === 'reportedCost' || name === 'reportedCredits';
		if (perRow !== undefined && bytes !== rows * perRow && !(optional && bytes === 0)) return false;
		if ((name === 'keyFilter' || name === 'messageFilter') && !isFilter(bytes)) return false;
		if (name === 'keyFences' && bytes !== Math.ceil(rows / blockEntries) * 4) return false;
		if (name === 'messageFences' && bytes !== Math.ceil(messages / blockEntries) * 4) return false;
		if (name === 'keyRun' && bytes !== rows * runWords * 4) return false;
		if (name === 'messageRun' && bytes !== messages * runWords * 4) return false;
		if (name === 'stringOffsets' && bytes !== (strings + 1) * 4) return false;
		offset += alignmentPadding(offset) + bytes;
	}
	return offset === fileBytes;
}
