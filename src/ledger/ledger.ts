import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TimeRange } from '../core/usage/dedupe';
import { DedupeIndex } from '../core/usage/dedupe';
import type { CountedUsage, SourceId, UsageEvent } from '../core/usage/usageEvent';
import type { LineIssue } from '../sources/lineParse';
import { maxIssuesKept } from '../sources/lineParse';
import type { LogSource, ParsedRecords } from '../sources/logSource';
import { CursorStore, headHash } from './cursorState';
import type { FileCursor } from './cursorTable';
import { CursorTable, newCursor } from './cursorTable';
import { ChangedRows } from './changedRows';
import { DueFiles } from './dueFiles';
import { EventLog, readRange } from './eventLog';
import { FileLock } from './fileLock';
import type { FileStat } from './lineFileReader';
import { LineFileReader, reserveFor, statFile, walStamp } from './lineFileReader';
import type { ParallelScanOptions, ScanBatch, ScanTask } from './parallelScan';
import { BackgroundScan, defaultParallelMinBytes } from './parallelScan';
import { readIndexSnapshot, writeIndexSnapshot } from './indexSnapshot';
import { SealedRowsDamaged } from './sealedRows';
import { defaultSealRows, TieredIndex } from './tieredIndex';

export interface RefreshStats {
	/** Source files looked at (a stat each). */
	readonly filesSeen: number;
	/** Files that had new bytes to read. */
	readonly filesRead: number;
	/** Files found truncated, replaced or rewritten and so read again from the start. */
	readonly filesReset: number;
	readonly bytesRead: number;
	/** Events stored: new requests, or better copies of known ones. */
	readonly eventsStored: number;
	readonly malformedLines: number;
	/** Files a helper thread read (a first scan of a long history is split over two threads). */
	readonly filesReadByHelper: number;
	readonly durationMs: number;
	/** False when another process held the lock for too long: the ledger was only read. */
	readonly ingested: boolean;
}

export interface FileDiagnostic {
	readonly file: string;
	readonly source: string;
	readonly malformed: number;
	readonly issues: readonly LineIssue[];
}

export interface LedgerOptions {
	readonly home: string;
	readonly sources: readonly LogSource[];
	/** How long to wait for another process's ingest before reading without ingesting. */
	readonly lockTimeoutMs?: number;
	/**
	 * The shortest time between two reads of one database (0: whenever it changed). A long-running
	 * process sets it, because some tools write their database all the time (Cursor's UI state).
	 */
	readonly databaseIntervalMs?: number;
	/** The event log's size from which an index snapshot is kept (default 4 MiB). */
	readonly snapshotFromLogBytes?: number;
	/** A helper thread for first scans of long histories; one thread reads everything without it. */
	readonly parallelScan?: ParallelScanOptions;
	/** Rows the index holds in memory before it seals them to disk (default 100,000; see tieredIndex.ts). */
	readonly sealRows?: number;
}

/**
 * The helper thread's share of a first scan's bytes: less than half, because it starts some 70 ms
 * late and the ledger's thread merges and writes its rows after it answers (on the 500 MB benchmark
 * corpus, 0.35 and less were slower; 0.5 was no faster).
 */
const helperShare = 0.45;
/**
 * During a long scan, what was read is stored every so many events or seconds (its cursors at most
 * every `cursorsEveryMs`), so that a scan that is killed resumes near where it was.
 */
const flushEvents = 20_000;
const flushMs = 1_000;
/**
 * The cursors (one entry per source file: megabytes for a long history) are rewritten at most this
 * often during a scan, and at its end: events stored without their cursors are only read again.
 */
const cursorsEveryMs = 3_000;
/**
 * A log smaller than this is decoded at start (some 30 ms), not snapshotted: a snapshot costs about
 * three quarters of the log's size on disk. Past it, a new snapshot is written once the log has
 * grown by this share since the last one: a later start then decodes at most that much of the log,
 * and the snapshot is not rewritten for every few new lines.
 */
const snapshotFromLogBytes = 4 * 1024 * 1024;
const snapshotAfterShare = 0.05;

