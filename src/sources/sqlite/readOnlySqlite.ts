import * as fs from 'node:fs';
import { parseCreateTable } from './createTable';
import type { TableShape } from './createTable';

/**
 * Reads SQLite databases that another program owns and may be writing, without SQLite.
 *
 * Why not a SQLite engine: `node:sqlite` is missing on Node 20 (the CLI, and VS Code 1.100's
 * extension host), and where it exists its read-only mode still writes the `-shm` file (and
 * recreates it when missing); its `immutable=1` mode ignores the write-ahead log. Native addons break
 * across Electron ABIs, and sql.js only initialises asynchronously and loads the whole file into
 * memory (Cursor's `state.vscdb` reaches gigabytes). The file format is documented and frozen, and
 * a reader needs only a small part of it: table b-trees, records, overflow pages and the WAL.
 *
 * What this does: opens the database and its `-wal` read-only, replays the WAL's committed frames
 * over the database pages the way SQLite's own WAL recovery does (salts and checksums validated,
 * uncommitted and stale frames ignored), and walks table b-trees page by page. It takes no lock and
 * writes nothing; the WAL is read into memory and closed at once so that its handle cannot stop
 * the owner from resetting or deleting it. Because there is no lock, a read can race a checkpoint
 * or a rollback-journal write: the database's size and time and the WAL's header are compared before
 * and after, and the read is repeated when they moved.
 */

export type SqliteValue = null | number | bigint | string | Uint8Array;
export type SqliteRow = Readonly<Record<string, SqliteValue>>;

export interface ScanOptions {
	/** Columns to decode, matched without regard to case; rows are keyed by these spellings. Default: all. */
	readonly columns?: readonly string[];
	/**
	 * Keeps only rows whose text column starts with one of the prefixes. Tested on the part of the row
	 * stored in its b-tree page, before overflow pages are read: large rows that are filtered out cost
	 * one page read, not their whole chain.
	 */
	readonly where?: { readonly column: string; readonly startsWith: readonly string[] };
}

export interface SqliteSnapshot {
	tableNames(): string[];
	hasTable(name: string): boolean;
	columnNames(table: string): string[];
	/** Visits the table's rows in rowid order. */
	scan(table: string, options: ScanOptions, visit: (row: SqliteRow) => void): void;
}

export class SqliteFormatError extends Error {
	constructor(file: string, reason: string) {
		super(`${file}: ${reason}`);
		this.name = 'SqliteFormatError';
	}
}

export interface ReadOptions {
	/** Attempts before giving up on a database that keeps changing under the read. */
	readonly attempts?: number;
}

/**
 * Runs `query` on a consistent snapshot of the database and returns what it returns. `query` may run
 * more than once (when the file changed during a read), so it must only collect, not act.
 */
export function readSqlite<T>(file: string, query: (db: SqliteSnapshot) => T, options: ReadOptions = {}): T {
	const attempts = Math.max(1, options.attempts ?? 6);
	let lastChange = '';
	for (let attempt = 0; attempt < attempts; attempt++) {
		if (attempt > 0) pause(25 * 2 ** (attempt - 1));
		const outcome = readOnce(file, query);
		if (outcome.kind === 'done') return outcome.value;
		lastChange = outcome.reason;
	}
	throw new Error(`${file}: the database kept changing while it was read (${lastChange}); it will be read again when it next changes`);
}

type Outcome<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'retry'; readonly reason: string };

function readOnce<T>(file: string, query: (db: SqliteSnapshot) => T): Outcome<T> {
	if (journalInUse(file)) return { kind: 'retry', reason: 'a rollback journal is open' };
	const fd = fs.openSync(file, 'r');
	try {
		const before = fs.fstatSync(fd);
		let value: T;
		let walHeader: Buffer | null = null;
		try {
			const pager = openPager(file, fd, before.size);
			walHeader = pager.walHeader;
			value = query(new Snapshot(file, pager));
		} catch (error) {
			// A page torn by a concurrent checkpoint looks corrupt: only a file that held still is.
			const change = changedSince(file, fd, before, walHeader);
			if (change !== null) return { kind: 'retry', reason: change };
			throw error;
		}
		const change = changedSince(file, fd, before, walHeader);
		return change === null ? { kind: 'done', value } : { kind: 'retry', reason: change };
	} finally {
		fs.closeSync(fd);
	}
}

