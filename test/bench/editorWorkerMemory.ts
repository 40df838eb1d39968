import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker, Snapshot, ToWorker } from '../../src/engine/workerProtocol';
import { startLedgerProcess } from '../../src/extension/ledgerProcess';

/**
 * The editor's ledger process on a first ingest, measured as the extension runs it: `dist/worker.js`
 * started as the extension starts it, configured and refreshed through its protocol, from this
 * process standing in for the extension host. The environment (HOME, the tools' folders,
 * TOKEN_LEDGER_HOME) says what it reads. Prints JSON: the host's heap and RSS growth, the ledger
 * process's heap, buffers and RSS after the first refresh and after an idle one.
 */
const repoRoot = path.resolve(__dirname, '..', '..');
const megabytes = (bytes: number): number => Number((bytes / 2 ** 20).toFixed(1));

async function main(): Promise<void> {
	const before = process.memoryUsage();
	const ledger = startLedgerProcess(repoRoot);
	const answers = new Map<number, (snapshot: Snapshot) => void>();
	ledger.on('message', (message: FromWorker) => {
		if (message.type === 'snapshot') answers.get(message.id)?.(message.snapshot);
		else if (message.type === 'failed') throw new Error(message.message);
	});
	const send = (message: ToWorker): void => {
		ledger.send(message);
	};
	const refresh = (id: number): Promise<Snapshot> =>
		new Promise((resolve) => {
			answers.set(id, resolve);
			send({ type: 'refresh', id, rebuild: false });
		});
	send({ type: 'configure', settings: {}, env: { ...process.env }, home: os.homedir(), editor: { workspaceFolders: [], globalStorage: [], copilotOtelFiles: [] } });
	const started = performance.now();
	const first = await refresh(1);
	const firstMs = performance.now() - started;
	// A later refresh with nothing new, as the editor makes every few seconds: what the process keeps.
	await new Promise((resolve) => setTimeout(resolve, 2_000));
	const idle = await refresh(2);
	const after = process.memoryUsage();
	ledger.disconnect();
	process.stdout.write(
		JSON.stringify({
			firstRefreshMs: Math.round(firstMs),
			bytesRead: first.stats.bytesRead,
			hostHeapGrowthMB: megabytes(after.heapUsed - before.heapUsed),
			hostRssGrowthMB: megabytes(after.rss - before.rss),
			ledgerHeapAfterFirstMB: megabytes(first.memory.heapUsedBytes),
			ledgerBuffersAfterFirstMB: megabytes(first.memory.externalBytes),
			ledgerRssAfterFirstMB: megabytes(first.memory.rssBytes),
			ledgerHeapIdleMB: megabytes(idle.memory.heapUsedBytes),
			ledgerRssIdleMB: megabytes(idle.memory.rssBytes),
		}),
	);
}

void main();