/**
 * The durable, incremental store of usage events, shared by the extension and the CLI.
 *
 * `events.jsonl` holds every stored copy (append-only); `cursors.json` says how far each source file
 * was read. A refresh reads only bytes past the cursors; events are deduplicated against everything
 * stored, so a crash between the two writes, a file read twice, or two processes racing can never
 * count a request twice. Events stay after their source file is deleted.
 */
export class Ledger {
	readonly home: string;
	private log: EventLog;
	private readonly cursorStore: CursorStore;
	private readonly lock: FileLock;
	private readonly snapshotFile: string;
	/** Where sealed rows are kept (see tieredIndex.ts). */
	private readonly sealedFolder: string;
	private tiers: TieredIndex;
	/**
	 * Rows changed and not yet written, kept across refreshes: its marks grow to the index's size, and
	 * a refresh of the editor's, a few rows at most, would otherwise allocate them again each time.
	 */
	private readonly changedRows = new ChangedRows();
	private cursors = new CursorTable();
	/** Log offset covered by the snapshot on disk, as far as this process knows. */
	private snapshotOffset = 0;
	private snapshotTried = false;
	private fromSnapshot = false;
	private readonly lineReader = new LineFileReader();
	/** Counts the cursors set or dropped, for `diagnostics`. */
	private cursorChanges = 0;
	private diagnosed: { cursors: CursorTable; changes: number; files: FileDiagnostic[] } | undefined;
	/** Cursors this process advanced and has not saved yet (see `flush` in `ingestUnguarded`). */
	private cursorsUnsaved = false;
	private cursorsSavedAt = 0;

	constructor(private readonly options: LedgerOptions) {
		this.home = options.home;
		fs.mkdirSync(this.home, { recursive: true });
		this.log = new EventLog(path.join(this.home, 'events.jsonl'));
		this.cursorStore = new CursorStore(path.join(this.home, 'cursors.json'));
		this.lock = new FileLock(path.join(this.home, 'ingest.lock'));
		this.snapshotFile = path.join(this.home, 'index.snapshot');
		this.sealedFolder = path.join(this.home, 'sealed');
		this.tiers = this.emptyTiers();
	}

	/**
	 * Reads what other processes stored, then ingests new source bytes. `changed`, when given, names
	 * the files known to have changed (from file watching): only those are looked at, so a refresh
	 * while an assistant writes costs the same however many files the history has. A name this ledger
	 * has not read before (a new file) makes it list every source, as it does without `changed`.
	 */
	refresh(changed?: readonly string[]): RefreshStats {
		return this.againIfSealedDamaged(() => this.refreshOnce(changed));
	}

	private refreshOnce(changed?: readonly string[]): RefreshStats {
		const started = Date.now();
		if (!this.lock.acquire(this.options.lockTimeoutMs ?? 60_000)) {
			this.syncFromLog();
			this.loadCursors();
			return { ...emptyStats(), durationMs: Date.now() - started, ingested: false };
		}
		try {
			this.syncFromLog();
			this.loadCursors();
			const stats = this.ingest({ changed });
			this.saveSnapshotIfDue();
			return { ...stats, durationMs: Date.now() - started, ingested: true };
		} finally {
			this.lock.release();
		}
	}

	/**
	 * Recreates the ledger from the sources: every source file is read again from its start. Events
	 * whose source file no longer exists (the tool deleted its old logs) are kept: they are history.
	 *
	 * The new ledger is built in a folder beside the old one as a first scan builds one (its rows
	 * sealed as it goes, so memory stays bounded), takes the old log's events whose file is gone, a
	 * part at a time, and its files then replace the old ones. Rebuilt in place, every row was held in
	 * memory until the log was written again: 487 MB and 19.8 s at 5 GB.
	 */
	rebuild(): RefreshStats {
		const started = Date.now();
		if (!this.lock.acquire(this.options.lockTimeoutMs ?? 60_000)) {
			throw new Error(`Another process is updating the ledger in ${this.home}; try again when it has finished.`);
		}
		try {
			const stats = this.rebuildBeside(path.join(this.home, 'rebuild'), started);
			// Read once the new ledger's own memory is gone (it held every file's cursor and name too).
			this.syncFromLog();
			this.loadCursors();
			return { ...stats, eventsStored: this.tiers.requests, durationMs: Date.now() - started, ingested: true };
		} finally {
			this.lock.release();
		}
	}

