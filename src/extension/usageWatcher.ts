import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { Logger } from './logger';

/**
 * Tells when the assistants' records change, and which files. The folders lie outside the workspace,
 * so this uses Node's recursive watcher directly; a poll backs it up (folders created later, watch
 * limits, network file systems) and asks for a look at every file. Events are debounced into one
 * refresh of the files they named: while an assistant writes, a refresh then costs the same however
 * long the history.
 */
export class UsageWatcher implements vscode.Disposable {
	private watchers = new Map<string, fs.FSWatcher>();
	private poll: NodeJS.Timeout | undefined;
	private debounce: NodeJS.Timeout | undefined;
	private roots: readonly string[] = [];
	/** The files the events since the last change named; undefined once one named none. */
	private changedFiles: Set<string> | undefined = new Set();

	/** `onChange(changed)`: these files changed; undefined: any may have. */
	constructor(
		private readonly onChange: (changed: readonly string[] | undefined) => void,
		private readonly logger: Logger,
		private readonly debounceMs = 150,
	) {}

	/** (Re)starts watching these folders and polling at this interval. */
	watch(roots: readonly string[], pollSeconds: number): void {
		this.roots = roots;
		this.syncWatchers();
		if (this.poll !== undefined) clearInterval(this.poll);
		this.poll = setInterval(() => {
			this.syncWatchers(); // picks up folders that appeared since
			this.onChange(undefined);
		}, pollSeconds * 1000);
	}

	dispose(): void {
		if (this.poll !== undefined) clearInterval(this.poll);
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		for (const watcher of this.watchers.values()) watcher.close();
		this.watchers.clear();
	}

	private syncWatchers(): void {
		for (const [root, watcher] of this.watchers) {
			if (!this.roots.includes(root)) {
				watcher.close();
				this.watchers.delete(root);
			}
		}
		for (const root of this.roots) {
			if (this.watchers.has(root) || !fs.existsSync(root)) continue;
			try {
				const watcher = fs.watch(root, { recursive: true, persistent: false }, (_event, name) => this.changed(typeof name === 'string' ? path.join(root, name) : undefined));
				watcher.on('error', (error) => {
					this.logger.warn(`Watching ${root} failed (${String(error)}); polling continues.`);
					watcher.close();
					this.watchers.delete(root);
				});
				this.watchers.set(root, watcher);
				this.logger.debug(`Watching ${root}`);
			} catch (error) {
				this.logger.warn(`Cannot watch ${root} (${String(error)}); polling instead.`);
			}
		}
	}

	private changed(file: string | undefined): void {
		if (file === undefined) this.changedFiles = undefined;
		else this.changedFiles?.add(file);
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		this.debounce = setTimeout(() => {
			this.debounce = undefined;
			const changed = this.changedFiles;
			this.changedFiles = new Set();
			this.onChange(changed === undefined ? undefined : [...changed]);
		}, this.debounceMs);
	}
}
