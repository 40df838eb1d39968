import { monitorEventLoopDelay } from 'node:perf_hooks';
import type * as vscode from 'vscode';
import type { Logger } from './logger';

/**
 * Watches how long the extension host's event loop is held up, and says so in the log (debug level
 * every minute, a warning past 50 ms). The ledger works in its own process, so what shows here is the
 * host's own share: status-bar updates, messages, file-watch callbacks.
 */
export class EventLoopMonitor implements vscode.Disposable {
	private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
	private readonly timer: NodeJS.Timeout;
	private worstMs = 0;

	constructor(private readonly logger: Logger, intervalMs = 60_000) {
		this.histogram.enable();
		this.timer = setInterval(() => this.report(), intervalMs);
		this.timer.unref();
	}

	/** The longest delay seen since the last report, in ms (the histogram is in ns). */
	get maxDelayMs(): number {
		return Math.max(this.worstMs, this.histogram.max / 1e6);
	}

	private report(): void {
		const maxMs = this.histogram.max / 1e6;
		const p99Ms = this.histogram.percentile(99) / 1e6;
		this.worstMs = Math.max(this.worstMs, maxMs);
		const line = `Event loop delay over the last minute: max ${maxMs.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms`;
		if (maxMs > 50) this.logger.warn(`${line} (over 50 ms)`);
		else this.logger.debug(line);
		this.histogram.reset();
	}

	dispose(): void {
		clearInterval(this.timer);
		this.histogram.disable();
	}
}
