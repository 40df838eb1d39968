import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { DedupeColumns } from '../core/usage/dedupe';
import type { LogPosition } from './eventLog';
import type { SealedState } from './tieredIndex';
import { writeAll } from './writeAll';

/**
 * A snapshot of the in-memory index, so that a process starting on a large ledger reads one file of
 * columns instead of decoding every line of `events.jsonl`. It is a cache, never the record: it
 * says which prefix of the event log it covers (identity, length, a hash of its head), a reader
 * goes on from there with the log's newer lines, and a snapshot that does not match the log, or
 * that is damaged, is ignored, since the log alone always gives the same answer.
 *
 * Layout: 8 magic bytes, the header's length (uint32 LE), the JSON header, then the body: the two
 * string tables (the index's and the log's) as JSON arrays, then each column's bytes, each segment
 * at an 8-byte aligned offset, in the header's order; last, the CRC-32 of the body (uint32 LE), so
 * that a damaged snapshot is not used. The CRC comes last so that the body can be written as it is
 * narrowed, in one pass. The string tables (a path and a session id for each file: megabytes for a
 * long history) are written a part at a time, not as one JSON text.
 */
export interface IndexSnapshot {
	readonly log: LogPosition;
	/** The live rows (see tieredIndex.ts). */
	readonly columns: DedupeColumns;
	/** The sealed files that hold the older rows, oldest first, with their rows forgotten since. */
	readonly sealed: readonly SealedState[];
}

const magic = Buffer.from('TLINDEX6');
const formatVersion = 6;

type ColumnName = Exclude<keyof DedupeColumns, 'rows' | 'strings'>;
type TableName = 'strings' | 'logStrings';
type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;
/**
 * How a column is stored: as it is, or narrower when its values allow (`u16` for numbers below
 * 2^16), or not at all (`nan`: no amount in any row, read back as an empty column).
 */
type Encoding = 'f64' | 'u32' | 'u8' | 'u16' | 'nan';

type Segment = { readonly name: ColumnName; readonly encoding: Encoding; readonly bytes: number } | { readonly name: TableName; readonly encoding: 'json'; readonly bytes: number };

interface Header {
	readonly version: number;
	readonly log: Omit<LogPosition, 'strings'>;
	readonly rows: number;
	readonly sealed: readonly SealedState[];
	readonly segments: readonly Segment[];
}

/**
 * Column, the array type it is used as, and its length in rows (0: any; -1: one per row, or empty).
 * `Uint16Array`: the index takes 2-byte numbers as they are stored, and 4-byte ones (`Uint32Array`).
 */
const layout: ReadonlyArray<readonly [ColumnName, new (length: number) => Column, number]> = [
	['timestamp', Float64Array, 1],
	['tokens', Uint32Array, 6],
	['largeTokens', Float64Array, 0],
	['refs', Uint16Array, 6],
	['flags', Uint8Array, 1],
	['reportedCost', Float64Array, -1],
	['reportedCredits', Float64Array, -1],
	['keyPrint', Uint32Array, 4],
	['messagePrint', Uint32Array, 4],
	['pending', Uint32Array, 0],
	['text', Uint8Array, 0],
];

/**
 * Writes a sibling file and renames it over the snapshot: readers see the old one or the new one.
 * The columns go out through one small buffer, narrowed on the way: for a long history they are a
 * hundred megabytes, and narrowed copies of whole columns, made at the end of a first scan when
 * memory is at its peak, would cost some 10 MB more at 5 GB of history.
 */
export function writeIndexSnapshot(file: string, snapshot: IndexSnapshot): void {
	const { columns } = snapshot;
	const { strings: logStrings, ...log } = snapshot.log;
	const tables = [
		{ name: 'strings', values: columns.strings },
		{ name: 'logStrings', values: logStrings },
	] as const;
	const stored = layout.map(([name]) => storedAs(name, columns[name]));
	const segments: Segment[] = [
		...tables.map(({ name, values }) => ({ name, encoding: 'json' as const, bytes: jsonArrayBytes(values) })),
		...stored.map(({ name, encoding, column }) => ({ name, encoding, bytes: encoding === 'nan' ? 0 : column.length * bytesPer[encoding] })),
	];
	const header: Header = { version: formatVersion, log, rows: columns.rows, sealed: snapshot.sealed, segments };
	const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
	const length = Buffer.alloc(4);
	length.writeUInt32LE(headerBytes.length);
	// The body starts 8-byte aligned, so that every column can be viewed where it lies.
	const headerEnd = magic.length + 4 + headerBytes.length;
	const temporary = `${file}.${process.pid}.tmp`;
	const fd = fs.openSync(temporary, 'w');
	try {
		const out = new SnapshotOutput(fd);
		for (const part of [magic, length, headerBytes, zeros.subarray(0, alignmentPadding(headerEnd))]) out.write(part, false);
		let offset = 0;
		for (const { values } of tables) {
			const bytes = out.jsonArray(values);
			offset += bytes;
			out.write(zeros.subarray(0, alignmentPadding(offset)), true);
			offset += alignmentPadding(offset);
		}
		for (const { encoding, column } of stored) {
			const padding = alignmentPadding(offset);
			out.write(zeros.subarray(0, padding), true);
			out.column(column, encoding);
			offset += padding + (encoding === 'nan' ? 0 : column.length * bytesPer[encoding]);
		}
		const crc = Buffer.alloc(4);
		crc.writeUInt32LE(out.crc32);
		out.write(crc, false);
		out.flush();
	} finally {
		fs.closeSync(fd);
	}
	fs.renameSync(temporary, file);
}

