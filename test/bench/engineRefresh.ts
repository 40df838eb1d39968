import * as fs from 'node:fs';
import * as path from 'node:path';
import { dayReport } from '../../src/core/report/reports';
import { currentEnvironment, openLedger, reportOptions } from '../../src/engine/engine';
import { capView, capViewRange } from '../../src/engine/capEvaluation';
import { defaultSettings } from '../../src/engine/settings';
import { assistantLine } from '../support/claudeCorpus';

/**
 * The engine's warm refresh, timed inside one process: the ledger is loaded (as the extension's
 * worker keeps it), 10 lines are appended to a transcript, then what the worker does on a refresh is
 * timed: the refresh, today's report and the cap view over the recent days. Each round times both
 * kinds the editor makes: a look at every file (its poll) and a look at the file a watcher named.
 * Prints JSON: {loadMs, refreshMs: number[], namedRefreshMs: number[], heapMB, rssMB}.
 */
const [liveFile, rounds] = [process.argv[2]!, Number(process.argv[3] ?? 5)];
const loadStarted = performance.now();
const ledger = openLedger(currentEnvironment(), defaultSettings);
ledger.refresh();
const loadMs = performance.now() - loadStarted;
const options = reportOptions(defaultSettings, 'UTC');
const refreshMs: number[] = [];
const namedRefreshMs: number[] = [];
for (let round = 0; round < rounds; round++) {
	for (const [times, changed] of [
		[refreshMs, undefined],
		[namedRefreshMs, [liveFile]],
	] as const) {
		const now = Date.now();
		fs.mkdirSync(path.dirname(liveFile), { recursive: true });
		fs.appendFileSync(liveFile, Array.from({ length: 10 }, (_, i) => assistantLine({ messageId: `msg_engine_${now}_${round}_${times.length}_${i}_${changed === undefined ? 'all' : 'named'}`, timestamp: now, inputTokens: 10, outputTokens: 20 })).join(''));
		const started = performance.now();
		const stats = ledger.refresh(changed);
		const recent = ledger.counted(capViewRange(now, options));
		dayReport(recent, { ...options, date: options.calendar.dateKey(now) });
		capView(recent, defaultSettings, undefined, now, options);
		times.push(performance.now() - started);
		if (stats.eventsStored !== 10) throw new Error(`expected 10 new events, stored ${stats.eventsStored}`);
		if (changed !== undefined && stats.filesSeen !== 1) throw new Error(`a named refresh looked at ${stats.filesSeen} files`);
	}
}
process.stdout.write(JSON.stringify({ loadMs, refreshMs, namedRefreshMs, heapMB: process.memoryUsage().heapUsed / 2 ** 20, rssMB: process.memoryUsage().rss / 2 ** 20 }));
