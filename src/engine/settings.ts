import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PriceOverrides } from '../core/pricing/priceOverrides';
import { validatePriceOverrides } from '../core/pricing/priceOverrides';
import type { WeekStart } from '../core/time/zonedDate';
import { isValidTimeZone } from '../core/time/zonedDate';
import type { SourceId } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';
import type { CapSettings } from '../core/budget/dailyCap';
import { defaultThresholds, validateThresholds } from '../core/budget/dailyCap';

/**
 * The settings the engine needs, whichever face runs it. The extension mirrors its VS Code settings
 * into `settings.json` in the ledger folder, so the CLI prices and locates exactly as the editor does.
 */
export interface EngineSettings {
	/** IANA zone; empty for the system's. */
	readonly timeZone: string;
	readonly weekStart: WeekStart;
	readonly priceOverrides: PriceOverrides;
	/** Sources the user turned off. */
	readonly disabledSources: ReadonlySet<SourceId>;
	/** Extra folders (or files) per source, beside the ones the tools use by default. */
	readonly extraPaths: Readonly<Partial<Record<SourceId, readonly string[]>>>;
	readonly cap: CapSettings;
	/** Sources paid by subscription: their amounts are API-equivalent value, not money spent. */
	readonly subscriptions: Readonly<Partial<Record<SourceId, { readonly monthlyUSD: number | null }>>>;
}

export const defaultSettings: EngineSettings = {
	timeZone: '',
	weekStart: 'monday',
	priceOverrides: {},
	disabledSources: new Set(),
	extraPaths: {},
	cap: { dailyUSD: null, thresholds: defaultThresholds, scope: 'all' },
	subscriptions: {},
};

/** The settings key of a source: `claude-code` → `claudeCode` (tokenLedger.sources.claudeCode.*). */
export function sourceSettingKey(id: SourceId): string {
	return id.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export interface SettingsCheck {
	readonly settings: EngineSettings;
	/** One clear sentence per rejected value; the rest of the settings still apply. */
	readonly errors: readonly string[];
}

/** Validates raw settings (from VS Code or the shared file); bad values fall back to defaults. */
export function checkSettings(raw: Record<string, unknown>): SettingsCheck {
	const errors: string[] = [];
	let timeZone = defaultSettings.timeZone;
	if (typeof raw['timeZone'] === 'string' && raw['timeZone'].trim() !== '') {
		if (isValidTimeZone(raw['timeZone'].trim())) {
			timeZone = raw['timeZone'].trim();
		} else {
			errors.push(`timeZone "${raw['timeZone']}" is not an IANA time zone (e.g. Europe/Berlin); using the system zone.`);
		}
	} else if (raw['timeZone'] !== undefined && raw['timeZone'] !== '' && typeof raw['timeZone'] !== 'string') {
		errors.push('timeZone must be a string such as "Europe/Berlin".');
	}
	let weekStart = defaultSettings.weekStart;
	if (raw['weekStart'] === 'monday' || raw['weekStart'] === 'sunday') {
		weekStart = raw['weekStart'];
	} else if (raw['weekStart'] !== undefined) {
		errors.push(`weekStart must be "monday" or "sunday", not ${JSON.stringify(raw['weekStart'])}.`);
	}
	const overrides = validatePriceOverrides(raw['priceOverrides']);
	errors.push(...overrides.errors);
	const extraPaths: Partial<Record<SourceId, string[]>> = {};
	const disabledSources = new Set<SourceId>();
	const sources = raw['sources'];
	if (sources !== undefined && (typeof sources !== 'object' || sources === null || Array.isArray(sources))) {
		errors.push('sources must be an object of source settings.');
	}
	const perSource = typeof sources === 'object' && sources !== null ? (sources as Record<string, unknown>) : {};
	for (const id of sourceIds) {
		const entry = perSource[sourceSettingKey(id)];
		if (entry === undefined || entry === null) continue;
		const name = `sources.${sourceSettingKey(id)}`;
		if (typeof entry !== 'object' || Array.isArray(entry)) {
			errors.push(`${name} must be an object like {"enabled": true, "extraPaths": []}.`);
			continue;
		}
		const { enabled, extraPaths: paths } = entry as Record<string, unknown>;
		if (enabled === false) disabledSources.add(id);
		else if (enabled !== undefined && enabled !== true) errors.push(`${name}.enabled must be true or false.`);
		if (Array.isArray(paths) && paths.every((path) => typeof path === 'string')) {
			extraPaths[id] = paths.map((path) => path.trim()).filter((path) => path !== '');
		} else if (paths !== undefined) {
			errors.push(`${name}.extraPaths must be a list of paths.`);
		}
	}
	const cap = checkCap(raw, errors);
	const subscriptions = checkBilling(raw['billing'], errors);
	return { settings: { timeZone, weekStart, priceOverrides: overrides.overrides, disabledSources, extraPaths, cap, subscriptions }, errors };
}

function checkCap(raw: Record<string, unknown>, errors: string[]): CapSettings {
	let dailyUSD: number | null = null;
	const value = raw['dailyCap'];
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		dailyUSD = value;
	} else if (value !== undefined && value !== null && value !== 0) {
		errors.push(`dailyCap must be an amount in USD above 0 (or empty for no cap), not ${JSON.stringify(value)}.`);
	}
	const thresholds = validateThresholds(raw['capThresholds']);
	if (thresholds.error !== undefined) errors.push(thresholds.error);
	let scope: CapSettings['scope'] = 'all';
	if (raw['capScope'] === 'payPerToken') scope = 'payPerToken';
	else if (raw['capScope'] !== undefined && raw['capScope'] !== 'all') errors.push(`capScope must be "all" or "payPerToken", not ${JSON.stringify(raw['capScope'])}.`);
	return { dailyUSD, thresholds: thresholds.thresholds, scope };
}

