import * as fs from 'node:fs';
import type { DedupeColumns } from '../core/usage/dedupe';
import type { LogPosition } from './eventLog';

/**
 * A snapshot of the in-memory index, so that a process starting on a large ledger reads one file of
 * columns instead of decoding every line of `events.jsonl`. It is a cache, never the record: it
 * says which prefix of the event log it covers (identity, length, a hash of its head), a reader
 * goes on from there with the log's newer lines, and a snapshot that does not match the log, or
 * that is damaged, is ignored, since the log alone always gives the same answer.
 *
 * Layout: 8 magic bytes, the header's length (uint32 LE), the JSON header, then each column's raw
 * bytes at an 8-byte aligned offset, in the header's order.
 */
export interface IndexSnapshot {
	readonly log: LogPosition;
	readonly columns: DedupeColumns;
}

const magic = Buffer.from('TLINDEX1');
const formatVersion = 1;

type ColumnName = Exclude<keyof DedupeColumns, 'rows' | 'strings'>;
type Encoding = 'f64' | 'u32' | 'u8' | 'nan';

interface Segment {
	readonly name: ColumnName;
	/** How it is stored: `u32` tokens when all are whole numbers below 2^32, `nan` for a column of no values. */
	readonly encoding: Encoding;
	readonly bytes: number;
}

interface Header {
	readonly version: number;
	readonly log: LogPosition;
	readonly rows: number;
	readonly strings: readonly string[];
	readonly segments: readonly Segment[];
}

const order: readonly ColumnName[] = [
	'timestamp',
	'tokens',
	'refs',
	'flags',
	'reportedCost',
	'reportedCredits',
	'keyStart',
	'keyLength',
	'messageStart',
	'messageLength',
	'text',
];

/** Writes a sibling file and renames it over the snapshot: readers see the old one or the new one. */
export function writeIndexSnapshot(file: string, snapshot: IndexSnapshot): void {
	const { columns } = snapshot;
	const parts: Uint8Array[] = [];
	const segments: Segment[] = [];
	for (const name of order) {
		const column = columns[name];
		let stored: Uint8Array;
		let encoding: Encoding;
		if ((name === 'reportedCost' || name === 'reportedCredits') && (column as Float64Array).every(Number.isNaN)) {
			stored = new Uint8Array(0);
			encoding = 'nan';
		} else if (name === 'tokens' && (column as Float64Array).every(fitsUint32)) {
			const narrow = Uint32Array.from(column as Float64Array);
			stored = new Uint8Array(narrow.buffer, narrow.byteOffset, narrow.byteLength);
			encoding = 'u32';
		} else {
			stored = new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
			encoding = column instanceof Float64Array ? 'f64' : column instanceof Uint32Array ? 'u32' : 'u8';
		}
		parts.push(stored);
		segments.push({ name, encoding, bytes: stored.byteLength });
	}
	const header: Header = { version: formatVersion, log: snapshot.log, rows: columns.rows, strings: columns.strings, segments };
	const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
	const length = Buffer.alloc(4);
	length.writeUInt32LE(headerBytes.length);
	const chunks: Uint8Array[] = [magic, length, headerBytes];
	let offset = magic.length + 4 + headerBytes.length;
	for (const part of parts) {
		const padding = (8 - (offset % 8)) % 8;
		chunks.push(Buffer.alloc(padding), part);
		offset += padding + part.byteLength;
	}
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, Buffer.concat(chunks));
	fs.renameSync(temporary, file);
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
	if (bytes.length < magic.length + 4 || !bytes.subarray(0, magic.length).equals(magic)) return undefined;
	const headerLength = bytes.readUInt32LE(magic.length);
	const headerStart = magic.length + 4;
	const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength)) as Header;
	if (header.version !== formatVersion || !Number.isInteger(header.rows) || header.rows < 0) return undefined;
	const rows = header.rows;
	// Columns are viewed in place, which needs 8-byte alignment of the whole buffer.
	const buffer = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
	const found = new Map<ColumnName, Float64Array | Uint32Array | Uint8Array>();
	let offset = headerStart + headerLength;
	for (const segment of header.segments) {
		offset += (8 - (offset % 8)) % 8;
		if (offset + segment.bytes > buffer.length) return undefined;
		found.set(segment.name, view(buffer, offset, segment, rows));
		offset += segment.bytes;
	}
	if (offset !== buffer.length) return undefined;
	const column = <T extends Float64Array | Uint32Array | Uint8Array>(name: ColumnName, type: new (...args: never[]) => T, length: number): T => {
		const value = found.get(name);
		if (!(value instanceof type) || value.length !== length) throw new Error(`snapshot column ${name} is damaged`);
		return value;
	};
	const text = column('text', Uint8Array, found.get('text')?.length ?? -1);
	const columns: DedupeColumns = {
		rows,
		strings: header.strings,
		timestamp: column('timestamp', Float64Array, rows),
		tokens: column('tokens', Float64Array, rows * 6),
		refs: column('refs', Uint32Array, rows * 6),
		flags: column('flags', Uint8Array, rows),
		reportedCost: column('reportedCost', Float64Array, rows),
		reportedCredits: column('reportedCredits', Float64Array, rows),
		keyStart: column('keyStart', Uint32Array, rows),
		keyLength: column('keyLength', Uint32Array, rows),
		messageStart: column('messageStart', Uint32Array, rows),
		messageLength: column('messageLength', Uint32Array, rows),
		text,
	};
	if (!withinBounds(columns)) return undefined;
	return { log: header.log, columns };
}

function view(buffer: Buffer, offset: number, segment: Segment, rows: number): Float64Array | Uint32Array | Uint8Array {
	const at = buffer.byteOffset + offset;
	switch (segment.encoding) {
		case 'f64':
			return new Float64Array(buffer.buffer, at, segment.bytes / 8);
		case 'u8':
			return new Uint8Array(buffer.buffer, at, segment.bytes);
		case 'nan':
			return new Float64Array(rows).fill(Number.NaN);
		case 'u32': {
			const stored = new Uint32Array(buffer.buffer, at, segment.bytes / 4);
			return segment.name === 'tokens' ? Float64Array.from(stored) : stored;
		}
	}
}

/** Every string number and text range points inside the snapshot: a damaged file is not trusted. */
function withinBounds(columns: DedupeColumns): boolean {
	const strings = columns.strings.length;
	for (const ref of columns.refs) if (ref >= strings) return false;
	const textLength = columns.text.length;
	for (let row = 0; row < columns.rows; row++) {
		if (columns.keyStart[row]! + columns.keyLength[row]! > textLength) return false;
		if (columns.messageStart[row]! + columns.messageLength[row]! > textLength) return false;
	}
	return columns.strings.every((value) => typeof value === 'string');
}

function fitsUint32(value: number): boolean {
	return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}