	/** Builds the new ledger in `folder` and moves its files over this one's (see `rebuild`). */
	private rebuildBeside(folder: string, started: number): RefreshStats {
		fs.rmSync(folder, { recursive: true, force: true }); // left by a rebuild that died
		const fresh = new Ledger({ ...this.options, home: folder });
		try {
			const stats = fresh.refresh();
			fresh.keepOrphansOf(this.log.file);
			fresh.saveSnapshotIfDue(true);
			fresh.tiers.close();
			this.takeFilesOf(fresh, started);
			return stats;
		} finally {
			fresh.tiers.close();
			fs.rmSync(folder, { recursive: true, force: true });
		}
	}

	/**
	 * Stores the events of another log (this ledger's before a rebuild) whose source file no longer
	 * exists, a part of the log at a time.
	 */
	private keepOrphansOf(file: string): void {
		const exists = new Map<string, boolean>();
		const gone = (source: string): boolean => {
			let known = exists.get(source);
			if (known === undefined) {
				known = fs.existsSync(source);
				exists.set(source, known);
			}
			return !known;
		};
		// One index for every part, emptied after each: a new one per part left its columns as garbage.
		const part = new DedupeIndex();
		const keep = (): DedupeIndex => {
			// The rows taken keep their key text: the new log spells the keys out.
			this.tiers.live.absorb(
				part,
				(row) => this.changedRows.add(row),
				(row) => gone(part.fileOf(row)),
			);
			this.log.appendRows(this.tiers.live, this.changedRows.take());
			this.tiers.live.releaseText();
			if (this.tiers.sealIfFull()) this.saveSnapshotIfDue(true);
			part.releaseText();
			part.clear();
			return part;
		};
		new EventLog(file).readNew(keep);
		keep();
	}

	/**
	 * Moves a ledger built in a folder of this one over this one's files: the sealed rows first, then
	 * the cursors, the snapshot and the log. A process reading meanwhile sees the new log by its
	 * identity, and does not use a snapshot that does not match the log it finds. The old sealed files
	 * (older than `since`) go; newer ones, sealed meanwhile by a process reading, are left to the
	 * usual clean-up.
	 */
	private takeFilesOf(fresh: Ledger, since: number): void {
		fs.mkdirSync(this.sealedFolder, { recursive: true });
		const taken = new Set<string>();
		for (const name of fs.existsSync(fresh.sealedFolder) ? fs.readdirSync(fresh.sealedFolder) : []) {
			if (!name.endsWith('.rows')) continue;
			fs.renameSync(path.join(fresh.sealedFolder, name), path.join(this.sealedFolder, name));
			taken.add(name);
		}
		const move = (from: string, to: string): void => {
			if (fs.existsSync(from)) fs.renameSync(from, to);
			else fs.rmSync(to, { force: true });
		};
		move(fresh.cursorStore.file, this.cursorStore.file);
		move(fresh.snapshotFile, this.snapshotFile);
		if (!fs.existsSync(fresh.log.file)) fs.writeFileSync(fresh.log.file, ''); // no events at all
		fs.renameSync(fresh.log.file, this.log.file);
		this.forgetMemory();
		for (const name of fs.readdirSync(this.sealedFolder)) {
			if (taken.has(name) || !name.endsWith('.rows')) continue;
			const file = path.join(this.sealedFolder, name);
			try {
				if (fs.statSync(file).mtimeMs < since) fs.unlinkSync(file);
			} catch {
				// Gone already, or in use where files in use cannot be deleted: the usual clean-up.
			}
		}
	}

	/**
	 * The requests that count, each once; only those in `range` when given (views of a day or a week
	 * then cost only what they show, however long the history).
	 */
	counted(range?: TimeRange): CountedUsage[] {
		return this.againIfSealedDamaged(() => this.tiers.counted(range));
	}

	/** What reports read of `counted`, one request at a time, for a report that aggregates as it goes (valid until the next refresh). */
	eachCounted(range?: TimeRange): Iterable<CountedUsage> {
		// The sealed files it reads are checked first, where a damaged one can still be retried.
		const parts = this.againIfSealedDamaged(() => this.tiers.verifyFor(range));
		return this.tiers.eachCounted(range, parts);
	}

