import type { DateKey } from '../time/zonedDate';

/** Where today's spend stands against the daily cap: the one decision every face and enforcer reads. */
export type CapState = 'ok' | 'warning' | 'over' | 'off';

export interface CapSettings {
	/** USD per local day; null when no cap is set. */
	readonly dailyUSD: number | null;
	/** Warning thresholds in percent of the cap, ascending (default 80 and 100). */
	readonly thresholds: readonly number[];
	/** Which spend counts against the cap: everything, or only pay-per-token sources. */
	readonly scope: 'all' | 'payPerToken';
}

/** A decision for today only (raise the cap, or snooze it); it lapses at local midnight. */
export interface CapOverride {
	readonly date: DateKey;
	readonly raisedToUSD: number | null;
	readonly snoozed: boolean;
}

export interface CapStatus {
	/** The cap in force today (a raise for today included), or null. */
	dailyUSD: number | null;
	/** Spend that counts against the cap. */
	spentUSD: number;
	percent: number | null;
	state: CapState;
	/** The highest threshold reached, or null. */
	reachedThreshold: number | null;
	/** Every threshold reached, ascending. */
	reachedThresholds: number[];
	/** The user raised the cap for today. */
	raisedForToday: boolean;
	/** The user snoozed the cap for today: no notifications, no blocking. */
	snoozedForToday: boolean;
	/** ISO time when spend crossed (or, at the recent rate, will cross) the cap today; null if not today. */
	forecastCrossAt: string | null;
}

export const defaultThresholds: readonly number[] = [80, 100];

export function evaluateCap(
	spentUSD: number,
	settings: CapSettings,
	override: CapOverride | undefined,
	today: DateKey,
	forecastCrossAt: number | null,
): CapStatus {
	const todays = override !== undefined && override.date === today ? override : undefined;
	const dailyUSD = todays?.raisedToUSD ?? settings.dailyUSD;
	if (dailyUSD === null || !(dailyUSD > 0)) {
		return { dailyUSD: null, spentUSD, percent: null, state: 'off', reachedThreshold: null, reachedThresholds: [], raisedForToday: false, snoozedForToday: false, forecastCrossAt: null };
	}
	const percent = (spentUSD / dailyUSD) * 100;
	const reached = settings.thresholds.filter((threshold) => percent >= threshold);
	const reachedThreshold = reached.length > 0 ? Math.max(...reached) : null;
	const state: CapState = percent >= 100 ? 'over' : reachedThreshold !== null ? 'warning' : 'ok';
	return {
		dailyUSD,
		spentUSD,
		percent,
		state,
		reachedThreshold,
		reachedThresholds: reached,
		raisedForToday: todays?.raisedToUSD != null,
		snoozedForToday: todays?.snoozed === true,
		forecastCrossAt: forecastCrossAt === null ? null : new Date(forecastCrossAt).toISOString(),
	};
}

/**
 * Whether a new prompt may go out: refused only when today is over the cap and the user has not
 * snoozed it for today. Every enforcer (the Claude Code hook, a metering proxy) asks this.
 */
export function allowsNewRequests(status: CapStatus): boolean {
	return status.state !== 'over' || status.snoozedForToday;
}

/** Checks the thresholds setting: percentages above 0, at most 1000, sorted and unique. */
export function validateThresholds(raw: unknown): { thresholds: readonly number[]; error?: string } {
	if (raw === undefined || raw === null) return { thresholds: defaultThresholds };
	if (!Array.isArray(raw) || raw.length === 0 || !raw.every((value) => typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1000)) {
		return { thresholds: defaultThresholds, error: 'capThresholds must be a list of percentages between 0 and 1000, e.g. [80, 100].' };
	}
	return { thresholds: [...new Set(raw as number[])].sort((a, b) => a - b) };
}

/** Reads "20", "$12.50" or "off"; undefined when the text is neither. */
export function parseCapInput(text: string): number | null | undefined {
	const trimmed = text.trim().replace(/^\$/, '');
	if (/^(off|none|no|0)?$/i.test(trimmed)) return null;
	if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
	const amount = Number(trimmed);
	return amount > 0 && amount <= 1e6 ? amount : undefined;
}