const zeros = new Uint8Array(8);
const bytesPer: Record<Exclude<Encoding, 'nan'>, number> = { f64: 8, u32: 4, u8: 1, u16: 2 };
/** Values narrowed at a time: 512 KB of staging. */
const stagingValues = 65_536;

/** Buffered writes to the snapshot, keeping the CRC-32 of the body (everything after the header). */
class SnapshotOutput {
	private readonly staging = Buffer.alloc(stagingValues * 8);
	private used = 0;
	crc32 = 0;

	constructor(private readonly fd: number) {}

	write(bytes: Uint8Array, body: boolean): void {
		// Nothing to add; and zlib.crc32 of an empty view of an empty buffer drops the running value.
		if (bytes.byteLength === 0) return;
		if (body) this.crc32 = zlib.crc32(bytes, this.crc32);
		if (this.used + bytes.byteLength > this.staging.length) this.flush();
		if (bytes.byteLength > this.staging.length) {
			writeAll(this.fd, bytes);
			return;
		}
		this.staging.set(bytes, this.used);
		this.used += bytes.byteLength;
	}

	/** Strings as one JSON array, a part at a time; returns its length in bytes. */
	jsonArray(values: readonly string[]): number {
		let bytes = 0;
		let part = '[';
		for (let i = 0; i < values.length; i++) {
			part += `${i === 0 ? '' : ','}${JSON.stringify(values[i])}`;
			if (part.length >= stagingValues) {
				bytes += this.text(part);
				part = '';
			}
		}
		return bytes + this.text(`${part}]`);
	}

	private text(part: string): number {
		const bytes = Buffer.from(part, 'utf8');
		this.write(bytes, true);
		return bytes.byteLength;
	}

	/** A column's values as `encoding` stores them; widths that change are narrowed a slice at a time. */
	column(column: Column, encoding: Encoding): void {
		if (encoding === 'nan') return;
		if (!(column instanceof Uint32Array && encoding === 'u16')) {
			this.write(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), true);
			return;
		}
		for (let from = 0; from < column.length; from += stagingValues) {
			const slice = Uint16Array.from(column.subarray(from, Math.min(column.length, from + stagingValues)));
			this.write(new Uint8Array(slice.buffer), true);
		}
	}

	flush(): void {
		writeAll(this.fd, this.staging.subarray(0, this.used));
		this.used = 0;
	}
}


/** The length in bytes of the strings as `SnapshotOutput.jsonArray` writes them. */
function jsonArrayBytes(values: readonly string[]): number {
	let bytes = 2 + Math.max(0, values.length - 1);
	for (const value of values) bytes += Buffer.byteLength(JSON.stringify(value), 'utf8');
	return bytes;
}

function alignmentPadding(offset: number): number {
	return (8 - (offset % 8)) % 8;
}

/** How a column is stored: narrower when its values allow, or not at all when no row has a value. */
function storedAs(name: ColumnName, column: Column): { name: ColumnName; encoding: Encoding; column: Column } {
	if (column instanceof Float64Array) {
		if ((name === 'reportedCost' || name === 'reportedCredits') && column.every(Number.isNaN)) return { name, encoding: 'nan', column };
		return { name, encoding: 'f64', column };
	}
	if (column instanceof Uint32Array) return { name, encoding: maximum(column) < 0x10000 ? 'u16' : 'u32', column };
	if (column instanceof Uint16Array) return { name, encoding: 'u16', column };
	return { name, encoding: 'u8', column };
}

/** The snapshot, or undefined when there is none or it cannot be trusted (then the log is read whole). */
export function readIndexSnapshot(file: string): IndexSnapshot | undefined {
	let bytes: Buffer;
	try {
		bytes = fs.readFileSync(file);
	} catch {
		return undefined;
	}
	try {
		return decode(bytes);
	} catch {
		return undefined;
	}
}

