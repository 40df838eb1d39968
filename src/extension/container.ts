import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EditorContext } from '../sources/registry';
import type { Snapshot } from '../engine/workerProtocol';
import { registerRescanCommand } from './commands/rescanCommand';
import { registerShowLogCommand } from './commands/showLogCommand';
import { registerShowSourcesCommand } from './commands/showSourcesCommand';
import { registerShowTodayCommand } from './commands/showTodayCommand';
import type { ConfigurationSnapshot } from './configuration';
import { affectsUs, readConfiguration } from './configuration';
import { LastSnapshotStore } from './lastSnapshotStore';
import { LedgerClient } from './ledgerClient';
import { Logger } from './logger';
import { StatusBarController } from './statusBarController';
import { UsageWatcher } from './usageWatcher';

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

	constructor(private readonly context: vscode.ExtensionContext) {
		this.logger = this.register(new Logger());
		this.store = new LastSnapshotStore(context.globalState);
		this.statusBar = this.register(new StatusBarController());
		this.statusBar.showStored(this.store.get(), Date.now());

		this.config = readConfiguration();
		this.client = this.register(new LedgerClient(context.extensionPath, this.logger));
		this.client.configure(this.config.raw, this.editorContext());
		this.watcher = this.register(new UsageWatcher(() => void this.refresh(), this.logger));
		this.register(this.client.onSnapshot((snapshot) => this.onSnapshot(snapshot)));

		this.register(registerShowTodayCommand(() => this.client.refresh()));
		this.register(registerRescanCommand(() => this.client.refresh()));
		this.register(registerShowLogCommand(this.logger));
		this.register(registerShowSourcesCommand(() => this.client.sources()));
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

	get statusBarText(): string {
		return this.statusBar.text;
	}

	get configurationErrors(): readonly string[] {
		return this.config.errors;
	}

	refresh(): Promise<Snapshot | undefined> {
		return this.client.refresh().catch((error: unknown) => {
			this.logger.error('Reading usage records failed', error);
			return undefined;
		});
	}

	dispose(): void {
		for (const disposable of this.disposables.splice(0).reverse()) {
			try {
				disposable.dispose();
			} catch (error) {
				this.logger.error("Dispose failed", error);
			}
		}
	}

	private register<T extends vscode.Disposable>(disposable: T): T {
		this.disposables.push(disposable);
		return disposable;
	}

	private onSnapshot(snapshot: Snapshot): void {
		this.latest = snapshot;
		const stored = { today: snapshot.today, timeZone: snapshot.timeZone, at: snapshot.at };
		this.statusBar.update(stored);
		void this.store.save(stored);
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
		};
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
