import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PriceBook } from '../core/pricing/pricing';
import type { ReportOptions } from '../core/report/reports';
import type { SourceId } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';
import { ZonedCalendar } from '../core/time/zonedDate';
import { Ledger } from '../ledger/ledger';
import { ledgerHome } from '../ledger/ledgerHome';
import type { Environment, LogSource } from '../sources/logSource';
import type { EditorContext } from '../sources/registry';
import { createSource, noEditor, supportedSourceIds } from '../sources/registry';
import type { ScanSourcesData } from './scanWorker';
import type { EngineSettings } from './settings';

/** The machine as this process sees it: the same HOME and variables the assistants see. */
export function currentEnvironment(): Environment {
	return { home: os.homedir(), env: process.env, platform: process.platform };
}

export function systemTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The enabled sources, each with the user's extra locations. */
export function createSources(environment: Environment, settings: EngineSettings, editor: EditorContext = noEditor): LogSource[] {
	return supportedSourceIds
		.filter((id) => !settings.disabledSources.has(id))
		.flatMap((id) => createSource(id, environment, settings.extraPaths[id] ?? [], editor));
}

export interface OpenLedgerOptions {
	readonly lockTimeoutMs?: number;
	readonly databaseIntervalMs?: number;
	/** Whether a long first scan may take a second thread (default: yes). */
	readonly helperThread?: boolean;
}

export function openLedger(environment: Environment, settings: EngineSettings, editor: EditorContext = noEditor, options: OpenLedgerOptions = {}): Ledger {
	const { helperThread = true, ...timing } = options;
	// The helper thread's script is built next to this bundle; run from sources (tests), there is none.
	const workerFile = path.join(__dirname, 'scanWorker.js');
	const sourcesData: ScanSourcesData = { environment, settings, editor };
	return new Ledger({
		home: ledgerHome(environment),
		sources: createSources(environment, settings, editor),
		...(helperThread && fs.existsSync(workerFile) ? { parallelScan: { workerFile, workerData: sourcesData } } : {}),
		...timing,
	});
}

/**
 * Report options from settings, with the zone resolved: both faces use this so they agree. A source
 * the user turned off is left out of every figure, including what the ledger holds from before.
 */
export function reportOptions(settings: EngineSettings, timeZone?: string, onlySources?: ReadonlySet<SourceId>, prices?: PriceBook): ReportOptions {
	const wanted = [...(onlySources ?? sourceIds)].filter((id) => !settings.disabledSources.has(id));
	return {
		calendar: new ZonedCalendar(timeZone || settings.timeZone || systemTimeZone()),
		prices: prices ?? new PriceBook(settings.priceOverrides),
		...(onlySources === undefined && settings.disabledSources.size === 0 ? {} : { sources: new Set(wanted) }),
	};
}
