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
 * A file holds a full index's columns as they are in memory (so fixed offsets find any row's fields),
 * plus its key and message fingerprints sorted, each with its row. In memory a sealed file keeps
 * only a Bloom filter of each (about 1.25 bytes a row), every 64th sorted fingerprint's first word,
 * and the rows since forgotten (a better copy of their request came later): some 3 bytes a row
 * instead of the index's 110. A key that may be held is found with one read of 64 sorted entries.
 * Reports load a file's columns whole, one file at a time.
 *
 * The file is written once and never changed (a sibling renamed into place); what later changes about
 * its rows (which are forgotten) is kept by whoever holds it and saved with the index snapshot.
 *
 * Layout: 8 magic bytes, the header's length (uint32 LE), the JSON header, then the body: each
 * section 8-byte aligned, in the header's order; last, the CRC-32 of the body (uint32 LE).
 */
const magic = Buffer.from('TLROWS01');
const formatVersion = 1;
/** A sorted run's entries: the fingerprint's four words, then the row. */
const runWords = 5;
/** Sorted entries per block: a lookup reads one block (and its neighbour when a first word repeats across). */
const blockEntries = 64;

type SectionName = 'timestamp' | 'tokens' | 'refs' | 'flags' | 'reportedCost' | 'reportedCredits' | 'keyPrint' | 'messagePrint' | 'keyRun' | 'messageRun' | 'strings';

interface Header {
	readonly version: number;
	readonly rows: number;
	readonly messages: number;
	/** 2 or 4: the width of `refs`. */
	readonly refWidth: number;
	/** Positions in `tokens` and values, in pairs. */
	readonly largeTokens: readonly number[];
	readonly minTimestamp: number;
	readonly maxTimestamp: number;
	readonly sections: ReadonlyArray<{ readonly name: SectionName; readonly bytes: number }>;
}