function checkBilling(raw: unknown, errors: string[]): Partial<Record<SourceId, { monthlyUSD: number | null }>> {
	const subscriptions: Partial<Record<SourceId, { monthlyUSD: number | null }>> = {};
	if (raw === undefined || raw === null) return subscriptions;
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		errors.push('billing must be an object of source → {"mode": "subscription", "monthlyUSD": 200}.');
		return subscriptions;
	}
	for (const id of sourceIds) {
		const entry = (raw as Record<string, unknown>)[sourceSettingKey(id)];
		if (entry === undefined) continue;
		const name = `billing.${sourceSettingKey(id)}`;
		if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
			errors.push(`${name} must be an object like {"mode": "subscription", "monthlyUSD": 200}.`);
			continue;
		}
		const { mode, monthlyUSD } = entry as Record<string, unknown>;
		if (mode !== 'subscription' && mode !== 'payPerToken') {
			errors.push(`${name}.mode must be "payPerToken" or "subscription".`);
			continue;
		}
		if (monthlyUSD !== undefined && !(typeof monthlyUSD === 'number' && Number.isFinite(monthlyUSD) && monthlyUSD >= 0)) {
			errors.push(`${name}.monthlyUSD must be an amount in USD.`);
		}
		if (mode === 'subscription') subscriptions[id] = { monthlyUSD: typeof monthlyUSD === 'number' && monthlyUSD >= 0 ? monthlyUSD : null };
	}
	return subscriptions;
}

export function sharedSettingsFile(home: string): string {
	return path.join(home, 'settings.json');
}

export function readSharedSettings(home: string): SettingsCheck {
	let text: string;
	try {
		text = fs.readFileSync(sharedSettingsFile(home), 'utf8');
	} catch {
		return { settings: defaultSettings, errors: [] };
	}
	try {
		const raw = JSON.parse(text) as unknown;
		if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
			return checkSettings(raw as Record<string, unknown>);
		}
	} catch {
		// fall through
	}
	return { settings: defaultSettings, errors: [`${sharedSettingsFile(home)} is not valid JSON; using defaults.`] };
}

/** Written atomically; only when the content changes, so windows do not rewrite it in turn. */
export function writeSharedSettings(home: string, raw: Record<string, unknown>): void {
	const file = sharedSettingsFile(home);
	const text = `${JSON.stringify(raw, null, 2)}\n`;
	try {
		if (fs.readFileSync(file, 'utf8') === text) return;
	} catch {
		// not there yet
	}
	fs.mkdirSync(home, { recursive: true });
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, text);
	fs.renameSync(temporary, file);
}
