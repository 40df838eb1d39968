import * as fs from 'node:fs';
import type { SourceId } from '../core/usage/usageEvent';
import type { LineIssue } from '../sources/lineParse';
import type { CursorColumn, CursorTableContents, FileCursor } from './cursorTable';
import { CursorTable, cursorColumns } from './cursorTable';
import { writeAll } from './writeAll';

/**
 * `cursors.json`: the table's columns as JSON arrays (version 2). Version 1, one object per file, is
 * still read. Unreadable or inconsistent cursors give an empty table: they only cost a re-read, as
 * events are deduplicated against the ledger.
 */
function loadCursorTable(file: string, intern: (path: string) => string): CursorTable {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		return new CursorTable();
	}
	try {
		const state = JSON.parse(text) as unknown;
		if (isRecord(state) && state.version === 2) return CursorTable.from(contentsOfVersion2(state), intern);
		if (isRecord(state) && state.version === 1 && isRecord(state.files)) return tableOfVersion1(state.files, intern);
	} catch {
		// as unreadable
	}
	return new CursorTable();
}

function contentsOfVersion2(state: Record<string, unknown>): CursorTableContents {
	const paths = state.files;
	if (!Array.isArray(paths)) throw new Error('no files');
	const numbersOf = (name: string): number[] => {
		const values = state[name];
		if (!Array.isArray(values) || values.length !== paths.length || !values.every((value) => typeof value === 'number')) throw new Error(`bad ${name}`);
		return values as number[];
	};
	const numbers = {} as Record<CursorColumn, number[]>;
	for (const name of cursorColumns) numbers[name] = numbersOf(name);
	const sourceNames = state.sources;
	if (!Array.isArray(sourceNames)) throw new Error('no sources');
	return {
		paths: paths as string[],
		sourceNames: sourceNames as SourceId[],
		source: numbersOf('source'),
		numbers,
		issues: byRow(state.issues) as Map<number, LineIssue[]>,
		states: byRow(state.states),
	};
}

function byRow(value: unknown): Map<number, unknown> {
	const rows = new Map<number, unknown>();
	if (!isRecord(value)) return rows;
	for (const key in value) rows.set(Number(key), value[key]);
	return rows;
}

/** Cursors as the first version kept them: `dev:ino` identities, and signatures holding a database's log. */
function tableOfVersion1(files: Record<string, unknown>, intern: (path: string) => string): CursorTable {
	const table = new CursorTable();
	for (const name in files) {
		const old = files[name] as Record<string, unknown> & { identity: string; signature: string; headHash: string };
		const [dev, ino] = old.identity.split(':').map(Number);
		const wal = old.signature.split('|')[1]?.split(':').map(Number);
		const cursor = {
			source: old.source,
			dev,
			ino,
			offset: old.offset,
			lines: old.lines,
			size: old.size,
			mtimeMs: old.mtimeMs,
			walSize: wal?.[0] ?? -1,
			walMtimeMs: wal?.[1] ?? -1,
			headLength: old.headLength,
			headHash: old.headHash === '' ? 0 : Number.parseInt(old.headHash, 16),
			malformed: old.malformed,
			issues: old.issues,
			readAt: old.readAt ?? 0,
			...(old.state === undefined ? {} : { state: old.state }),
		} as FileCursor;
		// A signature that is not the identity, size and time read means the file changed since: read it.
		if (!old.signature.startsWith(`${old.identity}:${String(old.size)}:${String(old.mtimeMs)}`)) cursor.size = -1;
		table.set(intern(name), cursor);
	}
	table.stale = true;
	return table;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Written to a sibling and renamed over, so a crash leaves either the old or the new state. It is
 * not synced to disk: the events it covers were synced before it was written, and cursors lost or
 * torn by a power cut only cost a re-read (events are deduplicated against the ledger). Syncing
 * it, megabytes for a long history, at every step of a first scan cost more than the scan.
 */
function saveCursorTable(file: string, table: CursorTable): void {
	const temporary = `${file}.${process.pid}.tmp`;
	const fd = fs.openSync(temporary, 'w');
	try {
		// Written some thousand values at a time: a long history's cursors are megabytes of text,
		// written at the end of a first scan when memory is at its peak.
		let chunk = '';
		const put = (text: string): void => {
			chunk += text;
			if (chunk.length >= cursorChunkChars) {
				writeAll(fd, Buffer.from(chunk, 'utf8'));
				chunk = '';
			}
		};
		const array = (name: string, values: ArrayLike<unknown>, text: (value: never) => string): void => {
			put(`,${JSON.stringify(name)}:[`);
			for (let i = 0; i < values.length; i++) put(`${i === 0 ? '' : ','}${text(values[i] as never)}`);
			put(']');
		};
		const contents = table.contents();
		put('{"version":2');
		array('files', contents.paths, JSON.stringify);
		array('sources', contents.sourceNames, JSON.stringify);
		array('source', contents.source, String);
		for (const name of cursorColumns) array(name, contents.numbers[name], String);
		for (const [name, rows] of [['issues', contents.issues], ['states', contents.states]] as const) {
			put(`,${JSON.stringify(name)}:{`);
			let first = true;
			for (const [row, value] of rows) {
				put(`${first ? '' : ','}"${row}":${JSON.stringify(value)}`);
				first = false;
			}
			put('}');
		}
		put('}');
		writeAll(fd, Buffer.from(chunk, 'utf8'));
	} finally {
		fs.closeSync(fd);
	}
	fs.renameSync(temporary, file);
}

/** Characters of cursor JSON written at a time. */
const cursorChunkChars = 64 * 1024;

/**
 * `cursors.json`, kept in memory between refreshes and read again only when another process has
 * replaced it (its inode, size or times differ from when this process last read or wrote it). A long
 * history's cursors are megabytes of JSON: parsing them on every refresh cost more than the refresh.
 */
export class CursorStore {
	private cached: CursorTable | undefined;
	private stamp = '';

	constructor(readonly file: string) {}

	/**
	 * The table on disk; the same object as last time when nobody else has written since. `intern`
	 * may give a copy of each file name held elsewhere, to be kept instead of the one read.
	 */
	load(intern: (path: string) => string = (path) => path): CursorTable {
		const stamp = stampOf(this.file);
		if (this.cached === undefined || stamp === '' || stamp !== this.stamp) {
			// Stamped before reading: a file replaced in between is read again next time.
			this.stamp = stamp;
			this.cached = loadCursorTable(this.file, intern);
		}
		return this.cached;
	}

	save(table: CursorTable): void {
		saveCursorTable(this.file, table);
		table.stale = false;
		this.cached = table;
		this.stamp = stampOf(this.file);
	}

	/** Reads the file next time (after a failure left the state in memory unlike the file). */
	forget(): void {
		this.cached = undefined;
	}
}

function stampOf(file: string): string {
	try {
		const stat = fs.statSync(file);
		return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
	} catch {
		return '';
	}
}

/** FNV-1a, 32 bits: enough to notice a rewritten file head next to the size and identity checks. */
export function headHash(bytes: Uint8Array): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < bytes.length; i++) {
		hash ^= bytes[i]!;
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** `headHash` in hex, as the index snapshot keeps the log's. */
export function hashBytes(bytes: Uint8Array): string {
	return headHash(bytes).toString(16).padStart(8, '0');
}
