import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CopyRank, DedupeColumns, OtherRows, TimeRange } from '../core/usage/dedupe';
import { DedupeIndex, isBetterCopy, replays } from '../core/usage/dedupe';
import type { CountedUsage, SourceId } from '../core/usage/usageEvent';
import { SealedRows } from './sealedRows';

/** A sealed file as an index snapshot names it: its name, and its rows forgotten since it was written. */
export interface SealedState {
	readonly name: string;
	readonly forgotten: readonly number[];
}

/**
 * Rows kept in memory at most (about 11 MB of columns and hash tables) before they are sealed to a
 * file. A history of 500 MB holds some 70,000 requests, so only longer ones seal at all.
 */
export const defaultSealRows = 100_000;
/** Rows of a sealed file loaded at a time when looking for the oldest that counts. */
const oldestStep = 4096;
/** A load buffer up to this size is kept between reports (see `giveBackLoadBuffer`). */
const keptLoadBytes = 1024 * 1024;
/**
 * A sealed file that no snapshot names is deleted once it is this old: a younger one may belong to
 * another process (the editor's, the CLI's) that sealed it and has not written its snapshot yet.
 */
const orphanAgeMs = 60 * 60 * 1000;

/**
 * The ledger's index in two tiers: the newest rows in memory (`live`, a `DedupeIndex`), and older rows
 * sealed to files (`SealedRows`), of which memory holds only filters (some 3 bytes a row). So a long
 * history's index costs memory for at most `sealRows` rows, whatever its length.
 *
 * Every request still counts once across both tiers: a copy whose key the live rows lack is looked up
 * in the sealed files (newest first); a better copy is stored live and the sealed one forgotten. A
 * sidechain copy is weighed against the copies of its message in every tier. Reports read the sealed
 * files one at a time (those whose time span meets the range), then the live rows.
 */
export class TieredIndex {
	live: DedupeIndex;
	private readonly sealed: SealedRows[];
	/**
	 * What reports read sealed rows into, one file's range after another: a new buffer for each (11 MB
	 * for a whole file) would pile up as garbage until a full collection (some 100 MB at the end of a
	 * report over 5 GB of history). Taken while a report reads from it; a report started meanwhile
	 * uses its own.
	 */
	private loadBuffer: ArrayBuffer | undefined;

	private constructor(
		private readonly folder: string,
		private readonly sealRows: number,
		sealed: SealedRows[],
		live: DedupeIndex,
	) {
		this.sealed = sealed;
		this.live = live;
		live.others = new OtherTiers(this, undefined, false);
	}

	static empty(folder: string, sealRows = defaultSealRows): TieredIndex {
		return new TieredIndex(folder, sealRows, [], new DedupeIndex());
	}

	/**
	 * The tiers an index snapshot saved: its sealed files, opened, and its live columns. Throws when a
	 * sealed file is missing or damaged (the log is then read instead).
	 */
	static restore(folder: string, sealRows: number, sealed: readonly SealedState[], columns: DedupeColumns): TieredIndex {
		const opened: SealedRows[] = [];
		try {
			for (const state of sealed) {
				const rows = SealedRows.open(folder, state.name);
				opened.push(rows);
				for (const row of state.forgotten) rows.forget(row);
			}
		} catch (error) {
			for (const rows of opened) rows.close();
			throw error;
		}
		return new TieredIndex(folder, sealRows, opened, DedupeIndex.fromColumns(columns));
	}

	/** Rows stored in both tiers (forgotten ones included). */
	get size(): number {
		return this.sealed.reduce((sum, rows) => sum + rows.rows, this.live.size);
	}

	/** Requests stored, each once: the rows of both tiers but those forgotten. */
	get requests(): number {
		return this.sealed.reduce((sum, rows) => sum + rows.rows - rows.forgottenCount, this.live.size);
	}

	/** What the sealed tier holds in memory (filters, fences, forgotten rows). */
	get sealedHeldBytes(): number {
		return this.sealed.reduce((sum, rows) => sum + rows.heldBytes, 0);
	}

