import { resized } from '../core/usage/dedupe';
import type { SourceId } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';
import type { LineIssue } from '../sources/lineParse';
import type { FileStat } from './lineFileReader';

/** How far one source file has been read, and how to tell that it is still the same file. */
export interface FileCursor {
	source: SourceId;
	/** Device and inode: another pair at the same path means the file was replaced. */
	dev: number;
	ino: number;
	/** Bytes consumed (up to the last complete line). */
	offset: number;
	lines: number;
	/** Size and modification time when last read: with the same device and inode, nothing to read. */
	size: number;
	mtimeMs: number;
	/** A database's write-ahead log (where SQLite keeps recent rows) when last read; -1 when none. */
	walSize: number;
	walMtimeMs: number;
	/** FNV-1a of the first `headLength` bytes: a file rewritten in place shows a different head. */
	headLength: number;
	headHash: number;
	malformed: number;
	issues: LineIssue[];
	/** A line parser's carried state (e.g. running totals), JSON-serialisable. */
	state?: unknown;
	/** UTC ms of the last read, 0 for never (databases are re-read at most every few seconds). */
	readAt: number;
}

/** A database's write-ahead log as last seen, or none. */
export interface WalStamp {
	readonly size: number;
	readonly mtimeMs: number;
}

/** The numeric fields of a cursor, one column each, in the order they are stored. */
export const cursorColumns = ['dev', 'ino', 'offset', 'lines', 'size', 'mtimeMs', 'walSize', 'walMtimeMs', 'headLength', 'headHash', 'malformed', 'readAt'] as const;
export type CursorColumn = (typeof cursorColumns)[number];

const notListed = -1;

/**
 * Every source file's cursor, as columns: one path string and some 90 bytes a file. As one object
 * each (with identity and signature strings, an issues array each, a dictionary of them and a map
 * of which source listed them beside), 22,200 files held about 20 MB. Issues and parser state are
 * kept only for the files that have some. Rows have no fixed order: a deleted row takes the last.
 */
export class CursorTable {
	private paths: string[] = [];
	private readonly rows = new Map<string, number>();
	private source = new Uint8Array(0);
	/** Which source listed the file at the last full listing (its index), or -1: memory only. */
	private listedBy = new Int16Array(0);
	private readonly numbers = columnsOf(0);
	private readonly issues = new Map<number, LineIssue[]>();
	private readonly states = new Map<number, unknown>();

	/** Read from an earlier version of `cursors.json`: to be written again in this one. */
	stale = false;

	get size(): number {
		return this.paths.length;
	}

	/** The row of a file, or -1. */
	rowOf(file: string): number {
		return this.rows.get(file) ?? -1;
	}

	pathAt(row: number): string {
		return this.paths[row]!;
	}

	/** A copy of a file's cursor (changing it changes nothing here until `set`). */
	get(file: string): FileCursor | undefined {
		const row = this.rowOf(file);
		if (row < 0) return undefined;
		const cursor = { source: sourceIds[this.source[row]!]! } as FileCursor;
		for (const name of cursorColumns) cursor[name] = this.numbers[name][row]!;
		cursor.issues = [...(this.issues.get(row) ?? [])];
		if (this.states.has(row)) cursor.state = this.states.get(row);
		return cursor;
	}

	/** Stores a file's cursor; `listedBy` says which source listed it, when known. */
	set(file: string, cursor: FileCursor, listedBy?: number): void {
		let row = this.rowOf(file);
		if (row < 0) {
			row = this.paths.length;
			if (row === this.source.length) this.grow(Math.max(64, row * 2));
			this.paths.push(file);
			this.rows.set(file, row);
			this.listedBy[row] = notListed;
		}
		this.source[row] = sourceIndexOf(cursor.source);
		if (listedBy !== undefined) this.listedBy[row] = listedBy;
		for (const name of cursorColumns) this.numbers[name][row] = cursor[name];
		if (cursor.issues.length > 0) this.issues.set(row, [...cursor.issues]);
		else this.issues.delete(row);
		if (cursor.state !== undefined) this.states.set(row, cursor.state);
		else this.states.delete(row);
	}

	/** Whether the file is the one read, at the size and time it had then (and its log likewise). */
	unchanged(row: number, stat: FileStat, wal: WalStamp | undefined): boolean {
		const { dev, ino, size, mtimeMs, walSize, walMtimeMs } = this.numbers;
		return (
			dev[row] === stat.dev &&
			ino[row] === stat.ino &&
			size[row] === stat.size &&
			mtimeMs[row] === stat.mtimeMs &&
			walSize[row] === (wal?.size ?? -1) &&
			walMtimeMs[row] === (wal?.mtimeMs ?? -1)
		);
	}

	readAt(row: number): number {
		return this.numbers.readAt[row]!;
	}

	offsetAt(row: number): number {
		return this.numbers.offset[row]!;
	}

	/** Forgets which files were listed, before a full listing marks them again. */
	beginListing(): void {
		this.listedBy.fill(notListed);
	}

	/** Marks a file listed by a source; false when an earlier source listed it already. */
	markListed(row: number, sourceIndex: number): boolean {
		if (this.listedBy[row] !== notListed) return false;
		this.listedBy[row] = sourceIndex;
		return true;
	}

	/** The source that listed a file at the last full listing, or -1. */
	listedSource(row: number): number {
		return this.listedBy[row]!;
	}