/**
 * Appends to the WAL do not disturb a snapshot (only frames read at the start are used); a checkpoint
 * or a rollback-mode write changes the database file, and a WAL restart changes the WAL header. File
 * times can be coarse (a few ms on Linux), so a write landing in the same tick as the first stat goes
 * unseen: the callers tolerate that, because their events are keyed and a missed row is read on the
 * next change.
 */
function changedSince(file: string, fd: number, before: fs.Stats, walHeader: Buffer | null): string | null {
	const after = fs.fstatSync(fd);
	if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) return 'the database file was written';
	if (walHeader !== null) {
		const now = readHead(`${file}-wal`, walHeaderBytes);
		if (now === null || !now.equals(walHeader)) return 'the write-ahead log was reset';
	}
	if (journalInUse(file)) return 'a rollback journal is open';
	return null;
}

const journalMagic = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

/**
 * A rollback journal with a live header means a writer is changing pages in place (or crashed while
 * doing so): the file is not consistent until that transaction finishes or is rolled back.
 */
function journalInUse(file: string): boolean {
	const head = readHead(`${file}-journal`, journalMagic.length);
	return head !== null && head.equals(journalMagic);
}

function readHead(file: string, length: number): Buffer | null {
	let fd: number;
	try {
		fd = fs.openSync(file, 'r');
	} catch {
		return null;
	}
	try {
		const buffer = Buffer.alloc(length);
		const read = fs.readSync(fd, buffer, 0, length, 0);
		return read === length ? buffer : null;
	} finally {
		fs.closeSync(fd);
	}
}

function pause(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------------
// Pages: the database file with the committed WAL frames laid over it.

const fileHeaderBytes = 100;
const walHeaderBytes = 32;
const walFrameHeaderBytes = 24;
const sqliteMagic = Buffer.from('SQLite format 3\u0000', 'latin1');

type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

interface Pager {
	readonly pageSize: number;
	/** Page size minus the bytes reserved at the end of every page (for extensions). */
	readonly usableSize: number;
	readonly pageCount: number;
	readonly encoding: TextEncoding;
	/** The WAL header the snapshot was built from, or null when no WAL frame was used. */
	readonly walHeader: Buffer | null;
	page(pageNumber: number): Buffer;
}

function openPager(file: string, fd: number, fileSize: number): Pager {
	const fail = (reason: string): never => {
		throw new SqliteFormatError(file, reason);
	};
	if (fileSize === 0) {
		// SQLite treats an empty file as an empty database, and then ignores (deletes) any WAL.
		return { pageSize: 4096, usableSize: 4096, pageCount: 0, encoding: 'utf8', walHeader: null, page: () => fail('empty database') };
	}
	const header = Buffer.alloc(fileHeaderBytes);
	if (fs.readSync(fd, header, 0, fileHeaderBytes, 0) < fileHeaderBytes || !header.subarray(0, 16).equals(sqliteMagic)) {
		fail('not a SQLite database');
	}
	const rawPageSize = header.readUInt16BE(16);
	const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
	if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) fail(`invalid page size ${rawPageSize}`);
	const usableSize = pageSize - header.readUInt8(20);
	if (usableSize < 480) fail('invalid reserved space');

	// As SQLite does: a non-empty database with a -wal file beside it is read through that WAL.
	const wal = readWal(`${file}-wal`, pageSize);
	let pageCount: number;
	if (wal !== null && wal.databasePages > 0) {
		pageCount = wal.databasePages;
	} else {
		const inHeader = header.readUInt32BE(28);
		const headerValid = inHeader > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
		pageCount = headerValid ? inHeader : Math.floor(fileSize / pageSize);
	}

	const page = (pageNumber: number): Buffer => {
		if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
			fail(`page ${pageNumber} is outside the database (${pageCount} pages)`);
		}
		const fromWal = wal?.pages.get(pageNumber);
		if (fromWal !== undefined) return fromWal;
		const buffer = Buffer.allocUnsafe(pageSize);
		const read = fs.readSync(fd, buffer, 0, pageSize, (pageNumber - 1) * pageSize);
		if (read < pageSize) fail(`page ${pageNumber} is past the end of the file`);
		return buffer;
	};

	const first = page(1);
	const encodingCode = first.readUInt32BE(56);
	const encoding: TextEncoding = encodingCode === 2 ? 'utf16le' : encodingCode === 3 ? 'utf16be' : 'utf8';
	return { pageSize, usableSize, pageCount, encoding, walHeader: wal === null || wal.pages.size === 0 ? null : wal.header, page };
}

