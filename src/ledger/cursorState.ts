import * as fs from 'node:fs';
import type { SourceId } from '../core/usage/usageEvent';
import type { LineIssue } from '../sources/lineParse';
import { writeAll } from './writeAll';

/** How far one source file has been read, and how to tell that it is still the same file. */
export interface FileCursor {
	source: SourceId;
	/** `dev:ino`: a different identity at the same path means the file was replaced. */
	identity: string;
	/** Identity, size and time (and a database's log) when last read: unchanged means nothing to read. */
	signature: string;
	/** Bytes consumed (up to the last complete line). */
	offset: number;
	lines: number;
	size: number;
	mtimeMs: number;
	/** Hash of the first `headLength` bytes: a file rewritten in place shows a different head. */
	headLength: number;
	headHash: string;
	malformed: number;
	issues: LineIssue[];
	/** A line parser's carried state (e.g. running totals), JSON-serialisable. */
	state?: unknown;
	/** UTC ms of the last read (databases are re-read at most every few seconds). */
	readAt?: number;
}

export interface CursorState {
	version: 1;
	files: Record<string, FileCursor>;
}

const emptyState = (): CursorState => ({ version: 1, files: {} });

function loadCursorState(file: string): CursorState {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch {
		return emptyState();
	}
	try {
		const state = JSON.parse(text) as CursorState;
		return state.version === 1 && typeof state.files === 'object' && state.files !== null ? state : emptyState();
	} catch {
		// Unreadable cursors only cost a re-read: the events are deduplicated against the ledger.
		return emptyState();
	}
}

/**
 * Written to a sibling and renamed over, so a crash leaves either the old or the new state. It is
 * not synced to disk: the events it covers were synced before it was written, and cursors lost or
 * torn by a power cut only cost a re-read (events are deduplicated against the ledger). Syncing
 * it, megabytes for a long history, at every step of a first scan cost more than the scan.
 */
function saveCursorState(file: string, state: CursorState): void {
	const temporary = `${file}.${process.pid}.tmp`;
	const fd = fs.openSync(temporary, 'w');
	try {
		// The same JSON as `JSON.stringify(state)`, written some hundred files at a time: at 22,200
		// files the whole text is 8.5 MB, built at the end of a first scan when memory is at its peak.
		let chunk = `{"version":${JSON.stringify(state.version)},"files":{`;
		let first = true;
		// `for…in`, not Object.entries: 44,000 files made as many pairs at once.
		for (const name in state.files) {
			const cursor = state.files[name];
			if (cursor === undefined) continue; // as JSON.stringify leaves it out
			chunk += `${first ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(cursor)}`;
			first = false;
			if (chunk.length >= cursorChunkChars) {
				writeAll(fd, Buffer.from(chunk, 'utf8'));
				chunk = '';
			}
		}
		writeAll(fd, Buffer.from(`${chunk}}}`, 'utf8'));
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
	private cached: CursorState | undefined;
	private stamp = '';

	constructor(readonly file: string) {}

	/** The state on disk; the same object as last time when nobody else has written since. */
	load(): CursorState {
		const stamp = stampOf(this.file);
		if (this.cached === undefined || stamp === '' || stamp !== this.stamp) {
			// Stamped before reading: a file replaced in between is read again next time.
			this.stamp = stamp;
			this.cached = loadCursorState(this.file);
		}
		return this.cached;
	}

	save(state: CursorState): void {
		saveCursorState(this.file, state);
		this.cached = state;
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
export function hashBytes(bytes: Uint8Array): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < bytes.length; i++) {
		hash ^= bytes[i]!;
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0).toString(16).padStart(8, '0');
}
