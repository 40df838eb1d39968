import { workerData } from 'node:worker_threads';
import type { ScanWorkerData } from '../ledger/parallelScan';
import { runScanTasks } from '../ledger/parallelScan';
import type { Environment } from '../sources/logSource';
import type { EditorContext } from '../sources/registry';
import { createSources } from './engine';
import type { EngineSettings } from './settings';

/** What `openLedger` passes so that this thread creates the very sources the ledger has. */
export interface ScanSourcesData {
	readonly environment: Environment;
	readonly settings: EngineSettings;
	readonly editor: EditorContext;
}

/** The helper thread of a first scan: reads the files it is given, answers, and ends. */
const data = workerData as ScanWorkerData;
const { environment, settings, editor } = data.sourcesData as ScanSourcesData;
runScanTasks(createSources(environment, settings, editor), data);