interface WalSnapshot {
	readonly header: Buffer;
	/** The newest committed copy of each page. */
	readonly pages: Map<number, Buffer>;
	/** Database size in pages after the last committed transaction; 0 when nothing is committed. */
	readonly databasePages: number;
}

const walMagicLittleEndian = 0x377f0682;
const walMagicBigEndian = 0x377f0683;
const walFormatVersion = 3007000;

/**
 * Reads a write-ahead log the way SQLite recovers one when it has no `-shm` index: frames are valid
 * while their salts match the header and their running checksum holds; the first invalid frame ends
 * the log (older frames left behind by a WAL reset carry the old salts). Only frames up to the last
 * commit frame (non-zero "database size") count; the newest copy of each page wins.
 */
function readWal(walFile: string, pageSize: number): WalSnapshot | null {
	let bytes: Buffer;
	try {
		bytes = fs.readFileSync(walFile);
	} catch {
		return null;
	}
	return parseWal(bytes, pageSize);
}

function parseWal(bytes: Buffer, pageSize: number): WalSnapshot | null {
	if (bytes.length < walHeaderBytes) return null;
	const magic = bytes.readUInt32BE(0);
	if (magic !== walMagicLittleEndian && magic !== walMagicBigEndian) return null;
	if (bytes.readUInt32BE(4) !== walFormatVersion || bytes.readUInt32BE(8) !== pageSize) return null;
	const bigEndian = magic === walMagicBigEndian;
	let sum = walChecksum(bytes, 0, 24, bigEndian, 0, 0);
	if (sum[0] !== bytes.readUInt32BE(24) || sum[1] !== bytes.readUInt32BE(28)) return null;
	const salt1 = bytes.readUInt32BE(16);
	const salt2 = bytes.readUInt32BE(20);

	const committed = new Map<number, number>();
	const pending = new Map<number, number>();
	let databasePages = 0;
	const frameBytes = walFrameHeaderBytes + pageSize;
	for (let frame = walHeaderBytes; frame + frameBytes <= bytes.length; frame += frameBytes) {
		const pageNumber = bytes.readUInt32BE(frame);
		const commitSize = bytes.readUInt32BE(frame + 4);
		if (pageNumber === 0 || bytes.readUInt32BE(frame + 8) !== salt1 || bytes.readUInt32BE(frame + 12) !== salt2) break;
		sum = walChecksum(bytes, frame, 8, bigEndian, sum[0], sum[1]);
		sum = walChecksum(bytes, frame + walFrameHeaderBytes, pageSize, bigEndian, sum[0], sum[1]);
		if (sum[0] !== bytes.readUInt32BE(frame + 16) || sum[1] !== bytes.readUInt32BE(frame + 20)) break;
		pending.set(pageNumber, frame + walFrameHeaderBytes);
		if (commitSize !== 0) {
			for (const [page, offset] of pending) committed.set(page, offset);
			pending.clear();
			databasePages = commitSize;
		}
	}
	const pages = new Map<number, Buffer>();
	for (const [page, offset] of committed) {
		// A commit that shrank the database (VACUUM) leaves later pages behind in the log.
		if (page <= databasePages) pages.set(page, bytes.subarray(offset, offset + pageSize));
	}
	return { header: Buffer.from(bytes.subarray(0, walHeaderBytes)), pages, databasePages };
}

