import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, Snapshot, ToWorker } from '../../src/engine/workerProtocol';

/**
 * The editor's ledger thread on a first ingest, measured as the extension runs it: `dist/worker.js`
 * in a worker thread with the extension's resource limits, configured and refreshed through its
 * protocol, in this process standing in for the extension host. The environment (HOME, the tools'
 * folders, TOKEN_LEDGER_HOME) says what it reads. Prints JSON: the host isolate's heap growth, the
 * ledger thread's heap and buffers after the first refresh and after an idle one, and the process's
 * RSS growth.
 */
const repoRoot = path.resolve(__dirname, '..', '..');
const megabytes = (bytes: number): number => Number((bytes / 2 ** 20).toFixed(1));

async function main(): Promise<void> {
	const before = process.memoryUsage();
	const worker = new Worker(path.join(repoRoot, 'dist', 'worker.js'), { resourceLimits: { maxYoungGenerationSizeMb: 12 } });
	const answers = new Map<number, (snapshot: Snapshot) => void>();
	worker.on('message', (message: FromWorker) => {
		if (message.type === 'snapshot') answers.get(message.id)?.(message.snapshot);
		else if (message.type === 'failed') throw new Error(message.message);
	});
	const send = (message: ToWorker): void => worker.postMessage(message);
	const refresh = (id: number): Promise<Snapshot> =>
		new Promise((resolve) => {
			answers.set(id, resolve);
			send({ type: 'refresh', id, rebuild: false });
		});
	send({ type: 'configure', settings: {}, env: { ...process.env }, home: os.homedir(), editor: { workspaceFolders: [], globalStorage: [], copilotOtelFiles: [] } });
	const started = performance.now();
	const first = await refresh(1);
	const firstMs = performance.now() - started;
	// A later refresh with nothing new, as the editor makes every few seconds: what the thread keeps.
	await new Promise((resolve) => setTimeout(resolve, 2_000));
	const idle = await refresh(2);
	const after = process.memoryUsage();
	await worker.terminate();
	process.stdout.write(
		JSON.stringify({
			firstRefreshMs: Math.round(firstMs),
			bytesRead: first.stats.bytesRead,
			hostHeapGrowthMB: megabytes(after.heapUsed - before.heapUsed),
			threadHeapAfterFirstMB: megabytes(first.memory.heapUsedBytes),
			threadBuffersAfterFirstMB: megabytes(first.memory.externalBytes),
			threadHeapIdleMB: megabytes(idle.memory.heapUsedBytes),
			threadBuffersIdleMB: megabytes(idle.memory.externalBytes),
			processRssGrowthMB: megabytes(after.rss - before.rss),
		}),
	);
}

void main();
