import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { FromWorker, Snapshot, ToWorker } from '../engine/workerProtocol';
import type { Logger } from './logger';

/**
 * The extension host's handle on the ledger worker. Refresh requests that arrive while one is
 * running are folded into a single follow-up, so a burst of file events costs at most two passes.
 */
export class LedgerClient implements vscode.Disposable {
	private readonly worker: Worker;
	private nextId = 1;
	private readonly waiting = new Map<number, { resolve: (s: Snapshot) => void; reject: (e: Error) => void }>();
	private running: Promise<Snapshot> | undefined;
	private queued: Promise<Snapshot> | undefined;
	private readonly snapshotEmitter = new vscode.EventEmitter<Snapshot>();
	/** Fires after every successful refresh. */
	readonly onSnapshot = this.snapshotEmitter.event;
	private disposed = false;

	constructor(extensionPath: string, private readonly logger: Logger) {
		this.worker = new Worker(path.join(extensionPath, 'dist', 'worker.js'));
		this.worker.on('message', (message: FromWorker) => this.receive(message));
		this.worker.on('error', (error) => this.logger.error('Ledger worker failed', error));
		this.worker.on('exit', (code) => {
			if (!this.disposed) this.logger.error(`Ledger worker exited with code ${code}`);
			for (const { reject } of this.waiting.values()) reject(new Error('The ledger worker stopped.'));
			this.waiting.clear();
		});
	}

	configure(settings: Record<string, unknown>): void {
		this.send({ type: 'configure', settings, env: { ...process.env }, home: os.homedir() });
	}

	/** Ingests new records and answers with today's totals. */
	refresh(): Promise<Snapshot> {
		if (this.running === undefined) {
			this.running = this.request(false).finally(() => {
				this.running = undefined;
			});
			return this.running;
		}
		this.queued ??= this.running
			.catch(() => undefined)
			.then(() => {
				this.queued = undefined;
				return this.refresh();
			});
		return this.queued;
	}

	rebuild(): Promise<Snapshot> {
		return (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.request(true));
	}

	dispose(): void {
		this.disposed = true;
		this.snapshotEmitter.dispose();
		void this.worker.terminate();
	}

	private request(rebuild: boolean): Promise<Snapshot> {
		const id = this.nextId++;
		return new Promise<Snapshot>((resolve, reject) => {
			this.waiting.set(id, { resolve, reject });
			this.send({ type: 'refresh', id, rebuild });
		});
	}

	private send(message: ToWorker): void {
		this.worker.postMessage(message);
	}

	private receive(message: FromWorker): void {
		const pending = this.waiting.get(message.id);
		this.waiting.delete(message.id);
		if (message.type === 'snapshot') {
			const { stats } = message.snapshot;
			this.logger.debug(
				`Refresh: ${stats.filesRead}/${stats.filesSeen} files read, ${stats.bytesRead} bytes, ${stats.eventsStored} events stored, ${stats.malformedLines} malformed, ${stats.durationMs} ms`,
			);
			pending?.resolve(message.snapshot);
			if (!this.disposed) this.snapshotEmitter.fire(message.snapshot);
		} else {
			pending?.reject(new Error(message.message));
		}
	}
}
