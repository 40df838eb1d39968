import type { CapOverride, CapStatus } from '../core/budget/dailyCap';
import { evaluateCap } from '../core/budget/dailyCap';
import type { Runaway, SpendPoint } from '../core/budget/forecast';
import { forecastCrossing, medianDailySpend, runawaySessions, usualHourlyRate } from '../core/budget/forecast';
import { priceUsage } from '../core/pricing/pricing';
import type { ReportOptions } from '../core/report/reports';
import { addDays } from '../core/time/zonedDate';
import type { TimeRange } from '../core/usage/dedupe';
import type { CountedUsage } from '../core/usage/usageEvent';
import type { EngineSettings } from './settings';

export interface CapView extends CapStatus {
	/** Sessions spending far faster than usual right now. */
	runaways: Runaway[];
	/** Median spend of the recent days with usage (a hint when choosing a cap). */
	medianDailyUSD: number | null;
	/** Today's usage of subscription sources at API prices: value, not money spent. */
	subscriptionValueUSD: number;
	scope: EngineSettings['cap']['scope'];
}

const historyDays = 14;
const dayMs = 86_400_000;

/**
 * The instants whose events the cap view (and today's report) read: the recent days it compares
 * with and today, a day to spare either side. A long history costs nothing beyond these.
 */
export function capViewRange(now: number, options: Pick<ReportOptions, 'calendar'>): TimeRange {
	const today = options.calendar.dateKey(now);
	return {
		from: options.calendar.startOfDay(addDays(today, -historyDays)) - dayMs,
		to: options.calendar.startOfDay(addDays(today, 1)) + dayMs,
	};
}

/** Today's spend against the cap, the forecast and runaway sessions, from the ledger's events. */
export function capView(events: readonly CountedUsage[], settings: EngineSettings, override: CapOverride | undefined, now: number, options: ReportOptions): CapView {
	const { calendar, prices } = options;
	const today = calendar.dateKey(now);
	const firstDay = addDays(today, -historyDays);
	const endOfDay = calendar.startOfDay(addDays(today, 1));
	const todays: SpendPoint[] = [];
	const past: SpendPoint[] = [];
	const pastByDay = new Map<string, number>();
	let subscriptionValueUSD = 0;
	for (const event of events) {
		if (options.sources !== undefined && !options.sources.has(event.source)) continue;
		const date = calendar.dateKey(event.timestamp);
		if (date < firstDay || date > today) continue;
		const cost = priceUsage(prices, event).costUSD ?? 0;
		const subscription = settings.subscriptions[event.source] !== undefined;
		if (date === today && subscription) subscriptionValueUSD += cost;
		if (subscription && settings.cap.scope === 'payPerToken') continue;
		const point = { timestamp: event.timestamp, costUSD: cost, session: `${event.source}:${event.sessionId}` };
		if (date === today) todays.push(point);
		else {
			past.push(point);
			pastByDay.set(date, (pastByDay.get(date) ?? 0) + cost);
		}
	}
	const spent = todays.reduce((sum, point) => sum + point.costUSD, 0);
	const cap = override?.date === today && override.raisedToUSD !== null ? override.raisedToUSD : settings.cap.dailyUSD;
	const crossing = cap !== null && cap > 0 ? forecastCrossing(todays, cap, now, endOfDay) : null;
	return {
		...evaluateCap(spent, settings.cap, override, today, crossing),
		runaways: runawaySessions(todays, usualHourlyRate(past, (timestamp) => calendar.dateKey(timestamp)), now),
		medianDailyUSD: medianDailySpend([...pastByDay.values()]),
		subscriptionValueUSD,
		scope: settings.cap.scope,
	};
}