	/** When the earliest request that counts was made (of the given sources); undefined when none. */
	oldestCounted(sources?: ReadonlySet<SourceId>): number | undefined {
		return this.againIfSealedDamaged(() => this.tiers.oldestCounted(sources));
	}

	/**
	 * Runs `work`; if it met a damaged sealed file (deleted as it was found), drops what this process
	 * holds, reads the log again (it holds every row) and runs `work` once more.
	 */
	private againIfSealedDamaged<T>(work: () => T): T {
		try {
			return work();
		} catch (error) {
			if (!(error instanceof SealedRowsDamaged)) throw error;
			this.forgetMemory();
			this.syncFromLog();
			return work();
		}
	}

	/** Files with lines that could not be used, with the first few reasons. */
	diagnostics(): FileDiagnostic[] {
		// Asked after every refresh of the editor, and a walk over every file's cursor (5 ms at 22,200
		// files): walked again only when a cursor changed or other cursors were loaded.
		if (this.diagnosed?.cursors !== this.cursors || this.diagnosed.changes !== this.cursorChanges) {
			const files: FileDiagnostic[] = [...this.cursors.malformed()];
			this.diagnosed = { cursors: this.cursors, changes: this.cursorChanges, files };
		}
		return [...this.diagnosed.files];
	}

	/** The folders the sources read (watched by the editor, named in empty states). */
	get roots(): string[] {
		return [...new Set(this.options.sources.flatMap((source) => source.roots))];
	}

	/** Whether this process started from the index snapshot rather than decoding the whole event log. */
	get startedFromSnapshot(): boolean {
		return this.fromSnapshot;
	}

	/** Ledger lines that could not be decoded (a damaged file); they are skipped, and reported. */
	get damagedLines(): number {
		return this.log.damagedLines;
	}

	private syncFromLog(): void {
		if (!this.snapshotTried) {
			this.snapshotTried = true;
			this.loadSnapshot();
		}
		// What the log holds needs no key text in memory (its lines spell the keys out): released after
		// each part read, and the rows sealed once there are enough.
		this.log.readNew((reset) => {
			if (reset) {
				this.replaceTiers(this.emptyTiers());
				this.snapshotOffset = 0;
			} else {
				this.tiers.live.releaseText();
				this.tiers.sealIfFull();
			}
			return this.tiers.live;
		});
		this.tiers.live.releaseText();
	}

	private emptyTiers(): TieredIndex {
		return TieredIndex.empty(this.sealedFolder, this.options.sealRows ?? defaultSealRows);
	}

	private replaceTiers(tiers: TieredIndex): void {
		if (tiers !== this.tiers) this.tiers.close();
		this.tiers = tiers;
	}

	/** Drops what this process holds; the next refresh reads the log (or its snapshot) again. */
	private forgetMemory(): void {
		this.cursorStore.forget();
		this.cursorsUnsaved = false;
		this.replaceTiers(this.emptyTiers());
		this.log = new EventLog(this.log.file);
		this.snapshotTried = false;
		this.fromSnapshot = false;
		this.snapshotOffset = 0;
	}

	/** Starts from the snapshot when it matches the log: only the log's newer lines are then decoded. */
	private loadSnapshot(): void {
		const snapshot = readIndexSnapshot(this.snapshotFile);
		if (snapshot === undefined) return;
		let tiers: TieredIndex;
		try {
			tiers = TieredIndex.restore(this.sealedFolder, this.options.sealRows ?? defaultSealRows, snapshot.sealed, snapshot.columns);
		} catch {
			return; // a sealed file it names is gone or damaged: the log alone gives the same figures
		}
		if (!this.log.resume(snapshot.log)) {
			tiers.close();
			return;
		}
		this.replaceTiers(tiers);
		this.snapshotOffset = snapshot.log.offset;
		this.fromSnapshot = true;
	}