/** SQLite's WAL checksum: two running 32-bit sums over pairs of words. */
function walChecksum(bytes: Buffer, start: number, length: number, bigEndian: boolean, s0: number, s1: number): [number, number] {
	let a = s0;
	let b = s1;
	const end = start + length;
	if (bigEndian) {
		for (let i = start; i < end; i += 8) {
			a = (a + bytes.readUInt32BE(i) + b) >>> 0;
			b = (b + bytes.readUInt32BE(i + 4) + a) >>> 0;
		}
	} else {
		for (let i = start; i < end; i += 8) {
			a = (a + bytes.readUInt32LE(i) + b) >>> 0;
			b = (b + bytes.readUInt32LE(i + 4) + a) >>> 0;
		}
	}
	return [a, b];
}

// ---------------------------------------------------------------------------------------------
// Tables: the schema, table b-trees and records.

const tableLeaf = 0x0d;
const tableInterior = 0x05;

interface SchemaEntry {
	readonly name: string;
	readonly rootPage: number;
	readonly shape: TableShape;
}

class Snapshot implements SqliteSnapshot {
	private schema: Map<string, SchemaEntry> | undefined;

	constructor(
		private readonly file: string,
		private readonly pager: Pager,
	) {}

	tableNames(): string[] {
		return [...this.tables().values()].map((entry) => entry.name);
	}

	hasTable(name: string): boolean {
		return this.tables().has(name.toLowerCase());
	}

	columnNames(table: string): string[] {
		return this.table(table).shape.columns.map((column) => column.name);
	}

