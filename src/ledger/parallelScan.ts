import * as fs from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { DedupeColumns } from '../core/usage/dedupe';
import { DedupeIndex } from '../core/usage/dedupe';
import type { SourceId, UsageEvent } from '../core/usage/usageEvent';
import type { LogSource } from '../sources/logSource';
import type { FileCursor } from './cursorTable';
import { newCursor } from './cursorTable';
import type { FileStat } from './lineFileReader';
import { LineFileReader, reserveFor, statFile } from './lineFileReader';

/**
 * A first scan of a long history is mostly parsing, and parsing files is independent work: a second
 * thread reads part of the new files while the ledger's own thread reads the rest. The helper thread
 * hands back what it read in batches of files, each the best copy of every request in those files
 * (columns, moved, not copied) with the files' cursors; the ledger merges each batch as it comes, as
 * if it had read those files itself, so the figures do not depend on who read what. Handing back
 * batches rather than one index at the end keeps the helper's share of the rows from being held
 * twice at the merge: at 5 GB of history that was about 45 MB of the scan's peak.
 *
 * The ledger's API is synchronous (the CLI and the editor's ledger process both call it), so batches
 * are taken with receiveMessageOnPort between the ledger's own files, and the last awaited with
 * Atomics.wait.
 */
export interface ParallelScanOptions {
	/** The helper's script: it creates the same sources from `workerData` and calls `runScanTasks`. */
	readonly workerFile: string;
	/** What the script needs to create the ledger's sources, in the same order (structured-cloned). */
	readonly workerData: unknown;
	/** New bytes below which one thread reads everything: starting a thread costs tens of milliseconds. */
	readonly minBytes?: number;
	/** Bytes of files after which the helper hands back its first batch, then each next (tests make them small). */
	readonly batchBytes?: { readonly first: number; readonly then: number };
}

/** One file for the helper: read from its start with the source at `sourceIndex` of the ledger's list. */
export interface ScanTask {
	readonly sourceIndex: number;
	readonly sourceId: SourceId;
	readonly file: string;
	/** Its size when listed. */
	readonly bytes: number;
}

export interface ScannedFile {
	/** Its task's place in the list the helper was given: the ledger knows its name and source from it. */
	readonly task: number;
	readonly cursor: FileCursor;
	readonly read: number;
}

/** One batch: the best copy of each request in its files, and their cursors. */
export interface ScanBatch {
	readonly columns: DedupeColumns;
	readonly files: readonly ScannedFile[];
}

/** What the helper's script receives as `workerData`. */
export interface ScanWorkerData {
	readonly sourcesData: unknown;
	readonly tasks: readonly ScanTask[];
	readonly batchBytes: { readonly first: number; readonly then: number };
	/** [state, batches posted]: state is `running`, `finished` or `failed`; both are waited on. */
	readonly signals: Int32Array;
	readonly port: MessagePort;
}

type ScanReply = { readonly ok: true; readonly batch: ScanBatch; readonly last: boolean } | { readonly ok: false; readonly message: string };

const running = 0;
const finished = 1;
const failed = 2;
const stateSlot = 0;
const postedSlot = 1;
/**
 * Batches of 64 MiB of files, but one batch for a helper's share of up to 512 MiB: merging a batch
 * costs several times more per row while that code is new to the JIT (37 ms for a first batch of
 * 8,500 rows, 1 µs a row later), which a 500 MB scan paid on its critical path (+50–80 ms in four
 * batches). A longer history has 64 MiB batches from the start: a first batch of 512 MiB (70,000
 * rows, merged while the ledger's own rows were about to be sealed) set the peak of a 5 GB scan
 * (about 220 MB against 180–200 MB).
 */
const defaultBatchBytes = { first: 512 * 1024 * 1024, then: 64 * 1024 * 1024 };

/**
 * A helper costs a fixed ~0.15 s (its thread starting, its rows merged, waiting for the slower side):
 * on this project's benchmark machine one thread read 100 MB in 0.32 s against 0.42 s with a helper,
 * and 500 MB in 0.89 s against 0.76 s; the two meet near 280 MB.
 */
export const defaultParallelMinBytes = 256 * 1024 * 1024;

/** Enough time for a slow disk; past it the ledger reads the files itself. */
const timeoutMs = 120_000;

/** A helper thread at work on some of the files. */
export class BackgroundScan {
	private taken = 0;
	/** No more batches will be taken: the last came, the helper failed, or the wait ended. */
	private over = false;
	/** The last batch came. */
	private complete = false;

	private constructor(
		private readonly worker: Worker,
		private readonly port: MessagePort,
		private readonly signals: Int32Array,
	) {}

	static start(options: ParallelScanOptions, tasks: readonly ScanTask[]): BackgroundScan | undefined {
		try {
			if (!fs.existsSync(options.workerFile)) return undefined;
			const signals = new Int32Array(new SharedArrayBuffer(8));
			const channel = new MessageChannel();
			const workerData: ScanWorkerData = { sourcesData: options.workerData, tasks, batchBytes: options.batchBytes ?? defaultBatchBytes, signals, port: channel.port2 };
			const worker = new Worker(options.workerFile, {
				workerData,
				transferList: [channel.port2],
				// A young generation as small as the CLI's: the same short-lived parsing garbage.
				resourceLimits: { maxYoungGenerationSizeMb: 12 },
			});
			worker.unref();
			// Failures are answered through the port; this only keeps an 'error' event from being unhandled.
			worker.on('error', () => undefined);
			return new BackgroundScan(worker, channel.port1, signals);
		} catch {
			return undefined;
		}
	}

