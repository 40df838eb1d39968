import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EditorContext } from '../sources/registry';
import type { Snapshot } from '../engine/workerProtocol';
import { registerOpenWeeklyCostCommand } from './commands/openWeeklyCostCommand';
import { registerRescanCommand } from './commands/rescanCommand';
import { registerShowLogCommand } from './commands/showLogCommand';
import { registerShowSourcesCommand } from './commands/showSourcesCommand';
import { registerSetDailyCapCommand } from './commands/setDailyCapCommand';
import { registerCopilotUsageCommands } from './commands/copilotUsageCommands';
import { CapNotifier } from './capNotifier';
import { registerShowTodayCommand } from './commands/showTodayCommand';
import type { ConfigurationSnapshot } from './configuration';
import { affectsUs, readConfiguration } from './configuration';
import { WeeklyCostDashboard } from './dashboard/weeklyCostDashboard';
import { LastSnapshotStore } from './lastSnapshotStore';
import { LedgerClient } from './ledgerClient';
import { Logger } from './logger';
import { StatusBarController } from './statusBarController';
import { UsageWatcher } from './usageWatcher';
import { EventLoopMonitor } from './eventLoopMonitor';

/**
 * The composition root: creates every part, wires them, and owns their disposal (in reverse order of
 * creation). Activation only builds these objects and shows the stored figure; the first scan runs
 * in the worker after activation has returned.
 */
export class Container implements vscode.Disposable {
	private readonly disposables: vscode.Disposable[] = [];
	private readonly logger: Logger;
	private readonly client: LedgerClient;
	private readonly statusBar: StatusBarController;
	private readonly store: LastSnapshotStore;
	private readonly watcher: UsageWatcher;
	private config: ConfigurationSnapshot;
	private watchedRoots = '';
	private reportedErrors = '';
	private latest: Snapshot | undefined;
	private readonly capNotifier: CapNotifier;
	private storedFigure = '';

	/** Milliseconds from activation to the stored figure in the status bar, and to the first fresh one. */
	readonly timings: { storedShownMs: number; firstSnapshotMs: number | null; longestSnapshotWorkMs: number } = {
		storedShownMs: 0,
		firstSnapshotMs: null,
		longestSnapshotWorkMs: 0,
	};
	private readonly eventLoop: EventLoopMonitor;

