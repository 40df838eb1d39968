import * as os from 'node:os';
import { PriceBook } from '../core/pricing/pricing';
import type { ReportOptions } from '../core/report/reports';
import { ZonedCalendar } from '../core/time/zonedDate';
import { Ledger } from '../ledger/ledger';
import { ledgerHome } from '../ledger/ledgerHome';
import { claudeCodeSource } from '../sources/claudeCode/claudeCodeSource';
import type { Environment, LogSource } from '../sources/logSource';
import type { EngineSettings } from './settings';

/** The machine as this process sees it: the same HOME and variables the assistants see. */
export function currentEnvironment(): Environment {
	return { home: os.homedir(), env: process.env, platform: process.platform };
}

export function systemTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function createSources(environment: Environment, settings: EngineSettings): LogSource[] {
	return [claudeCodeSource(environment, settings.extraPaths['claude-code'] ?? [])];
}

export function openLedger(environment: Environment, settings: EngineSettings, lockTimeoutMs?: number): Ledger {
	return new Ledger({
		home: ledgerHome(environment),
		sources: createSources(environment, settings),
		...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
	});
}

/** Report options from settings, with the zone resolved: both faces use this so they agree. */
export function reportOptions(settings: EngineSettings, timeZone?: string): ReportOptions {
	return {
		calendar: new ZonedCalendar(timeZone || settings.timeZone || systemTimeZone()),
		prices: new PriceBook(settings.priceOverrides),
	};
}