	/** Hands `take` every batch posted so far, without waiting. */
	poll(take: (batch: ScanBatch) => void): void {
		while (!this.over && Atomics.load(this.signals, postedSlot) > this.taken) this.takeOne(take);
	}

	/**
	 * Blocks until the helper has handed back every batch, each given to `take`. False when it failed
	 * or took too long: the caller then reads the files that came in no batch, so nothing is lost.
	 */
	finish(take: (batch: ScanBatch) => void): boolean {
		const deadline = Date.now() + timeoutMs;
		try {
			while (!this.over && Date.now() < deadline) {
				// Read before the port: a helper that has signalled has posted whatever it signalled.
				const posted = Atomics.load(this.signals, postedSlot);
				const state = Atomics.load(this.signals, stateSlot);
				if (posted > this.taken) {
					this.takeOne(take);
					continue;
				}
				if (state !== running || this.worker.threadId === -1) return false; // failed, or could not even start
				Atomics.wait(this.signals, postedSlot, posted, 50);
			}
			return this.complete;
		} finally {
			this.over = true;
			this.port.close();
			void this.worker.terminate();
		}
	}

	private takeOne(take: (batch: ScanBatch) => void): void {
		const message = receiveMessageOnPort(this.port);
		this.taken++;
		const reply = message?.message as ScanReply | undefined;
		if (reply?.ok !== true) {
			this.over = true; // its failure: what it handed back stands, the rest is read by the caller
			return;
		}
		if (reply.last) {
			this.over = true;
			this.complete = true;
		}
		take(reply.batch);
	}
}

/**
 * The helper's side: reads every task's file from its start with the given sources (the same list
 * the ledger has), posting a batch whenever its files reach `batchBytes`, and the last at the end.
 */
export function runScanTasks(sources: readonly LogSource[], data: ScanWorkerData): void {
	const post = (reply: ScanReply, transfer: ArrayBuffer[]): void => {
		data.port.postMessage(reply, transfer);
		Atomics.add(data.signals, postedSlot, 1);
		Atomics.notify(data.signals, postedSlot);
	};
	try {
		let remaining = data.tasks.reduce((sum, task) => sum + task.bytes, 0);
		const reader = new LineFileReader();
		// The large first batch only where it is the only one (see `defaultBatchBytes`); on a longer
		// history, batches of the usual size from the start, so the ledger's thread never holds a large one.
		let batchBytes = remaining <= data.batchBytes.first ? data.batchBytes.first : data.batchBytes.then;
		const index = batchIndex(Math.min(remaining, batchBytes));
		let files: ScannedFile[] = [];
		let batched = 0;
		// One function for every file (it adds to the batch's index of the moment): the reader's hot
		// loop then always calls the same one.
		const take = (event: UsageEvent): void => {
			index.add(event);
		};
		// The batch's columns are copied, each as long as its rows, and the copies moved to the ledger's
		// thread; the index is emptied and keeps its columns and tables for the next batch. A new index
		// for each batch left its tables here as garbage: some 60 MB of buffers before a collection.
		const hand = (last: boolean): void => {
			const columns = copiedColumns(index.columns());
			const transfer: ArrayBuffer[] = [];
			for (const value of Object.values(columns)) {
				if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) transfer.push(value.buffer);
			}
			post({ ok: true, batch: { columns, files }, last }, transfer);
			if (!last) {
				index.releaseText();
				index.clear();
			}
		};
		for (let taskNumber = 0; taskNumber < data.tasks.length; taskNumber++) {
			const task = data.tasks[taskNumber]!;
			const source = sources[task.sourceIndex];
			if (source === undefined || source.id !== task.sourceId || source.reader.kind !== 'lines') {
				throw new Error(`source ${task.sourceIndex} is not ${task.sourceId} here`);
			}
			remaining -= task.bytes;
			let stat: FileStat;
			try {
				stat = statFile(task.file);
			} catch {
				continue; // deleted since it was listed: the ledger will not see it either
			}
			const cursor = newCursor(source.id, stat);
			const read = reader.read(task.file, stat, cursor, source.reader, take);
			cursor.readAt = Date.now();
			files.push({ task: taskNumber, cursor, read });
			batched += read;
			if (batched >= batchBytes && remaining > 0) {
				hand(false);
				batchBytes = data.batchBytes.then;
				files = [];
				batched = 0;
			}
		}
		hand(true);
		Atomics.store(data.signals, stateSlot, finished);
	} catch (error) {
		try {
			post({ ok: false, message: error instanceof Error ? error.message : String(error) }, []);
		} catch {
			// The ledger sees the state below.
		}
		Atomics.store(data.signals, stateSlot, failed);
	}
	Atomics.notify(data.signals, postedSlot);
}

/** Columns in buffers of their own, exactly as long as they are (and safe to move to another thread). */
function copiedColumns(columns: DedupeColumns): DedupeColumns {
	const copied: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(columns)) copied[name] = ArrayBuffer.isView(value) ? (value as Uint8Array).slice() : value;
	return copied as unknown as DedupeColumns;
}

function batchIndex(bytes: number): DedupeIndex {
	const index = new DedupeIndex();
	reserveFor(index, bytes, true);
	return index;
}
