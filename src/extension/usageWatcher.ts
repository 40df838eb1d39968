import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { Logger } from './logger';

/**
 * Tells when the assistants' records change. The folders lie outside the workspace, so this uses
 * Node's recursive watcher directly; a poll backs it up (folders created later, watch limits,
 * network file systems). Events are debounced into one refresh.
 */
export class UsageWatcher implements vscode.Disposable {
	private watchers = new Map<string, fs.FSWatcher>();
	private poll: NodeJS.Timeout | undefined;
	private debounce: NodeJS.Timeout | undefined;
	private roots: readonly string[] = [];

	constructor(
		private readonly onChange: () => void,
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
			this.onChange();
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
				const watcher = fs.watch(root, { recursive: true, persistent: false }, () => this.changed());
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

	private changed(): void {
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		this.debounce = setTimeout(() => {
			this.debounce = undefined;
			this.onChange();
		}, this.debounceMs);
	}
}