	/** Drops the files the last full listing did not name (the tool deleted them); how many. */
	removeUnlisted(): number {
		let removed = 0;
		for (let row = this.paths.length - 1; row >= 0; row--) {
			if (this.listedBy[row] === notListed) {
				this.removeRow(row);
				removed++;
			}
		}
		return removed;
	}

	/** Takes over which source listed each file from the table this one replaces (read from disk). */
	adoptListing(previous: CursorTable): void {
		for (let row = 0; row < this.paths.length; row++) {
			const before = previous.rowOf(this.paths[row]!);
			this.listedBy[row] = before < 0 ? notListed : previous.listedBy[before]!;
		}
	}

	/** The files with lines that could not be used. */
	*malformed(): Generator<{ file: string; source: SourceId; malformed: number; issues: LineIssue[] }> {
		const malformed = this.numbers.malformed;
		for (let row = 0; row < this.paths.length; row++) {
			if (malformed[row]! > 0) yield { file: this.paths[row]!, source: sourceIds[this.source[row]!]!, malformed: malformed[row]!, issues: [...(this.issues.get(row) ?? [])] };
		}
	}

	/** For storing: the paths, each column up to the rows in use, the issues and states by row. */
	contents(): CursorTableContents {
		const rows = this.paths.length;
		const numbers = {} as Record<CursorColumn, Float64Array>;
		for (const name of cursorColumns) numbers[name] = this.numbers[name].subarray(0, rows);
		return { paths: this.paths, sourceNames: sourceIds, source: this.source.subarray(0, rows), numbers, issues: this.issues, states: this.states };
	}

	/**
	 * A table of stored contents; throws when they do not fit together. `intern` may give a copy of
	 * each file name held elsewhere, to be kept instead.
	 */
	static from(contents: CursorTableContents, intern: (path: string) => string = (path) => path): CursorTable {
		const table = new CursorTable();
		const rows = contents.paths.length;
		if (contents.source.length !== rows) throw new Error('cursor sources do not match the files');
		table.grow(rows);
		for (let row = 0; row < rows; row++) {
			const name = contents.paths[row];
			if (typeof name !== 'string' || table.rows.has(name)) throw new Error('cursor files repeat or are not names');
			const file = intern(name);
			table.paths.push(file);
			table.rows.set(file, row);
			const source = contents.sourceNames[contents.source[row]!];
			if (source === undefined) throw new Error('a cursor names no known source');
			table.source[row] = sourceIndexOf(source);
		}
		table.listedBy.fill(notListed);
		for (const name of cursorColumns) {
			const column = contents.numbers[name];
			if (column.length !== rows) throw new Error(`cursor column ${name} does not match the files`);
			table.numbers[name].set(column);
		}
		for (const [row, issues] of contents.issues) if (row < rows && Array.isArray(issues)) table.issues.set(row, issues);
		for (const [row, state] of contents.states) if (row < rows) table.states.set(row, state);
		return table;
	}

	private grow(capacity: number): void {
		const rows = this.paths.length;
		this.source = resized(this.source, capacity, rows);
		this.listedBy = resized(this.listedBy, capacity, rows);
		for (const name of cursorColumns) this.numbers[name] = resized(this.numbers[name], capacity, rows);
	}

	/** Moves the last row into this one. */
	private removeRow(row: number): void {
		const last = this.paths.length - 1;
		this.rows.delete(this.paths[row]!);
		this.issues.delete(row);
		this.states.delete(row);
		if (row !== last) {
			const file = this.paths[last]!;
			this.paths[row] = file;
			this.rows.set(file, row);
			this.source[row] = this.source[last]!;
			this.listedBy[row] = this.listedBy[last]!;
			for (const name of cursorColumns) {
				const column = this.numbers[name];
				column[row] = column[last]!;
			}
			moveEntry(this.issues, last, row);
			moveEntry(this.states, last, row);
		}
		this.paths.pop();
	}
}

export interface CursorTableContents {
	readonly paths: readonly string[];
	/** The sources' names, and each file's as a number into them. */
	readonly sourceNames: readonly SourceId[];
	readonly source: ArrayLike<number>;
	readonly numbers: Readonly<Record<CursorColumn, ArrayLike<number>>>;
	readonly issues: ReadonlyMap<number, LineIssue[]>;
	readonly states: ReadonlyMap<number, unknown>;
}

function columnsOf(capacity: number): Record<CursorColumn, Float64Array> {
	const columns = {} as Record<CursorColumn, Float64Array>;
	for (const name of cursorColumns) columns[name] = new Float64Array(capacity);
	return columns;
}

function sourceIndexOf(source: SourceId): number {
	const index = sourceIds.indexOf(source);
	if (index < 0) throw new Error(`unknown source ${String(source)}`);
	return index;
}

function moveEntry<T>(map: Map<number, T>, from: number, to: number): void {
	if (!map.has(from)) return;
	map.set(to, map.get(from)!);
	map.delete(from);
}

/** The cursor of a file not read yet. */
export function newCursor(source: SourceId, stat: FileStat): FileCursor {
	return {
		source,
		dev: stat.dev,
		ino: stat.ino,
		offset: 0,
		lines: 0,
		size: stat.size,
		mtimeMs: stat.mtimeMs,
		walSize: -1,
		walMtimeMs: -1,
		headLength: 0,
		headHash: 0,
		malformed: 0,
		issues: [],
		readAt: 0,
	};
}
