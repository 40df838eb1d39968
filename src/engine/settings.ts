import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PriceOverrides } from '../core/pricing/priceOverrides';
import { validatePriceOverrides } from '../core/pricing/priceOverrides';
import type { WeekStart } from '../core/time/zonedDate';
import { isValidTimeZone } from '../core/time/zonedDate';
import type { SourceId } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';

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
}

export const defaultSettings: EngineSettings = {
	timeZone: '',
	weekStart: 'monday',
	priceOverrides: {},
	disabledSources: new Set(),
	extraPaths: {},
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
	return { settings: { timeZone, weekStart, priceOverrides: overrides.overrides, disabledSources, extraPaths }, errors };
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