	/**
	 * Called with the lock held, when the index holds exactly the log's complete lines. `sealed`: rows
	 * were just sealed, and a snapshot naming their file is due whatever the log's growth (the next
	 * start then opens the file instead of decoding those rows again).
	 */
	private saveSnapshotIfDue(sealed = false): void {
		// Decided on the log's length alone: the position (a read of the log's head, a copy of its
		// string table) is built only when a snapshot is due, not on every refresh.
		const length = this.log.completeBytes;
		const grown = length - this.snapshotOffset;
		if (!sealed && (grown <= 0 || length < (this.options.snapshotFromLogBytes ?? snapshotFromLogBytes) || grown < length * snapshotAfterShare)) return;
		// Another process may have deleted a sealed file this one still reads (see tieredIndex.ts): a
		// snapshot naming it would be refused at every start.
		if (!this.tiers.sealedFilesExist()) return;
		const position = this.log.position();
		if (position === undefined) return;
		try {
			writeIndexSnapshot(this.snapshotFile, { log: position, columns: this.tiers.live.columns(), sealed: this.tiers.sealedState() });
			this.snapshotOffset = position.offset;
			this.tiers.deleteOrphans(Date.now());
		} catch {
			// Only a cache: the log alone gives the same figures, a little more slowly.
		}
	}

	private ingest(options: IngestOptions): Omit<RefreshStats, 'durationMs' | 'ingested'> {
		try {
			return this.ingestUnguarded(options);
		} catch (error) {
			// The index may now hold events the log does not: start again from the log next time.
			this.forgetMemory();
			throw error;
		}
	}