	/** Room for more live rows; never past the point where they are sealed. */
	reserveMore(rows: number, textBytes: number): void {
		this.live.reserveMore(Math.min(rows, Math.max(0, this.sealRows - this.live.size)), textBytes);
	}

	/** Whether the live rows are due to be sealed (`sealIfFull`). */
	get full(): boolean {
		return this.live.size >= this.sealRows;
	}

	/**
	 * Seals the live rows to a file once there are `sealRows` of them; they must all be written to the
	 * log already (`releaseText`). Returns whether it sealed.
	 */
	sealIfFull(): boolean {
		if (!this.full || !SealedRows.supported) return false;
		this.sealed.push(SealedRows.write(this.folder, this.live));
		this.live.clear();
		return true;
	}

	/** The sealed files and what was forgotten in them, for the index snapshot. */
	sealedState(): SealedState[] {
		return this.sealed.map((rows) => ({ name: rows.name, forgotten: rows.forgottenRows() }));
	}

	/** Whether every sealed file this index uses is still there (another process may have deleted one). */
	sealedFilesExist(): boolean {
		return this.sealed.every((rows) => fs.existsSync(path.join(this.folder, rows.name)));
	}

	/** Deletes sealed files that neither this index nor a snapshot names, once old enough (see `orphanAgeMs`). */
	deleteOrphans(now: number): void {
		const named = new Set(this.sealed.map((rows) => rows.name));
		let names: string[];
		try {
			names = fs.readdirSync(this.folder);
		} catch {
			return;
		}
		for (const name of names) {
			if (named.has(name) || !(name.endsWith('.rows') || name.endsWith('.rows.tmp'))) continue;
			const file = path.join(this.folder, name);
			try {
				if (now - fs.statSync(file).mtimeMs > orphanAgeMs) fs.unlinkSync(file);
			} catch {
				// Gone already, or in use where files in use cannot be deleted: next time.
			}
		}
	}

	close(): void {
		for (const rows of this.sealed) rows.close();
	}

	/** The requests that count, each once; only those in `range` when given. */
	counted(range?: TimeRange): CountedUsage[] {
		return [...this.eachCounted(range)];
	}

	/**
	 * `counted`, one request at a time: the sealed files' first, each file's rows in the range loaded at
	 * a time (rows are sealed in time order: today's rows of a long history are a few reads), then the
	 * live rows. `parts`: what `verifyFor(range)` gave, when the caller checked the files already.
	 */
	*eachCounted(range?: TimeRange, parts = this.verifyFor(range)): Generator<CountedUsage> {
		const buffer = this.takeLoadBuffer(parts.reduce((largest, [rows, first, end]) => Math.max(largest, rows.loadBytes(first, end)), 0));
		try {
			for (const [rows, first, end] of parts) {
				if (first < end) yield* this.loaded(rows, first, end, buffer).eachCounted(range);
			}
		} finally {
			this.giveBackLoadBuffer(buffer);
		}
		yield* this.live.eachCounted(range);
	}

	/**
	 * Checks every sealed file a report of `range` reads (once per file and process; `SealedRowsDamaged`
	 * for a damaged one), and says which rows of each it reads: a report can then be retried before it
	 * has handed on anything.
	 */
	verifyFor(range?: TimeRange): Array<[SealedRows, number, number]> {
		const parts = this.sealed.map((rows): [SealedRows, number, number] => [rows, ...(range === undefined ? ([0, rows.rows] as [number, number]) : rows.rowsIn(range.from, range.to))]);
		for (const [rows, first, end] of parts) if (first < end) rows.verify();
		return parts;
	}

