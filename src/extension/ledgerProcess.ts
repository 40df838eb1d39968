import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import * as path from 'node:path';
import processSettings from '../engine/processSettings.json';

/**
 * Starts the ledger's own process (`dist/worker.js`), which the extension talks to over IPC.
 *
 * A process of its own, not a thread of the extension host: the host is shared by every extension,
 * and what a thread allocates stays in the host's memory. A first scan of 500 MB of history left the
 * host's RSS 30 to 70 MB larger with a thread (glibc keeps what the thread freed, and V8 returns a
 * busy heap's garbage only after seconds idle), against nothing with a process. The process also
 * runs with the CLI's memory settings (`processSettings.json`, explained in esbuild.js), which a
 * thread cannot have: V8 flags and the C library's are per process.
 *
 * It also runs with V8's `--optimize-for-size`: it lives as long as the editor, where memory at rest
 * counts for more than speed. On a 5 GB history its RSS after a start was 92–94 MB instead of
 * 112–114 MB (99 instead of 123–124 MB after an idle refresh), the start taking 430–480 ms instead of
 * 370–390 ms; a first ingest of it 9.4 s and 102 MB instead of 7.7 s and 111 MB. The CLI, which runs
 * for a moment, keeps its speed (a 10 GB first scan took 10 % longer with the flag).
 */
export function startLedgerProcess(extensionPath: string): ChildProcess {
	return fork(path.join(extensionPath, 'dist', 'worker.js'), [], {
		// Not the host's own flags (an inspector port, when the extension is debugged).
		execArgv: [...processSettings.nodeFlags, ...processSettings.ledgerProcessNodeFlags],
		// In VS Code the host runs on Electron's binary: this makes it run as plain Node.js.
		env: { ...process.env, ...processSettings.env, ELECTRON_RUN_AS_NODE: '1' },
		// Structured clone, as between threads: messages keep their shapes without JSON's limits.
		serialization: 'advanced',
		stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
	});
}
