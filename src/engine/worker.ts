import { dayReport } from '../core/report/reports';
import type { WeekDashboardOptions } from '../core/report/weekDashboard';
import { weekDashboard, weekDashboardRange } from '../core/report/weekDashboard';
import type { Ledger } from '../ledger/ledger';
import type { Environment } from '../sources/logSource';
import { openLedger, reportOptions } from './engine';
import { capView, capViewRange } from './capEvaluation';
import { readCapOverride } from './capState';
import { describeSources } from './sourceStatus';
import type { EditorContext } from '../sources/registry';
import { noEditor } from '../sources/registry';
import type { EngineSettings } from './settings';
import { checkSettings, writeSharedSettings } from './settings';
import type { FromWorker, Snapshot, ToWorker } from './workerProtocol';

/**
 * The ledger's process beside the extension host (see `startLedgerProcess`): reading and parsing
 * logs never runs on the extension host's event loop, nor in its memory. It keeps the ledger in
 * memory, so a refresh touches only new bytes.
 */
let ledger: Ledger | undefined;
let settings: EngineSettings | undefined;
let environment: Environment | undefined;
let editor: EditorContext = noEditor;

function processMemory(): Snapshot['memory'] {
	const { heapUsed, external, rss } = process.memoryUsage();
	return { heapUsedBytes: heapUsed, externalBytes: external, rssBytes: rss };
}

function post(message: FromWorker): void {
	process.send!(message);
}

/** What a request needs: the ledger and what it was configured with. */
interface Configured {
	readonly ledger: Ledger;
	readonly settings: EngineSettings;
	readonly environment: Environment;
}

/** Answers request `id` with what `work` returns, or with why it could not. */
function answer(id: number, work: (configured: Configured) => FromWorker): void {
	if (ledger === undefined || settings === undefined || environment === undefined) {
		post({ type: 'failed', id, message: 'The ledger worker was not configured.' });
		return;
	}
	try {
		post(work({ ledger, settings, environment }));
	} catch (error) {
		post({ type: 'failed', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
	}
}

// The editor closed the channel (or went away): nothing is mid-write between messages.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
	switch (message.type) {
		case 'configure': {
			environment = { home: message.home, env: message.env, platform: process.platform };
			settings = checkSettings(message.settings).settings;
			editor = message.editor;
			// One thread, no helper: in code-server on two cores, 500 MB of history, the first scan took
			// 1.05–1.10 s alone (1.5 s in one run of five) against 1.12–1.40 s with a helper (the editor's
			// own processes use the other core), and the helper's memory comes on top.
			const next = openLedger(environment, settings, editor, { databaseIntervalMs: 10_000, helperThread: false });
			// Share the editor's settings with the CLI (prices, paths, zone) through the ledger folder.
			writeSharedSettings(next.home, message.settings);
			ledger = next;
			break;
		}
		case 'refresh':
			answer(message.id, ({ ledger, settings }) => {
				const stats = message.rebuild ? ledger.rebuild() : ledger.refresh(message.changed);
				const options = reportOptions(settings);
				const now = Date.now();
				const recent = ledger.counted(capViewRange(now, options));
				const today = dayReport(recent, { ...options, date: options.calendar.dateKey(now) });
				const cap = capView(recent, settings, readCapOverride(ledger.home), now, options);
				return {
					type: 'snapshot',
					id: message.id,
					snapshot: {
						today,
						cap,
						timeZone: options.calendar.timeZone,
						stats,
						diagnostics: ledger.diagnostics(),
						roots: ledger.roots,
						ledgerHome: ledger.home,
						at: now,
						memory: processMemory(),
					},
				};
			});
			break;
		case 'sources':
			answer(message.id, ({ ledger, settings, environment }) => {
				ledger.refresh();
				return { type: 'sources', id: message.id, sources: describeSources(ledger, environment, settings, editor) };
			});
			break;
		case 'dashboard':
			answer(message.id, ({ ledger, settings }) => {
				// Aggregated here, next to the events: only the week's figures cross to the extension host.
				const report = reportOptions(settings);
				const oldest = ledger.oldestCounted(report.sources);
				const options: WeekDashboardOptions = {
					...report,
					weekStart: settings.weekStart,
					now: Date.now(),
					...(message.week === null ? {} : { week: message.week }),
					dailyCapUSD: settings.cap.dailyUSD,
					...(oldest === undefined ? {} : { oldest }),
				};
				const dashboard = weekDashboard(ledger.counted(weekDashboardRange(options)), options);
				return { type: 'dashboard', id: message.id, dashboard: { dashboard, roots: ledger.roots } };
			});
			break;
		default: {
			const exhaustive: never = message;
			throw new Error(`Unknown message ${JSON.stringify(exhaustive)}`);
		}
	}
});
