import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { defaultSettings } from '../../src/engine/settings';
import type { ScanSourcesData } from '../../src/engine/scanWorker';
import { createSources } from '../../src/engine/engine';
import { Ledger } from '../../src/ledger/ledger';
import type { Environment } from '../../src/sources/logSource';
import { noEditor } from '../../src/sources/registry';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { generateCodexCorpus } from '../support/codexCorpus';
import { loggedKeys, tempDir } from './helpers';

const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };
const workerFile = path.join(__dirname, '..', 'support', 'scanWorkerFromSource.mjs');
const failingLaterWorkerFile = path.join(__dirname, '..', 'support', 'scanWorkerFailingLater.mjs');

/** A home with Claude and Codex histories, each spread over many files. */
function machine(): { environment: Environment; ledgerDirs: () => string } {
	const root = tempDir();
	const home = path.join(root, 'home');
	generateClaudeCorpus({ configDir: path.join(home, '.claude'), sessions: 12, responsesPerSession: 25, end: Date.parse('2026-05-10T12:00:00Z'), days: 20, seed: 11, toolResultBytes: [100, 800], resumedShare: 0.3, truncateEvery: 40 });
	generateCodexCorpus({ codexHome: path.join(home, '.codex'), sessions: 8, callsPerSession: 20, end: Date.parse('2026-05-10T12:00:00Z'), days: 20, seed: 5 });
	let n = 0;
	return { environment: { home, env: {}, platform: 'linux' }, ledgerDirs: () => path.join(root, `ledger-${n++}`) };
}

/** `batchBytes`: how much the helper reads before it hands a batch back (by default, all of it at once). */
function ledgerFor(environment: Environment, ledgerDir: string, parallel: boolean, batchBytes = { first: 2 ** 40, then: 2 ** 40 }): Ledger {
	const sourcesData: ScanSourcesData = { environment, settings: defaultSettings, editor: noEditor };
	return new Ledger({
		home: ledgerDir,
		sources: createSources(environment, defaultSettings, noEditor),
		...(parallel ? { parallelScan: { workerFile, workerData: sourcesData, minBytes: 0, batchBytes } } : {}),
	});
}

/**
 * Costs rounded to a billionth of a dollar: the same requests summed in another order (the helper's
 * rows are merged after the ledger's own) may differ in the last bits of a double. Token counts and
 * requests are compared exactly.
 */
function rounded(value: unknown): unknown {
	return JSON.parse(JSON.stringify(value), (key, item: unknown) => (typeof item === 'number' && /cost/i.test(key) ? Math.round(item * 1e9) / 1e9 : item));
}