	private ingestUnguarded(options: IngestOptions): Omit<RefreshStats, 'durationMs' | 'ingested'> {
		const cursors = this.cursors;
		let filesRead = 0;
		let filesReset = 0;
		let bytesRead = 0;
		let malformedLines = 0;
		let eventsStored = 0;
		let filesReadByHelper = 0;

		// Each event goes into the index as soon as it is read (its columns hold it; the event object
		// dies young). The rows that changed are written to the log by `flush`: only the best copy of
		// each, so the log does not fill with superseded streamed fragments.
		const changedRows = this.changedRows;
		changedRows.take(); // none left by a refresh that failed part way
		const take = (event: UsageEvent): void => {
			const row = this.tiers.live.store(event);
			if (row >= 0) changedRows.add(row);
		};

		// Stores the rows that changed, then (at most every `cursorsEveryMs`, and at the end of a look at
		// every file) the cursors that cover them. A refresh of named files, the editor's hot path while
		// an assistant writes, leaves its cursors to the next save that is due: rewriting every file's
		// cursor after each line cost more than the refresh on a long history, and cursors that lag only
		// cost a re-read of lines the ledger already holds.
		let flushedAt = Date.now();
		const flush = (last: boolean): void => {
			flushedAt = Date.now();
			const rows = changedRows.take();
			eventsStored += rows.length;
			this.log.appendRows(this.tiers.live, rows);
			this.tiers.live.releaseText();
			if (this.tiers.sealIfFull()) this.saveSnapshotIfDue(true);
			const due = flushedAt - this.cursorsSavedAt >= cursorsEveryMs || (last && options.changed === undefined);
			if ((this.cursorsUnsaved || cursors.stale) && due) {
				this.cursorStore.save(cursors);
				this.cursorsUnsaved = false;
				this.cursorsSavedAt = flushedAt;
			}
		};
		const stored = (file: string, sourceIndex: number, cursor: FileCursor, read: number): void => {
			if (read > 0) filesRead++;
			bytesRead += read;
			cursors.set(file, cursor, sourceIndex);
			this.cursorsUnsaved = true;
			this.cursorChanges++;
			this.lock.touch();
			// Also as soon as the live rows are due to be sealed: they must be written before.
			if (changedRows.size >= flushEvents || (changedRows.size > 0 && (this.tiers.full || Date.now() - flushedAt > flushMs))) flush(false);
		};

		const { due, seen, complete } = this.filesDue(cursors, options.changed);
		const background = this.startBackgroundScan(due);
		// Each due file's part: 0 read here, 1 given to the helper, 2 handed back by it.
		const part = new Uint8Array(due.length);
		for (const at of background?.dueOfTask ?? []) part[at] = 1;
		// The helper's rows come into this index too, batch by batch: room for all of them at once. Their
		// key text is held only until written, a flush or a batch at a time: no room for all of it.
		reserveFor(this.tiers, due.newBytes(), false);
		const readOne = (at: number): void => {
			const sourceIndex = due.sourceOf(at);
			const source = this.options.sources[sourceIndex]!;
			const file = due.file(at);
			const stat = due.stat(at);
			const wal = due.wal(at);
			let cursor: FileCursor;
			let read: number;
			if (source.reader.kind === 'lines') {
				const previous = cursors.get(file);
				cursor = this.continueOrRestart(file, stat, previous, source.id);
				if (previous !== undefined && cursor.offset === 0 && previous.offset > 0) filesReset++;
				const malformedBefore = cursor.malformed;
				read = this.lineReader.read(file, stat, cursor, source.reader, take);
				malformedLines += cursor.malformed - malformedBefore;
			} else {
				// Rewritten whole: parse it all again; its diagnostics replace the previous ones.
				cursor = newCursor(source.id, stat);
				let parsed: ParsedRecords;
				try {
					parsed = source.reader.kind === 'document' ? source.reader.parse(fs.readFileSync(file), file) : source.reader.read(file);
				} catch (error) {
					parsed = { events: [], malformed: 1, issues: [{ line: 0, reason: `unreadable: ${error instanceof Error ? error.message : String(error)}` }] };
				}
				for (const event of parsed.events) take(event);
				cursor.malformed = parsed.malformed;
				cursor.issues = parsed.issues.slice(0, maxIssuesKept);
				cursor.offset = stat.size;
				read = stat.size;
				malformedLines += parsed.malformed;
			}
			cursor.walSize = wal?.size ?? -1;
			cursor.walMtimeMs = wal?.mtimeMs ?? -1;
			cursor.readAt = Date.now();
			stored(file, sourceIndex, cursor, read);
		};

		// A batch from the helper is merged as if this thread had read its files: rows that took a copy
		// are written with this thread's own. Its files' names are this thread's own strings, not the
		// copies that came with the batch, so the cursors and the log's strings hold each name once.
		const absorb = (batch: ScanBatch): void => {
			const names = new Map<string, string>();
			for (const { task } of batch.files) {
				const file = due.file(background!.dueOfTask[task]!);
				names.set(file, file);
			}
			const strings = batch.columns.strings.map((value) => names.get(value) ?? value);
			this.tiers.live.absorb(DedupeIndex.forAbsorbing({ ...batch.columns, strings }), (row) => changedRows.add(row));
			for (const { task, cursor, read } of batch.files) {
				const at = background!.dueOfTask[task]!;
				part[at] = 2;
				malformedLines += cursor.malformed;
				if (read > 0) filesReadByHelper++;
				stored(due.file(at), due.sourceOf(at), cursor, read);
			}
		};
		for (let at = 0; at < due.length; at++) {
			if (part[at] !== 0) continue;
			readOne(at);
			background?.scan.poll(absorb);
		}
		if (background !== undefined && !background.scan.finish(absorb)) {
			// The helper failed or gave up: read the files it handed back no batch for; nothing is lost.
			for (let at = 0; at < due.length; at++) if (part[at] === 1) readOne(at);
		}
		this.lineReader.release();
		// Files the tool deleted: their events stay in the ledger.
		if (complete && cursors.removeUnlisted() > 0) {
			this.cursorsUnsaved = true;
			this.cursorChanges++;
		}
		flush(true);
		return { filesSeen: seen, filesRead, filesReset, bytesRead, eventsStored, malformedLines, filesReadByHelper };
	}

