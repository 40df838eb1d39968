import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromWorker, Snapshot, ToWorker } from '../../src/engine/workerProtocol';
import { startLedgerProcess } from '../../src/extension/ledgerProcess';
import { median } from './measure';

/**
 * What a refresh costs in the editor's ledger process (`dist/worker.js`, started as the extension
 * starts it) once the history is ingested: a line is appended to the Claude Code log `LOG_FILE`, then
 * the process refreshes the file named (as on a watcher's event), then every file (as on the poll);
 * eight times. The environment (HOME, CLAUDE_CONFIG_DIR, TOKEN_LEDGER_HOME) says what it reads.
 * LOG_FILE is written to: point it into a copy of a corpus. Prints the medians as JSON.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
	const file = process.env.LOG_FILE;
	if (file === undefined) throw new Error('LOG_FILE names the log to append to (in a copy of a corpus)');
	const ledger = startLedgerProcess(repoRoot);
	const answers = new Map<number, (snapshot: Snapshot) => void>();
	ledger.on('message', (message: FromWorker) => {
		if (message.type === 'snapshot') answers.get(message.id)?.(message.snapshot);
		else if (message.type === 'failed') throw new Error(message.message);
	});
	let id = 0;
	const refresh = (changed?: string[]): Promise<Snapshot> =>
		new Promise((resolve) => {
			id++;
			answers.set(id, resolve);
			const message: ToWorker = { type: 'refresh', id, rebuild: false, ...(changed === undefined ? {} : { changed }) };
			ledger.send(message);
		});
	const configure: ToWorker = { type: 'configure', settings: {}, env: { ...process.env }, home: os.homedir(), editor: { workspaceFolders: [], globalStorage: [], copilotOtelFiles: [] } };
	ledger.send(configure);
	await refresh(); // the first ingest, or reading what the ledger holds
	const usageLine = fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.find((line) => line.includes('"usage"'));
	if (usageLine === undefined) throw new Error(`${file} holds no usage line to copy`);
	const named: number[] = [];
	const full: number[] = [];
	for (let i = 0; i < 8; i++) {
		fs.appendFileSync(file, `${usageLine.replace(/"msg_[^"]*"/, `"msg_refresh_${Date.now()}_${i}"`)}\n`);
		named.push((await refresh([file])).stats.durationMs);
		full.push((await refresh()).stats.durationMs);
	}
	ledger.disconnect();
	process.stdout.write(`${JSON.stringify({ namedFileMs: median(named), everyFileMs: median(full) })}\n`);
}

void main();