export class SealedRows {
	/** Rows whose request a later, better copy holds now. */
	private readonly forgotten = new Set<number>();
	private readonly offsets = new Map<SectionName, number>();
	private readonly largeTokens = new Map<number, number>();
	private readonly scratch = Buffer.alloc(blockEntries * 2 * runWords * 4);
	private readonly scratchWords = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, this.scratch.length / 4);
	private fd: number | undefined;
	private readonly hasCost: boolean;
	private size: number | undefined;

	private constructor(
		/** The file's name in its folder. */
		readonly name: string,
		private readonly file: string,
		private readonly header: Header,
		private readonly keyFilter: PrintFilter,
		private readonly messageFilter: PrintFilter,
		/** The first word of every `blockEntries`-th entry of each sorted run. */
		private readonly keyFences: Uint32Array,
		private readonly messageFences: Uint32Array,
		fd: number,
	) {
		this.fd = fd;
		let offset = bodyStart(header);
		for (const section of header.sections) {
			offset += alignmentPadding(offset);
			this.offsets.set(section.name, offset);
			offset += section.bytes;
		}
		this.hasCost = header.sections.some((section) => section.name === 'reportedCost' && section.bytes > 0);
		for (let i = 0; i + 1 < header.largeTokens.length; i += 2) this.largeTokens.set(header.largeTokens[i]!, header.largeTokens[i + 1]!);
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
		const messageRows: number[] = [];
		for (let row = 0; row < rows; row++) if (!isZeroPrint(columns.messagePrint, row * 4)) messageRows.push(row);
		const keyRun = sortedRun(columns.keyPrint, rows, undefined);
		const messageRun = sortedRun(columns.messagePrint, messageRows.length, messageRows);
		const strings = Buffer.from(JSON.stringify(columns.strings), 'utf8');
		let minTimestamp = Number.POSITIVE_INFINITY;
		let maxTimestamp = Number.NEGATIVE_INFINITY;
		for (const timestamp of columns.timestamp) {
			if (timestamp < minTimestamp) minTimestamp = timestamp;
			if (timestamp > maxTimestamp) maxTimestamp = timestamp;
		}
		const bodies: Array<[SectionName, Uint8Array]> = [
			['timestamp', bytesOf(columns.timestamp)],
			['tokens', bytesOf(columns.tokens)],
			['refs', bytesOf(columns.refs)],
			['flags', bytesOf(columns.flags)],
			['reportedCost', bytesOf(columns.reportedCost)],
			['reportedCredits', bytesOf(columns.reportedCredits)],
			['keyPrint', bytesOf(columns.keyPrint)],
			['messagePrint', bytesOf(columns.messagePrint)],
			['keyRun', bytesOf(keyRun)],
			['messageRun', bytesOf(messageRun)],
			['strings', strings],
		];
		const header: Header = {
			version: formatVersion,
			rows,
			messages: messageRows.length,
			refWidth: columns.refs.BYTES_PER_ELEMENT,
			largeTokens: [...columns.largeTokens],
			minTimestamp: rows === 0 ? 0 : minTimestamp,
			maxTimestamp: rows === 0 ? 0 : maxTimestamp,
			sections: bodies.map(([name, bytes]) => ({ name, bytes: bytes.byteLength })),
		};
		const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
		const name = `${crypto.randomBytes(8).toString('hex')}.rows`;
		const file = path.join(folder, name);
		fs.mkdirSync(folder, { recursive: true });
		const temporary = `${file}.tmp`;
		const fd = fs.openSync(temporary, 'w');
		try {
			const length = Buffer.alloc(4);
			length.writeUInt32LE(headerBytes.length);
			writeAll(fd, magic);
			writeAll(fd, length);
			writeAll(fd, headerBytes);
			let offset = magic.length + 4 + headerBytes.length;
			writeAll(fd, zeros.subarray(0, alignmentPadding(offset)));
			offset += alignmentPadding(offset);
			let crc = 0;
			for (const [, bytes] of bodies) {
				const padding = zeros.subarray(0, alignmentPadding(offset));
				for (const part of [padding, bytes]) {
					if (part.byteLength === 0) continue; // zlib.crc32 of an empty view drops the running value
					crc = zlib.crc32(part, crc);
					writeAll(fd, part);
					offset += part.byteLength;
				}
			}
			const tail = Buffer.alloc(4);
			tail.writeUInt32LE(crc);
			writeAll(fd, tail);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(temporary, file);
		// Filters and fences from the runs at hand, not from the file read back.
		return SealedRows.fromRuns(name, file, header, keyRun, messageRun, fs.openSync(file, 'r'));
	}

	/**
	 * Opens a sealed file: reads it once whole to check it and to build the filters and fences, then
	 * keeps only a descriptor. Throws when it is missing or damaged.
	 */
	static open(folder: string, name: string): SealedRows {
		const file = path.join(folder, name);
		const fd = fs.openSync(file, 'r');
		try {
			const { header, sections } = decode(readWhole(fd), name);
			return SealedRows.fromRuns(name, file, header, sections.get('keyRun') as Uint32Array, sections.get('messageRun') as Uint32Array, fd);
		} catch (error) {
			fs.closeSync(fd);
			throw error;
		}
	}

	private static fromRuns(name: string, file: string, header: Header, keyRun: Uint32Array, messageRun: Uint32Array, fd: number): SealedRows {
		return new SealedRows(name, file, header, filterOf(keyRun, header.rows), filterOf(messageRun, header.messages), fencesOf(keyRun, header.rows), fencesOf(messageRun, header.messages), fd);
	}

	get rows(): number {
		return this.header.rows;
	}

	/** Whether any row may lie in `[from, to)`. */
	mayHoldTimes(from: number, to: number): boolean {
		return this.header.rows > 0 && this.header.maxTimestamp >= from && this.header.minTimestamp < to;
	}

	/** The file's size (it never changes). */
	get fileBytes(): number {
		this.size ??= fs.fstatSync(this.descriptor()).size;
		return this.size;
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

	/** The rows forgotten, for the index snapshot. */
	forgottenRows(): number[] {
		return [...this.forgotten];
	}

	/** What decides between a row's copy and another copy of its request, read from the file. */
	rankOf(row: number): CopyRank {
		const words = this.readWords('tokens', row * 6 * 4, 6);
		const tokens = Array.from(words, (count, i) => (count === largeToken ? this.largeTokens.get(row * 6 + i)! : count));
		const flags = this.readBytes('flags', row, 1)[0]!;
		const cost = this.hasCost ? this.readBytes('reportedCost', row * 8, 8).readDoubleLE(0) : Number.NaN;
		return rankOfStored(tokens, flags, cost);
	}

	/** A row's key fingerprint, as a view valid until the next read. */
	keyPrintOf(row: number): Uint32Array {
		return this.readWords('keyPrint', row * 16, 4);
	}

	/**
	 * The rows as an index (loaded whole; forgotten rows marked), for reports. Read into `into` when it
	 * is large enough (the index then views it: valid until it is read into again).
	 */
	load(into?: ArrayBuffer): DedupeIndex {
		const fd = this.descriptor();
		const { header, sections } = decode(readWhole(fd, into), this.name);
		const rows = header.rows;
		const stringBytes = sections.get('strings')!;
		const strings = JSON.parse(Buffer.from(stringBytes.buffer, stringBytes.byteOffset, stringBytes.byteLength).toString('utf8')) as string[];
		const columns: DedupeColumns = {
			rows,
			strings,
			timestamp: sections.get('timestamp') as Float64Array,
			tokens: sections.get('tokens') as Uint32Array,
			largeTokens: Float64Array.from(header.largeTokens),
			refs: sections.get('refs') as Uint16Array | Uint32Array,
			flags: sections.get('flags') as Uint8Array,
			reportedCost: sections.get('reportedCost') as Float64Array,
			reportedCredits: sections.get('reportedCredits') as Float64Array,
			keyPrint: sections.get('keyPrint') as Uint32Array,
			messagePrint: sections.get('messagePrint') as Uint32Array,
			pending: new Uint32Array(0),
			text: new Uint8Array(0),
		};
		const index = DedupeIndex.fromColumns(columns);
		for (const row of this.forgotten) index.forget(row);
		return index;
	}

	/** Closes the descriptor (the file stays: an index snapshot may name it). */
	close(): void {
		if (this.fd !== undefined) fs.closeSync(this.fd);
		this.fd = undefined;
	}

	private descriptor(): number {
		this.fd ??= fs.openSync(this.file, 'r');
		return this.fd;
	}

	private readBytes(name: SectionName, at: number, length: number): Buffer {
		const buffer = this.scratch.subarray(0, length);
		readFully(this.descriptor(), buffer, this.offsets.get(name)! + at);
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

function bodyStart(header: Header): number {
	const headerEnd = magic.length + 4 + Buffer.byteLength(JSON.stringify(header), 'utf8');
	return headerEnd + alignmentPadding(headerEnd);
}

function alignmentPadding(offset: number): number {
	return (8 - (offset % 8)) % 8;
}

function bytesOf(column: Float64Array | Uint32Array | Uint16Array | Uint8Array): Uint8Array {
	return new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
}

function isZeroPrint(prints: Uint32Array, at: number): boolean {
	return prints[at] === 0 && prints[at + 1] === 0 && prints[at + 2] === 0 && prints[at + 3] === 0;
}

/**
 * Entries (fingerprint, row) sorted by fingerprint: of every row, or of the rows listed. Sorted by
 * the first word with a two-pass radix sort (a comparison sort of 100,000 entries costs some 50 ms),
 * then runs of an equal first word (about never) by the other words.
 */
function sortedRun(prints: Uint32Array, entries: number, rows: readonly number[] | undefined): Uint32Array {
	const rowAt = (i: number): number => (rows === undefined ? i : rows[i]!);
	// The first words and their rows side by side, moved together: each pass then reads in order.
	let words = new Uint32Array(entries);
	let order = new Uint32Array(entries);
	let nextWords = new Uint32Array(entries);
	let next = new Uint32Array(entries);
	for (let i = 0; i < entries; i++) {
		const row = rowAt(i);
		order[i] = row;
		words[i] = prints[row * 4]!;
	}
	const counts = new Uint32Array(65_537);
	for (let shift = 0; shift <= 16; shift += 16) {
		counts.fill(0);
		for (let i = 0; i < entries; i++) counts[((words[i]! >>> shift) & 0xffff) + 1]!++;
		for (let digit = 0; digit < 65_536; digit++) counts[digit + 1]! += counts[digit]!;
		for (let i = 0; i < entries; i++) {
			const word = words[i]!;
			const to = counts[(word >>> shift) & 0xffff]!++;
			nextWords[to] = word;
			next[to] = order[i]!;
		}
		[words, nextWords] = [nextWords, words];
		[order, next] = [next, order];
	}
	const run = new Uint32Array(entries * runWords);
	for (let i = 0; i < entries; i++) {
		const row = order[i]!;
		const at = i * runWords;
		run[at] = prints[row * 4]!;
		run[at + 1] = prints[row * 4 + 1]!;
		run[at + 2] = prints[row * 4 + 2]!;
		run[at + 3] = prints[row * 4 + 3]!;
		run[at + 4] = row;
	}
	// Equal first words: order by the rest (insertion sort; such runs are a few entries at most).
	for (let i = 1; i < entries; i++) {
		for (let j = i; j > 0 && run[(j - 1) * runWords] === run[j * runWords] && compareEntry(run, j - 1, j) > 0; j--) swapEntries(run, j - 1, j);
	}
	return run;
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

function readWhole(fd: number, into?: ArrayBuffer): Buffer {
	const size = fs.fstatSync(fd).size;
	// 8-byte aligned, so that every section can be viewed where it lies.
	const bytes = Buffer.from(into !== undefined && into.byteLength >= size ? into : new ArrayBuffer(size), 0, size);
	readFully(fd, bytes, 0);
	return bytes;
}

function readFully(fd: number, buffer: Uint8Array, position: number): void {
	for (let read = 0; read < buffer.byteLength; ) {
		const count = fs.readSync(fd, buffer, read, buffer.byteLength - read, position + read);
		if (count === 0) throw new Error('A sealed rows file ends early.');
		read += count;
	}
}

/** The header and each section as the array it is used as; throws when the file is damaged. */
function decode(bytes: Buffer, name: string): { header: Header; sections: Map<SectionName, Float64Array | Uint32Array | Uint16Array | Uint8Array> } {
	const damaged = (): Error => new Error(`The sealed rows file ${name} is damaged.`);
	if (bytes.length < magic.length + 8 || !bytes.subarray(0, magic.length).equals(magic)) throw damaged();
	const headerLength = bytes.readUInt32LE(magic.length);
	const header = JSON.parse(bytes.toString('utf8', magic.length + 4, magic.length + 4 + headerLength)) as Header;
	if (header.version !== formatVersion || !Number.isInteger(header.rows) || header.rows < 0) throw damaged();
	const start = bodyStart(header);
	const end = bytes.length - 4;
	if (start > end || zlib.crc32(bytes.subarray(start, end)) !== bytes.readUInt32LE(end)) throw damaged();
	const sections = new Map<SectionName, Float64Array | Uint32Array | Uint16Array | Uint8Array>();
	const rows = header.rows;
	const expected: Record<SectionName, [number, number]> = {
		timestamp: [8, rows],
		tokens: [4, rows * 6],
		refs: [header.refWidth, rows * 6],
		flags: [1, rows],
		reportedCost: [8, rows],
		reportedCredits: [8, rows],
		keyPrint: [4, rows * 4],
		messagePrint: [4, rows * 4],
		keyRun: [4, rows * runWords],
		messageRun: [4, header.messages * runWords],
		strings: [1, -1],
	};
	let offset = start;
	for (const section of header.sections) {
		offset += alignmentPadding(offset);
		const [width, length] = expected[section.name];
		const optional = section.name === 'reportedCost' || section.name === 'reportedCredits';
		if (offset + section.bytes > end || (length >= 0 && section.bytes !== width * length && !(optional && section.bytes === 0))) throw damaged();
		const at = bytes.byteOffset + offset;
		const count = section.bytes / width;
		sections.set(
			section.name,
			width === 8 ? new Float64Array(bytes.buffer, at, count) : width === 4 ? new Uint32Array(bytes.buffer, at, count) : width === 2 ? new Uint16Array(bytes.buffer, at, count) : new Uint8Array(bytes.buffer, at, count),
		);
		offset += section.bytes;
	}
	if (sections.size !== Object.keys(expected).length) throw damaged();
	return { header, sections };
}