	scan(table: string, options: ScanOptions, visit: (row: SqliteRow) => void): void {
		const entry = this.table(table);
		if (entry.shape.withoutRowid) throw new SqliteFormatError(this.file, `table ${entry.name} is WITHOUT ROWID, which this reader does not support`);
		const columns = entry.shape.columns;
		const find = (name: string): number => {
			const index = columns.findIndex((column) => column.name.toLowerCase() === name.toLowerCase());
			if (index === -1) throw new SqliteFormatError(this.file, `table ${entry.name} has no column ${name}`);
			return index;
		};
		const wanted = (options.columns ?? columns.map((column) => column.name)).map((name) => ({ name, column: columns[find(name)]! }));
		const filter = options.where === undefined ? undefined : { column: columns[find(options.where.column)]!, prefixes: options.where.startsWith.map((prefix) => this.encodeText(prefix)) };

		this.forEachLeafCell(entry.rootPage, (page, offset) => {
			const cell = this.readCell(page, offset);
			let payload = cell.local;
			let record = parseRecordHeader(payload, cell.payloadSize, this.file);
			if (record === null) {
				payload = this.fullPayload(cell);
				record = parseRecordHeader(payload, cell.payloadSize, this.file)!;
			}
			if (filter !== undefined) {
				const slot = record.slots[filter.column.storedIndex];
				if (slot === undefined || !isText(slot.type)) return;
				if (slot.offset + slot.length > payload.length) {
					payload = this.fullPayload(cell);
				}
				const bytes = payload.subarray(slot.offset, slot.offset + slot.length);
				if (!filter.prefixes.some((prefix) => bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix))) return;
			}
			const row: Record<string, SqliteValue> = {};
			for (const { name, column } of wanted) {
				if (column.rowidAlias) {
					const slot = record.slots[column.storedIndex];
					if (slot === undefined || slot.type === 0) {
						row[name] = cell.rowid;
						continue;
					}
				}
				if (column.storedIndex === -1) {
					row[name] = null; // a virtual generated column: computed by SQLite, never stored
					continue;
				}
				const slot = record.slots[column.storedIndex];
				if (slot === undefined) {
					row[name] = column.defaultValue; // the row predates ALTER TABLE ADD COLUMN
					continue;
				}
				if (slot.offset + slot.length > payload.length) {
					payload = this.fullPayload(cell);
				}
				row[name] = this.decode(payload, slot);
			}
			visit(row);
		});
	}

	private table(name: string): SchemaEntry {
		const entry = this.tables().get(name.toLowerCase());
		if (entry === undefined) throw new SqliteFormatError(this.file, `no table named ${name}`);
		return entry;
	}

	private tables(): Map<string, SchemaEntry> {
		if (this.schema !== undefined) return this.schema;
		const schema = new Map<string, SchemaEntry>();
		if (this.pager.pageCount > 0) {
			// sqlite_schema(type, name, tbl_name, rootpage, sql) is the table b-tree rooted at page 1.
			this.forEachLeafCell(1, (page, offset) => {
				const cell = this.readCell(page, offset);
				const payload = this.fullPayload(cell);
				const record = parseRecordHeader(payload, cell.payloadSize, this.file)!;
				const value = (index: number): SqliteValue => {
					const slot = record.slots[index];
					return slot === undefined ? null : this.decode(payload, slot);
				};
				const rootPage = value(3);
				const sql = value(4);
				if (value(0) !== 'table' || typeof rootPage !== 'number' || rootPage < 1 || typeof sql !== 'string') return;
				const name = String(value(1));
				const shape = parseCreateTable(sql);
				if (shape !== null) schema.set(name.toLowerCase(), { name, rootPage, shape });
			});
		}
		this.schema = schema;
		return schema;
	}

	/** Depth-first over a table b-tree, leaves in rowid order. */
	private forEachLeafCell(rootPage: number, visit: (page: Buffer, cellOffset: number) => void): void {
		const pending = [rootPage];
		let visited = 0;
		while (pending.length > 0) {
			const pageNumber = pending.pop()!;
			if (++visited > this.pager.pageCount) throw new SqliteFormatError(this.file, 'a b-tree refers to itself');
			const page = this.pager.page(pageNumber);
			const at = pageNumber === 1 ? fileHeaderBytes : 0;
			const type = page[at];
			const cells = page.readUInt16BE(at + 3);
			if (type === tableLeaf) {
				for (let i = 0; i < cells; i++) visit(page, page.readUInt16BE(at + 8 + 2 * i));
			} else if (type === tableInterior) {
				pending.push(page.readUInt32BE(at + 8)); // right-most child, visited last
				for (let i = cells - 1; i >= 0; i--) pending.push(page.readUInt32BE(page.readUInt16BE(at + 12 + 2 * i)));
			} else {
				throw new SqliteFormatError(this.file, `page ${pageNumber} is not a table b-tree page (type ${String(type)})`);
			}
		}
	}

	private readCell(page: Buffer, offset: number): Cell {
		if (offset >= page.length) throw new SqliteFormatError(this.file, 'cell pointer outside its page');
		const payloadSize = readVarint(page, offset);
		let at = offset + varintLength;
		const rowid = readVarint(page, at);
		at += varintLength;
		const local = localPayloadSize(payloadSize, this.pager.usableSize);
		if (at + local > page.length) throw new SqliteFormatError(this.file, 'cell overflows its page');
		const overflowPage = local < payloadSize ? page.readUInt32BE(at + local) : 0;
		return { payloadSize, rowid, local: page.subarray(at, at + local), overflowPage };
	}

	private fullPayload(cell: Cell): Buffer {
		if (cell.local.length === cell.payloadSize) return cell.local;
		const payload = Buffer.allocUnsafe(cell.payloadSize);
		cell.local.copy(payload, 0);
		let filled = cell.local.length;
		let next = cell.overflowPage;
		const perPage = this.pager.usableSize - 4;
		let pages = 0;
		while (filled < cell.payloadSize) {
			if (next === 0 || ++pages > this.pager.pageCount) throw new SqliteFormatError(this.file, 'broken overflow chain');
			const page = this.pager.page(next);
			const take = Math.min(perPage, cell.payloadSize - filled);
			page.copy(payload, filled, 4, 4 + take);
			filled += take;
			next = page.readUInt32BE(0);
		}
		return payload;
	}

	private decode(payload: Buffer, slot: Slot): SqliteValue {
		const { type, offset, length } = slot;
		switch (type) {
			case 0:
				return null;
			case 1:
				return payload.readInt8(offset);
			case 2:
				return payload.readInt16BE(offset);
			case 3:
				return payload.readIntBE(offset, 3);
			case 4:
				return payload.readInt32BE(offset);
			case 5:
				return payload.readIntBE(offset, 6);
			case 6: {
				const value = payload.readBigInt64BE(offset);
				return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
			}
			case 7:
				return payload.readDoubleBE(offset);
			case 8:
				return 0;
			case 9:
				return 1;
			default:
				if (isText(type)) return this.decodeText(payload, offset, length);
				return new Uint8Array(payload.subarray(offset, offset + length));
		}
	}

	private decodeText(payload: Buffer, offset: number, length: number): string {
		if (this.pager.encoding === 'utf8') return payload.toString('utf8', offset, offset + length);
		const end = offset + length - (length % 2);
		if (this.pager.encoding === 'utf16le') return payload.toString('utf16le', offset, end);
		return Buffer.from(payload.subarray(offset, end)).swap16().toString('utf16le');
	}

	private encodeText(text: string): Buffer {
		if (this.pager.encoding === 'utf8') return Buffer.from(text, 'utf8');
		const bytes = Buffer.from(text, 'utf16le');
		return this.pager.encoding === 'utf16be' ? bytes.swap16() : bytes;
	}
}