	constructor(
		private readonly context: vscode.ExtensionContext,
		private readonly activatedAt: number = performance.now(),
	) {
		this.logger = this.register(new Logger());
		this.eventLoop = this.register(new EventLoopMonitor(this.logger));
		this.store = new LastSnapshotStore(context.globalState);
		this.statusBar = this.register(new StatusBarController());
		this.statusBar.showStored(this.store.get(), Date.now());
		this.timings.storedShownMs = performance.now() - activatedAt;

		this.config = readConfiguration();
		this.client = this.register(new LedgerClient(context.extensionPath, this.logger));
		this.client.configure(this.config.raw, this.editorContext());
		this.watcher = this.register(new UsageWatcher((changed) => void this.refresh(changed), this.logger));
		this.register(this.client.onSnapshot((snapshot) => this.onSnapshot(snapshot)));

		this.register(registerShowTodayCommand(() => this.client.refresh()));
		this.register(registerRescanCommand(() => this.client.refresh()));
		this.register(registerShowLogCommand(this.logger));
		this.register(registerShowSourcesCommand(() => this.client.sources()));
		this.register(registerCopilotUsageCommands(context, this.copilotOtelFile, () => this.reconfigure()));
		this.register(registerSetDailyCapCommand(() => (this.latest === undefined ? this.refresh() : Promise.resolve(this.latest))));
		this.capNotifier = new CapNotifier(this.logger, () => void this.refresh());
		// Registered now so that a panel left open is restored after a reload; its page is built on first show.
		const weeklyCost = this.register(new WeeklyCostDashboard(context.extensionUri, this.client, this.logger));
		this.register(registerOpenWeeklyCostCommand(() => weeklyCost.open()));
		this.register(vscode.workspace.onDidChangeConfiguration((event) => this.onConfigurationChanged(event)));
		this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.reconfigure()));
		this.reportConfigurationErrors();

		const first = setTimeout(() => void this.refresh(), 0);
		this.register({ dispose: () => clearTimeout(first) });
	}

	/** The snapshot last shown; tests compare it with the CLI. */
	get lastSnapshot(): Snapshot | undefined {
		return this.latest;
	}

	/** The longest the extension host's event loop was held up so far, in ms. */
	get maxEventLoopDelayMs(): number {
		return this.eventLoop.maxDelayMs;
	}

	get statusBarText(): string {
		return this.statusBar.text;
	}

	get configurationErrors(): readonly string[] {
		return this.config.errors;
	}

	/** `changed`: the files a watcher saw change, when only those need a look. */
	refresh(changed?: readonly string[]): Promise<Snapshot | undefined> {
		return this.client.refresh(changed).catch((error: unknown) => {
			this.logger.error('Reading usage records failed', error);
			return undefined;
		});
	}

	dispose(): void {
		for (const disposable of this.disposables.splice(0).reverse()) {
			try {
				disposable.dispose();
			} catch (error) {
				this.logger.error('Dispose failed', error);
			}
		}
	}

	private register<T extends vscode.Disposable>(disposable: T): T {
		this.disposables.push(disposable);
		return disposable;
	}

	private onSnapshot(snapshot: Snapshot): void {
		const started = performance.now();
		try {
			this.showSnapshot(snapshot);
		} finally {
			// Our own share of the extension host's time per refresh (the monitor sees everyone's).
			this.timings.longestSnapshotWorkMs = Math.max(this.timings.longestSnapshotWorkMs, performance.now() - started);
		}
	}

	private showSnapshot(snapshot: Snapshot): void {
		if (this.timings.firstSnapshotMs === null) {
			this.timings.firstSnapshotMs = performance.now() - this.activatedAt;
			this.logger.info(
				`Status bar: stored figure after ${this.timings.storedShownMs.toFixed(1)} ms, fresh figure after ${this.timings.firstSnapshotMs.toFixed(0)} ms (${snapshot.stats.filesRead} files, ${snapshot.stats.bytesRead} bytes read)`,
			);
		}
		this.latest = snapshot;
		const stored = { today: snapshot.today, timeZone: snapshot.timeZone, at: snapshot.at, cap: snapshot.cap };
		this.statusBar.update(stored);
		this.capNotifier.onSnapshot(snapshot);
		// The stored figure only matters for the next activation: write it when it changed, not every poll.
		const figure = `${stored.today.date}|${stored.today.costUSD}|${stored.today.requests}|${stored.cap.state}`;
		if (figure !== this.storedFigure) {
			this.storedFigure = figure;
			void this.store.save(stored);
		}
		const roots = snapshot.roots.join('\n');
		if (roots !== this.watchedRoots) {
			this.watchedRoots = roots;
			this.watcher.watch(snapshot.roots, this.config.pollIntervalSeconds);
		}
		if (snapshot.stats.malformedLines > 0) {
			for (const file of snapshot.diagnostics) {
				for (const issue of file.issues) this.logger.warn(`${file.file}:${issue.line}: ${issue.reason} (line skipped)`);
			}
		}
	}

	private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
		if (!affectsUs(event)) return;
		this.config = readConfiguration();
		this.reportConfigurationErrors();
		this.reconfigure();
	}

	/** Hands the worker the current settings and folders, and reads again. */
	private reconfigure(): void {
		this.client.configure(this.config.raw, this.editorContext());
		this.watchedRoots = ''; // re-arm the watcher with the new poll interval and folders
		void this.refresh();
	}

	/** Workspace folders (per-repository records) and this editor's globalStorage (other extensions' tasks). */
	private editorContext(): EditorContext {
		return {
			workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath),
			globalStorage: this.context.globalStorageUri.scheme === 'file' ? [path.dirname(this.context.globalStorageUri.fsPath)] : [],
			copilotOtelFiles: [this.copilotOtelFile],
		};
	}

	/** Where Copilot Chat's OpenTelemetry export is pointed when the user turns it on. */
	private get copilotOtelFile(): string {
		return path.join(this.context.globalStorageUri.fsPath, 'copilot-chat-otel.jsonl');
	}

	private reportConfigurationErrors(): void {
		const errors = this.config.errors.join('\n');
		if (errors === this.reportedErrors) return;
		this.reportedErrors = errors;
		for (const error of this.config.errors) {
			this.logger.warn(error);
			void vscode.window.showWarningMessage(`Token Ledger: ${error}`, 'Open Settings').then((choice) => {
				if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'tokenLedger');
			});
		}
	}
}