	/** The earliest request that counts, of the given sources (all when omitted); undefined when none. */
	oldestCounted(sources?: ReadonlySet<SourceId>): number | undefined {
		let oldest = this.live.oldestCounted(sources);
		for (const rows of this.sealed) {
			// In time order: the first rows that hold one that counts are enough.
			for (let first = 0; first < rows.rows; first += oldestStep) {
				const end = Math.min(rows.rows, first + oldestStep);
				const [, before] = oldest === undefined ? [0, end] : rows.rowsIn(Number.NEGATIVE_INFINITY, oldest);
				if (before <= first) break;
				const buffer = this.takeLoadBuffer(rows.loadBytes(first, end));
				const candidate = this.loaded(rows, first, end, buffer).oldestCounted(sources);
				this.giveBackLoadBuffer(buffer);
				if (candidate !== undefined) {
					if (oldest === undefined || candidate < oldest) oldest = candidate;
					break;
				}
			}
		}
		return oldest;
	}

	/** The shared buffer for loading sealed rows (or a new one while it is taken), grown to `bytes`. */
	private takeLoadBuffer(bytes: number): ArrayBuffer {
		const buffer = this.loadBuffer !== undefined && this.loadBuffer.byteLength >= bytes ? this.loadBuffer : new ArrayBuffer(bytes);
		this.loadBuffer = undefined;
		return buffer;
	}

	/**
	 * Keeps the buffer for the next report when it is small (today's rows, every refresh of the
	 * editor); a whole file's (11 MB) is let go, not held by a long-lived process between reports.
	 */
	private giveBackLoadBuffer(buffer: ArrayBuffer): void {
		this.loadBuffer = buffer.byteLength <= keptLoadBytes ? buffer : undefined;
	}

	/** Rows of a sealed file as an index that weighs its sidechain copies against every other row. */
	private loaded(rows: SealedRows, first: number, end: number, buffer: ArrayBuffer): DedupeIndex {
		const index = rows.load(first, end, buffer);
		index.others = new OtherTiers(this, rows, first === 0 && end === rows.rows);
		return index;
	}

	/** The sealed files, oldest first. */
	get sealedRows(): readonly SealedRows[] {
		return this.sealed;
	}
}

/**
 * What an index of one tier sees of the others: for the live rows, every sealed file; for a sealed
 * file loaded for a report, the live rows and the other sealed files.
 */
class OtherTiers implements OtherRows {
	/** A key fingerprint read from a sealed file, kept while its rank is read. */
	private readonly otherKey = new Uint32Array(4);

	constructor(
		private readonly tiers: TieredIndex,
		/** The sealed file whose loaded rows ask, or undefined for the live rows. */
		private readonly asking: SealedRows | undefined,
		/** Whether the asking file was loaded whole (its own copies are then weighed by the loaded index). */
		private readonly askingWhole: boolean,
	) {}

	admit(keyPrints: Uint32Array, keyAt: number, candidate: CopyRank): boolean {
		// Newest first: a request's copy that counts is the one in the newest tier holding it.
		const sealed = this.tiers.sealedRows;
		for (let i = sealed.length - 1; i >= 0; i--) {
			const rows = sealed[i]!;
			const row = rows.findKey(keyPrints, keyAt);
			if (row < 0 || rows.isForgotten(row)) continue;
			if (!isBetterCopy(candidate, rows.rankOf(row))) return false;
			rows.forget(row);
			return true;
		}
		return true;
	}

	replaySidechain(messagePrints: Uint32Array, messageAt: number, keyPrints: Uint32Array, keyAt: number, rank: CopyRank): boolean {
		if (this.asking !== undefined && this.tiers.live.replaysSidechain(messagePrints, messageAt, keyPrints, keyAt, rank)) return true;
		const otherKey = this.otherKey;
		for (const rows of this.tiers.sealedRows) {
			if (rows === this.asking && this.askingWhole) continue;
			for (const row of rows.messageRows(messagePrints, messageAt)) {
				if (rows.isForgotten(row)) continue;
				otherKey.set(rows.keyPrintOf(row));
				// The asking copy itself (a file loaded in part finds its own rows here too).
				if (otherKey[0] === keyPrints[keyAt] && otherKey[1] === keyPrints[keyAt + 1] && otherKey[2] === keyPrints[keyAt + 2] && otherKey[3] === keyPrints[keyAt + 3]) continue;
				if (replays(rows.rankOf(row), otherKey, 0, rank, keyPrints, keyAt)) return true;
			}
		}
		return false;
	}
}
