import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { Logger } from './logger';
import type { TreeWatch } from './treeWatcher';
import { watchTree } from './treeWatcher';

/**
 * Tells when the assistants' records change, and which files. The folders lie outside the workspace,
 * so this uses Node's watchers directly (see treeWatcher.ts); a poll backs it up (folders created later, watch
 * limits, network file systems) and asks for a look at every file. Events are debounced into one
 * refresh of the files they named: while an assistant writes, a refresh then costs the same however
 * long the history.
 *
 * A look at every file stats each one: 200 ms at 22,000 files. While every folder that exists is
 * watched, the poll asks for one only every `fullLookSeconds` (it catches what a watcher missed);
 * at every tick only while some folder cannot be watched, and at once when a folder starts being
 * watched (files may have come before its watcher).
 */
export class UsageWatcher implements vscode.Disposable {
	private watchers = new Map<string, TreeWatch>();
	private poll: NodeJS.Timeout | undefined;
	private debounce: NodeJS.Timeout | undefined;
	private roots: readonly string[] = [];
	/** The files the events since the last change named; undefined once one named none. */
	private changedFiles: Set<string> | undefined = new Set();
	private ticksPerFullLook = 1;
	private ticksSinceFullLook = 0;

	/** `onChange(changed)`: these files changed; undefined: any may have. */
	constructor(
		private readonly onChange: (changed: readonly string[] | undefined) => void,
		private readonly logger: Logger,
		private readonly debounceMs = 150,
		private readonly fullLookSeconds = 60,
	) {}

	/** (Re)starts watching these folders and polling at this interval. */
	watch(roots: readonly string[], pollSeconds: number): void {
		this.roots = roots;
		this.syncWatchers();
		this.ticksPerFullLook = Math.max(1, Math.round(this.fullLookSeconds / pollSeconds));
		this.ticksSinceFullLook = 0;
		if (this.poll !== undefined) clearInterval(this.poll);
		this.poll = setInterval(() => this.tick(), pollSeconds * 1000);
	}

	/** One poll: watches folders that appeared since, and asks for a look at every file when one is due. */
	tick(): void {
		const { started, unwatched } = this.syncWatchers();
		this.ticksSinceFullLook++;
		if (started || unwatched || this.ticksSinceFullLook >= this.ticksPerFullLook) {
			this.ticksSinceFullLook = 0;
			this.onChange(undefined);
		}
	}

	dispose(): void {
		if (this.poll !== undefined) clearInterval(this.poll);
		if (this.debounce !== undefined) clearTimeout(this.debounce);
		for (const watcher of this.watchers.values()) watcher.close();
		this.watchers.clear();
	}

	/**
	 * Watches every root that exists; says whether it started any, and whether one that exists is not
	 * watched (in full: a folder below it may be over the system's limit of watches).
	 */
	private syncWatchers(): { started: boolean; unwatched: boolean } {
		let started = false;
		let unwatched = false;
		for (const [root, watch] of this.watchers) {
			// A root that went is watched again when it comes back (its watch would report nothing).
			if (!this.roots.includes(root) || !fs.existsSync(root)) {
				watch.close();
				this.watchers.delete(root);
			} else if (!watch.complete) {
				unwatched = true;
			}
		}
		for (const root of this.roots) {
			if (this.watchers.has(root) || !fs.existsSync(root)) continue;
			try {
				const watch = watchTree(root, {
					changed: (file) => this.changed(file),
					failed: (error) => {
						this.logger.warn(`Watching ${root} failed (${String(error)}); polling continues.`);
						this.watchers.delete(root);
					},
				});
				this.watchers.set(root, watch);
				started = true;
				this.logger.debug(`Watching ${root}`);
			} catch (error) {
				unwatched = true;
				this.logger.warn(`Cannot watch ${root} (${String(error)}); polling instead.`);
			}
		}
		return { started, unwatched };
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
