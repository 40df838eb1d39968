import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { SourceStatus } from '../engine/sourceStatus';
import type { FromWorker, Snapshot, ToWorker } from '../engine/workerProtocol';
import type { DashboardSnapshot, DateKey } from '../shared/viewModels';
import type { EditorContext } from '../sources/registry';
import { startLedgerProcess } from './ledgerProcess';
import type { Logger } from './logger';
import { RefreshQueue } from './refreshQueue';

/**
 * The extension host's handle on the ledger's process (see `startLedgerProcess`). Refresh requests
 * that arrive while one is running are folded into a single follow-up (`RefreshQueue`).
 */
export class LedgerClient implements vscode.Disposable {
	private worker: ChildProcess;
	private nextId = 1;
	private readonly waiting = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
	private readonly refreshes = new RefreshQueue((changed) => this.requestSnapshot(false, changed));
	private readonly snapshotEmitter = new vscode.EventEmitter<Snapshot>();
	/** Fires after every successful refresh. */
	readonly onSnapshot = this.snapshotEmitter.event;
	private disposed = false;
	/** Until the first refresh the process's ledger is empty in memory (it loads on refresh). */
	private refreshed = false;
	/** What the process was last configured with: a restarted process is configured the same. */
	private configuration: ToWorker | undefined;
	/** When the process was restarted lately (see `restartLater`). */
	private restarts: number[] = [];
	private restartTimer: NodeJS.Timeout | undefined;

	constructor(private readonly extensionPath: string, private readonly logger: Logger) {
		this.worker = this.start();
	}

	private start(): ChildProcess {
		const worker = startLedgerProcess(this.extensionPath);
		worker.on('message', (message: FromWorker) => this.receive(message));
		worker.on('error', (error) => this.logger.error('Ledger process failed', error));
		worker.stderr?.setEncoding('utf8');
		worker.stderr?.on('data', (text: string) => this.logger.warn(`Ledger process: ${text.trimEnd()}`));
		worker.on('exit', (code, signal) => {
			for (const { reject } of this.waiting.values()) reject(new Error('The ledger process stopped.'));
			this.waiting.clear();
			if (this.disposed) return;
			this.logger.error(`Ledger process exited with ${signal ?? `code ${code}`}`);
			this.restartLater();
		});
		return worker;
	}

	/**
	 * Starts the process again after it died (killed, or out of memory), so the status bar does not
	 * stay stale until the window reloads: at once, then after 1 and 2 s; past three restarts in a
	 * minute it stays down (something is wrong each time) and says so.
	 */
	private restartLater(): void {
		const now = Date.now();
		this.restarts = this.restarts.filter((at) => now - at < 60_000);
		if (this.restarts.length >= restartsPerMinute) {
			this.logger.error(`The ledger process stopped ${restartsPerMinute} times within a minute; it stays stopped until the window reloads.`);
			return;
		}
		const delay = this.restarts.length * 1_000;
		this.restarts.push(now + delay);
		this.restartTimer = setTimeout(() => {
			if (this.disposed) return;
			this.worker = this.start();
			this.refreshed = false;
			if (this.configuration !== undefined) this.send(this.configuration);
			this.logger.info('Ledger process restarted');
			void this.refresh().catch(() => undefined);
		}, delay);
	}

	configure(settings: Record<string, unknown>, editor: EditorContext): void {
		this.configuration = { type: 'configure', settings, env: { ...process.env }, home: os.homedir(), editor };
		this.send(this.configuration);
	}

	/** Each source: found where, how many requests, exact or estimated, problems (the doctor). */
	async sources(): Promise<readonly SourceStatus[]> {
		const reply = await this.request((id) => ({ type: 'sources', id }));
		if (reply.type !== 'sources') throw new Error(`Unexpected reply ${reply.type}`);
		return reply.sources;
	}

	/** The weekly cost dashboard for the week that contains `week` (null: this week), aggregated in the worker. */
	async dashboard(week: DateKey | null): Promise<DashboardSnapshot> {
		if (!this.refreshed) await this.refresh();
		const reply = await this.request((id) => ({ type: 'dashboard', id, week }));
		if (reply.type !== 'dashboard') throw new Error(`Unexpected reply ${reply.type}`);
		return reply.dashboard;
	}

	/**
	 * Ingests new records and answers with today's totals. `changed`: only these files changed (a
	 * watcher's events); without it the worker looks at every file.
	 */
	refresh(changed?: readonly string[]): Promise<Snapshot> {
		return this.refreshes.request(changed);
	}

	rebuild(): Promise<Snapshot> {
		return this.refreshes.settled().then(() => this.requestSnapshot(true, undefined));
	}

	dispose(): void {
		this.disposed = true;
		clearTimeout(this.restartTimer);
		this.snapshotEmitter.dispose();
		// Closing the channel ends the process once the request it is on (a write, perhaps) is done.
		if (this.worker.connected) this.worker.disconnect();
	}

	private async requestSnapshot(rebuild: boolean, changed: readonly string[] | undefined): Promise<Snapshot> {
		const reply = await this.request((id) => ({ type: 'refresh', id, rebuild, ...(changed === undefined ? {} : { changed }) }));
		if (reply.type !== 'snapshot') throw new Error(`Unexpected reply ${reply.type}`);
		return reply.snapshot;
	}

	private request(make: (id: number) => ToWorker): Promise<FromWorker> {
		const id = this.nextId++;
		return new Promise<FromWorker>((resolve, reject) => {
			this.waiting.set(id, { resolve, reject });
			this.send(make(id));
		});
	}

	private send(message: ToWorker): void {
		if (!this.worker.connected) {
			this.failed(message, 'The ledger process is not running.');
			return;
		}
		this.worker.send(message, (error) => {
			if (error !== null) this.failed(message, `The ledger process could not be reached: ${error.message}`);
		});
	}

	private failed(message: ToWorker, reason: string): void {
		if (message.type === 'configure') {
			this.logger.error(reason);
			return;
		}
		const pending = this.waiting.get(message.id);
		this.waiting.delete(message.id);
		pending?.reject(new Error(reason));
	}

	private receive(message: FromWorker): void {
		const pending = this.waiting.get(message.id);
		this.waiting.delete(message.id);
		switch (message.type) {
			case 'snapshot': {
				const { stats, memory } = message.snapshot;
				this.logger.debug(
					`Refresh: ${stats.filesRead}/${stats.filesSeen} files read${stats.filesReadByHelper > 0 ? ` (${stats.filesReadByHelper} on a helper thread)` : ''}, ${stats.bytesRead} bytes, ${stats.eventsStored} events stored, ${stats.malformedLines} malformed, ${stats.durationMs} ms; ledger process heap ${megabytes(memory.heapUsedBytes)} MB, buffers ${megabytes(memory.externalBytes)} MB, RSS ${megabytes(memory.rssBytes)} MB`,
				);
				this.refreshed = true;
				pending?.resolve(message);
				if (!this.disposed) this.snapshotEmitter.fire(message.snapshot);
				break;
			}
			case 'sources':
			case 'dashboard':
				pending?.resolve(message);
				break;
			case 'failed':
				pending?.reject(new Error(message.message));
				break;
			default: {
				const exhaustive: never = message;
				this.logger.warn(`Unknown message from the ledger process: ${JSON.stringify(exhaustive)}`);
			}
		}
	}
}

const restartsPerMinute = 3;

function megabytes(bytes: number): string {
	return (bytes / 2 ** 20).toFixed(1);
}