function decode(bytes: Buffer): IndexSnapshot | undefined {
	// A Node.js without zlib.crc32 (before 20.15) cannot check a snapshot: it reads the log instead.
	if (typeof zlib.crc32 !== 'function') return undefined;
	if (bytes.length < magic.length + 4 || !bytes.subarray(0, magic.length).equals(magic)) return undefined;
	const headerLength = bytes.readUInt32LE(magic.length);
	const headerStart = magic.length + 4;
	const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength)) as Header;
	if (header.version !== formatVersion || !Number.isInteger(header.rows) || header.rows < 0) return undefined;
	const headerEnd = headerStart + headerLength;
	const bodyStart = headerEnd + alignmentPadding(headerEnd);
	const bodyEnd = bytes.length - 4;
	if (bodyStart > bodyEnd || zlib.crc32(bytes.subarray(bodyStart, bodyEnd)) !== bytes.readUInt32LE(bodyEnd)) return undefined;
	// Columns are viewed in place, which needs the buffer itself 8-byte aligned.
	const buffer = (bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes)).subarray(0, bodyEnd);
	const rows = header.rows;
	const found = new Map<ColumnName, { offset: number; segment: Segment & { readonly encoding: Encoding } }>();
	const tables = new Map<TableName, unknown>();
	let offset = bodyStart;
	for (const segment of header.segments) {
		offset += alignmentPadding(offset - bodyStart);
		if (offset + segment.bytes > buffer.length) return undefined;
		if (segment.encoding === 'json') tables.set(segment.name, JSON.parse(buffer.toString('utf8', offset, offset + segment.bytes)));
		else found.set(segment.name, { offset, segment });
		offset += segment.bytes;
	}
	if (offset !== buffer.length) return undefined;
	const column = (name: ColumnName, type: new (length: number) => Column, perRow: number): Column => {
		const stored = found.get(name);
		const value = stored === undefined ? undefined : widened(buffer, stored.offset, stored.segment, type);
		const lengthOk = perRow === 0 || value?.length === rows * Math.abs(perRow) || (perRow < 0 && value?.length === 0);
		const typeOk = value instanceof type || (type === Uint16Array && value instanceof Uint32Array);
		if (!typeOk || !lengthOk) throw new Error(`snapshot column ${name} is damaged`);
		return value!;
	};
	const table = (name: TableName): string[] => {
		const value = tables.get(name);
		if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new Error(`snapshot table ${name} is damaged`);
		return value as string[];
	};
	const taken = Object.fromEntries(layout.map(([name, type, perRow]) => [name, column(name, type, perRow)]));
	const columns = { rows, strings: table('strings'), ...taken } as unknown as DedupeColumns;
	if (!withinBounds(columns)) return undefined;
	if (!Array.isArray(header.sealed) || !header.sealed.every(isSealedState)) return undefined;
	return { log: { ...header.log, strings: table('logStrings') }, columns, sealed: header.sealed };
}

/**
 * The column as the index uses it (`type`): a view where stored as it is used, a widened copy where
 * stored narrower.
 */
function widened(buffer: Buffer, offset: number, segment: Segment & { readonly encoding: Encoding }, type: new (length: number) => Column): Column {
	const at = buffer.byteOffset + offset;
	switch (segment.encoding) {
		case 'f64':
			return new Float64Array(buffer.buffer, at, segment.bytes / 8);
		case 'u8':
			return new Uint8Array(buffer.buffer, at, segment.bytes);
		case 'u16': {
			const view = new Uint16Array(buffer.buffer, at, segment.bytes / 2);
			return type === Uint16Array ? view : Uint32Array.from(view);
		}
		case 'nan':
			return new Float64Array(0);
		case 'u32':
			return new Uint32Array(buffer.buffer, at, segment.bytes / 4);
	}
}

/** Every string number, held text range and large token count points inside the snapshot. */
function withinBounds(columns: DedupeColumns): boolean {
	const { largeTokens } = columns;
	if (largeTokens.length % 2 !== 0) return false;
	for (let i = 0; i < largeTokens.length; i += 2) {
		if (!Number.isInteger(largeTokens[i]) || largeTokens[i]! < 0 || largeTokens[i]! >= columns.tokens.length) return false;
	}
	if (columns.rows > 0 && maximum(columns.refs) >= columns.strings.length) return false;
	const { pending, text } = columns;
	if (pending.length % 5 !== 0) return false;
	for (let at = 0; at < pending.length; at += 5) {
		if (pending[at]! >= columns.rows) return false;
		if (pending[at + 1]! + pending[at + 2]! > text.length || pending[at + 3]! + pending[at + 4]! > text.length) return false;
	}
	return true;
}

function isSealedState(value: unknown): value is SealedState {
	const state = value as SealedState;
	return typeof state?.name === 'string' && /^[0-9a-f]+\.rows$/.test(state.name) && Array.isArray(state.forgotten) && state.forgotten.every((row) => Number.isInteger(row) && row >= 0);
}

function maximum(column: Uint16Array | Uint32Array): number {
	let max = 0;
	for (let i = 0; i < column.length; i++) if (column[i]! > max) max = column[i]!;
	return max;
}