describe('First scan on two threads', () => {
	it('counts exactly what one thread counts, and goes on incrementally from there', () => {
		const { environment, ledgerDirs } = machine();
		const single = ledgerFor(environment, ledgerDirs(), false);
		const singleStats = single.refresh();
		const parallelDir = ledgerDirs();
		const parallel = ledgerFor(environment, parallelDir, true);
		const parallelStats = parallel.refresh();
		assert.ok(singleStats.filesRead > 10);
		assert.equal(singleStats.filesReadByHelper, 0);
		// The helper took its share (about half of the bytes), and the stats add up the same.
		assert.ok(parallelStats.filesReadByHelper > 3 && parallelStats.filesReadByHelper < parallelStats.filesRead - 3, String(parallelStats.filesReadByHelper));
		assert.deepEqual({ ...parallelStats, durationMs: 0, filesReadByHelper: 0 }, { ...singleStats, durationMs: 0 });
		assert.deepEqual(rounded(dailyReport(parallel.counted(), options)), rounded(dailyReport(single.counted(), options)));
		assert.deepEqual(parallel.diagnostics().sort((a, b) => a.file.localeCompare(b.file)), single.diagnostics().sort((a, b) => a.file.localeCompare(b.file)));
		// The helper's rows went into the log: every line decodes, with every string.
		assert.equal(parallel.damagedLines, 0);
		// What the helper read has cursors: a second refresh reads nothing, and a new process agrees.
		assert.equal(parallel.refresh().bytesRead, 0);
		const reopened = ledgerFor(environment, parallelDir, true);
		assert.equal(reopened.refresh().bytesRead, 0);
		assert.equal(reopened.damagedLines, 0);
		assert.deepEqual(rounded(dailyReport(reopened.counted(), options).totals), rounded(dailyReport(single.counted(), options).totals));
	});

	it('counts the same when the helper hands its files back in many batches, merged as they come', () => {
		const { environment, ledgerDirs } = machine();
		const singleDir = ledgerDirs();
		const single = ledgerFor(environment, singleDir, false);
		const singleStats = single.refresh();
		// A batch after every file: a copy of a request can come in any batch, or from this thread.
		const batchedDir = ledgerDirs();
		const batched = ledgerFor(environment, batchedDir, true, { first: 1, then: 1 });
		const batchedStats = batched.refresh();
		// The helper's key text reached the log as read: the same requests, spelled the same.
		assert.deepEqual(new Set(loggedKeys(batchedDir)), new Set(loggedKeys(singleDir)));
		assert.ok(batchedStats.filesReadByHelper > 3, String(batchedStats.filesReadByHelper));
		assert.deepEqual({ ...batchedStats, durationMs: 0, filesReadByHelper: 0 }, { ...singleStats, durationMs: 0 });
		assert.deepEqual(rounded(dailyReport(batched.counted(), options)), rounded(dailyReport(single.counted(), options)));
		assert.equal(batched.damagedLines, 0);
		assert.equal(batched.refresh().bytesRead, 0);
	});

	it('reads everything itself when the helper cannot start', () => {
		const { environment, ledgerDirs } = machine();
		const single = ledgerFor(environment, ledgerDirs(), false);
		const singleStats = single.refresh();
		const expected = dailyReport(single.counted(), options).totals;
		const broken = new Ledger({
			home: ledgerDirs(),
			sources: createSources(environment, defaultSettings, noEditor),
			parallelScan: { workerFile: path.join(tempDir(), 'missing.js'), workerData: {}, minBytes: 0 },
		});
		assert.equal(broken.refresh().filesReadByHelper, 0);
		assert.deepEqual(rounded(dailyReport(broken.counted(), options).totals), rounded(expected));
		const failing = new Ledger({
			home: ledgerDirs(),
			sources: createSources(environment, defaultSettings, noEditor),
			// The helper's sources differ from the ledger's (Claude turned off there): it answers with an
			// error rather than read with the wrong parser, and the ledger reads its files itself.
			parallelScan: { workerFile, workerData: { environment, settings: { ...defaultSettings, disabledSources: new Set(['claude-code']) }, editor: noEditor }, minBytes: 0 },
		});
		assert.equal(failing.refresh().filesReadByHelper, 0);
		assert.deepEqual(rounded(dailyReport(failing.counted(), options).totals), rounded(expected));
		// A helper that fails part way has handed back batches (one per file here, three files): those
		// count, and the ledger reads the rest of its files itself.
		const failingLater = new Ledger({
			home: ledgerDirs(),
			sources: createSources(environment, defaultSettings, noEditor),
			parallelScan: { workerFile: failingLaterWorkerFile, workerData: { environment, settings: defaultSettings, editor: noEditor }, minBytes: 0, batchBytes: { first: 1, then: 1 } },
		});
		const failingLaterStats = failingLater.refresh();
		assert.equal(failingLaterStats.filesReadByHelper, 3);
		// Each file read once: those of its batches are not read again.
		assert.deepEqual([failingLaterStats.filesRead, failingLaterStats.bytesRead], [singleStats.filesRead, singleStats.bytesRead]);
		assert.deepEqual(rounded(dailyReport(failingLater.counted(), options).totals), rounded(expected));
		assert.equal(failingLater.refresh().bytesRead, 0);
	});
});