	/**
	 * Every source file that exists, and those of them with something to read (`complete`); or, given
	 * the files that changed and all of them known from an earlier listing, only those of them.
	 * Which source listed each file is marked in the cursors; `seen` counts the files listed.
	 */
	private filesDue(cursors: CursorTable, changed: readonly string[] | undefined): { due: DueFiles; seen: number; complete: boolean } {
		const due = new DueFiles();
		const consider = (source: LogSource, sourceIndex: number, file: string, row: number): void => {
			let stat: FileStat;
			try {
				stat = statFile(file);
			} catch {
				return; // deleted between listing and reading
			}
			const database = source.reader.kind === 'database';
			const wal = database ? walStamp(file) : undefined;
			if (row >= 0 && cursors.unchanged(row, stat, wal)) {
				return;
			}
			// A database the tool writes all the time (Cursor's UI state) is read at most so often.
			if (database && row >= 0 && Date.now() - cursors.readAt(row) < (this.options.databaseIntervalMs ?? 0)) {
				return;
			}
			due.add(sourceIndex, file, stat, row >= 0, row >= 0 ? cursors.offsetAt(row) : 0, wal);
		};
		const known = changed?.map((file) => cursors.rowOf(file));
		if (changed !== undefined && known!.every((row) => row >= 0 && cursors.listedSource(row) >= 0)) {
			const seen = new Set<string>();
			changed.forEach((file, i) => {
				if (seen.has(file)) return;
				seen.add(file);
				const sourceIndex = cursors.listedSource(known![i]!);
				consider(this.options.sources[sourceIndex]!, sourceIndex, file, known![i]!);
			});
			return { due, seen: seen.size, complete: false };
		}
		cursors.beginListing();
		// Files with no cursor yet, each once however many sources list it.
		const fresh = new Set<string>();
		let seen = 0;
		this.options.sources.forEach((source, sourceIndex) => {
			for (const file of source.listFiles()) {
				const row = cursors.rowOf(file);
				if (row >= 0 ? !cursors.markListed(row, sourceIndex) : fresh.has(file)) continue;
				if (row < 0) fresh.add(file);
				seen++;
				consider(source, sourceIndex, file, row);
			}
		});
		return { due, seen, complete: true };
	}

	/**
	 * The cursors on disk; when another process wrote them, with which source listed each file taken
	 * over from the cursors held before, so a refresh of named files need not list every source again.
	 * Their file names are the log's copies, read just before.
	 */
	private loadCursors(): void {
		const loaded = this.cursorStore.load((file) => this.log.canonical(file));
		if (loaded !== this.cursors) loaded.adoptListing(this.cursors);
		this.cursors = loaded;
	}

	/**
	 * Hands part of the new line files to a helper thread when there are enough new bytes to be worth
	 * one (a first scan); undefined otherwise.
	 */
	private startBackgroundScan(due: DueFiles): { scan: BackgroundScan; dueOfTask: Int32Array } | undefined {
		const parallel = this.options.parallelScan;
		if (parallel === undefined || os.availableParallelism() < 2) return undefined;
		const fresh: number[] = [];
		let total = 0;
		for (let at = 0; at < due.length; at++) {
			if (due.isKnown(at) || this.options.sources[due.sourceOf(at)]!.reader.kind !== 'lines') continue;
			fresh.push(at);
			total += due.size(at);
		}
		if (total < (parallel.minBytes ?? defaultParallelMinBytes)) return undefined;
		// Largest first, each to the side further below its share.
		let mine = 0;
		let theirs = 0;
		const tasks: ScanTask[] = [];
		const dueOfTask: number[] = [];
		for (const at of fresh.sort((a, b) => due.size(b) - due.size(a))) {
			const size = due.size(at);
			if (theirs * (1 - helperShare) <= mine * helperShare) {
				theirs += size;
				const sourceIndex = due.sourceOf(at);
				tasks.push({ sourceIndex, sourceId: this.options.sources[sourceIndex]!.id, file: due.file(at), bytes: size });
				dueOfTask.push(at);
			} else {
				mine += size;
			}
		}
		const scan = BackgroundScan.start(parallel, tasks);
		return scan === undefined ? undefined : { scan, dueOfTask: Int32Array.from(dueOfTask) };
	}

	/** The cursor to read on from, or a fresh one when the file is not the one we read before. */
	private continueOrRestart(file: string, stat: FileStat, previous: FileCursor | undefined, source: LogSource['id']): FileCursor {
		const restart = newCursor(source, stat);
		if (previous === undefined || previous.dev !== stat.dev || previous.ino !== stat.ino || stat.size < previous.offset) {
			return restart;
		}
		if (previous.headLength > 0 && headHash(readRange(file, 0, previous.headLength)) !== previous.headHash) {
			return restart; // rewritten in place with new content
		}
		return previous;
	}
}

interface IngestOptions {
	/** Only these files changed (see `refresh`). */
	readonly changed?: readonly string[] | undefined;
}

function emptyStats(): Omit<RefreshStats, 'durationMs' | 'ingested'> {
	return { filesSeen: 0, filesRead: 0, filesReset: 0, bytesRead: 0, eventsStored: 0, malformedLines: 0, filesReadByHelper: 0 };
}