interface Cell {
	readonly payloadSize: number;
	readonly rowid: number;
	/** The part of the payload stored in the b-tree page. */
	readonly local: Buffer;
	readonly overflowPage: number;
}

/** How much of a table-leaf payload stays on the page; the rest goes to overflow pages. */
function localPayloadSize(payloadSize: number, usableSize: number): number {
	const maxLocal = usableSize - 35;
	if (payloadSize <= maxLocal) return payloadSize;
	const minLocal = Math.floor(((usableSize - 12) * 32) / 255) - 23;
	const local = minLocal + ((payloadSize - minLocal) % (usableSize - 4));
	return local <= maxLocal ? local : minLocal;
}

interface Slot {
	readonly type: number;
	/** Offset of the value in the full payload. */
	readonly offset: number;
	readonly length: number;
}

/** The record's column types and where each value sits, or null when the header is not all local. */
function parseRecordHeader(payload: Buffer, payloadSize: number, file: string): { slots: Slot[] } | null {
	const headerSize = readVarint(payload, 0);
	if (headerSize > payloadSize) throw new SqliteFormatError(file, 'record header larger than its record');
	if (headerSize > payload.length) return null;
	const slots: Slot[] = [];
	let at = varintLength;
	let body = headerSize;
	while (at < headerSize) {
		const type = readVarint(payload, at);
		at += varintLength;
		const length = serialTypeLength(type);
		if (length < 0) throw new SqliteFormatError(file, `reserved serial type ${type}`);
		slots.push({ type, offset: body, length });
		body += length;
	}
	if (body > payloadSize) throw new SqliteFormatError(file, 'record values overrun the record');
	return { slots };
}

function serialTypeLength(type: number): number {
	if (type >= 12) return Math.floor((type - 12) / 2);
	return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, -1, -1][type] ?? -1;
}

function isText(type: number): boolean {
	return type >= 13 && type % 2 === 1;
}

/** Length in bytes of the varint read last: set by readVarint, so reading allocates nothing. */
let varintLength = 0;

/**
 * SQLite's big-endian varint: seven bits a byte, the ninth byte eight. Values beyond 2^53 (only
 * negative or huge rowids) lose precision, which no caller here depends on.
 */
function readVarint(bytes: Buffer, offset: number): number {
	let value = 0;
	for (let i = 0; i < 8; i++) {
		const byte = bytes[offset + i];
		if (byte === undefined) throw new RangeError('varint past the end of its buffer');
		value = value * 128 + (byte & 0x7f);
		if ((byte & 0x80) === 0) {
			varintLength = i + 1;
			return value;
		}
	}
	const last = bytes[offset + 8];
	if (last === undefined) throw new RangeError('varint past the end of its buffer');
	varintLength = 9;
	const full = value * 256 + last;
	// Nine-byte varints are 64-bit two's complement: large ones are negative numbers.
	return full >= 2 ** 63 ? full - 2 ** 64 : full;
}
