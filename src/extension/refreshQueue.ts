/**
 * Runs refreshes one at a time. A refresh asked for while another runs is folded into a single
 * follow-up that looks at the files every such request named, put together, or at every file when
 * any of them named none. A burst of file events then costs at most two passes.
 */
export class RefreshQueue<T> {
	private running: Promise<T> | undefined;
	private queued: Promise<T> | undefined;
	/** The files the follow-up is to look at; undefined: every file. */
	private queuedChanged: Set<string> | undefined;

	/** `run(changed)`: one refresh; `changed` undefined asks for a look at every file. */
	constructor(private readonly run: (changed: readonly string[] | undefined) => Promise<T>) {}

	request(changed?: readonly string[]): Promise<T> {
		if (this.running === undefined) {
			this.running = this.run(changed).finally(() => {
				this.running = undefined;
			});
			return this.running;
		}
		if (this.queued === undefined) {
			this.queuedChanged = changed === undefined ? undefined : new Set(changed);
			this.queued = this.running
				.catch(() => undefined)
				.then(() => {
					const next = this.queuedChanged;
					this.queued = undefined;
					this.queuedChanged = undefined;
					return this.request(next === undefined ? undefined : [...next]);
				});
		} else if (this.queuedChanged !== undefined) {
			if (changed === undefined) this.queuedChanged = undefined;
			else for (const file of changed) this.queuedChanged.add(file);
		}
		return this.queued;
	}

	/** Settles when the refresh running now (if any) has ended, however it ended. */
	settled(): Promise<void> {
		return (this.running ?? Promise.resolve()).then(
			() => undefined,
			() => undefined,
		);
	}
}
