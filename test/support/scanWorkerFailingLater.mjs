// A first-scan helper thread that fails part way: after its first three files it no longer finds the
// ledger's sources (as if its sources had changed under it), so it stops with an error having
// handed back some batches. For the test that the ledger then reads the rest itself.
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/cjs/api';

register();
const require = createRequire(import.meta.url);
const { runScanTasks } = require('../../src/ledger/parallelScan.ts');
const { createSources } = require('../../src/engine/engine.ts');

const { environment, settings, editor } = workerData.sourcesData;
const sources = createSources(environment, settings, editor);
let lookedUp = 0;
const failingLater = new Proxy(sources, {
	get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) && ++lookedUp > 3 ? undefined : target[key]),
});
runScanTasks(failingLater, workerData);
