import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * A cross-process lock: one writer at a time, whichever process it is (two VS Code windows and the
 * CLI). The lock is a file created exclusively; it holds the owner's pid and host. A lock whose
 * owner died (same host, pid gone) or that has not been touched for `staleMs` is taken over.
 */
export class FileLock {
	private held = false;
	private touchedAt = 0;

	constructor(
		private readonly file: string,
		private readonly staleMs = 120_000,
	) {}

	/** Waits up to `timeoutMs`; returns false when another process keeps the lock that long. */
	acquire(timeoutMs: number): boolean {
		const deadline = Date.now() + timeoutMs;
		const owner = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
		for (;;) {
			try {
				fs.writeFileSync(this.file, owner, { flag: 'wx' });
				this.held = true;
				return true;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
					throw error;
				}
			}
			this.takeOverIfStale();
			if (Date.now() >= deadline) {
				return false;
			}
			sleep(25);
		}
	}

	/** Long work calls this now and then so that the lock is not mistaken for an abandoned one. */
	touch(): void {
		if (this.held && Date.now() - this.touchedAt > 1_000) {
			this.touchedAt = Date.now();
			const now = new Date();
			try {
				fs.utimesSync(this.file, now, now);
			} catch {
				// The lock was taken over after all; the write that follows is still deduplicated.
			}
		}
	}

	release(): void {
		if (!this.held) {
			return;
		}
		this.held = false;
		try {
			const content = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { pid?: number; host?: string };
			if (content.pid === process.pid && content.host === os.hostname()) {
				fs.unlinkSync(this.file);
			}
		} catch {
			// Already gone.
		}
	}

	private takeOverIfStale(): void {
		let content: string;
		let modified: number;
		try {
			content = fs.readFileSync(this.file, 'utf8');
			modified = fs.statSync(this.file).mtimeMs;
		} catch {
			return; // released meanwhile
		}
		if (!isStale(content, modified, this.staleMs)) {
			return;
		}
		// Re-read just before removing, so that a lock another process has just re-created survives.
		try {
			if (fs.readFileSync(this.file, 'utf8') === content) {
				fs.unlinkSync(this.file);
			}
		} catch {
			// Someone else took it over first.
		}
	}
}

function isStale(content: string, modifiedMs: number, staleMs: number): boolean {
	if (Date.now() - modifiedMs > staleMs) {
		return true;
	}
	try {
		const owner = JSON.parse(content) as { pid?: unknown; host?: unknown };
		if (owner.host === os.hostname() && typeof owner.pid === 'number') {
			return !isAlive(owner.pid);
		}
		return false;
	} catch {
		// A lock file cut short by a crash while being written: old enough means abandoned.
		return Date.now() - modifiedMs > 2_000;
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread (the CLI or the ledger worker, never the extension host's). */
export function sleep(ms: number): void {
	Atomics.wait(sleeper, 0, 0, ms);
}
