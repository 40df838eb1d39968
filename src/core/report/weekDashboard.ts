import type {
	BreakdownRow,
	DayView,
	SessionView,
	SplitDimension,
	TotalsView,
	WeekComparison,
	WeekDashboard,
	WeekRange,
} from '../../shared/viewModels';
import type { DateKey, WeekStart, ZonedCalendar } from '../time/zonedDate';
import { addDays, weekStartOf } from '../time/zonedDate';
import type { TimeRange } from '../usage/dedupe';
import type { CountedUsage } from '../usage/usageEvent';
import type { DailyRow, ReportOptions } from './reports';
import { dailyReport, sessionsReport } from './reports';
import type { Totals } from './totals';
import { emptyTotals, unpricedModels } from './totals';

export interface WeekDashboardOptions extends Omit<ReportOptions, 'since' | 'until'> {
	readonly weekStart: WeekStart;
	/** UTC ms: decides today, the current week and the same-time comparison (core reads no clock). */
	readonly now: number;
	/** Any day of the week to show; the current week when absent or later than the current week. */
	readonly week?: DateKey;
	/** The user's daily cap in USD, or null when none is set. */
	readonly dailyCapUSD: number | null;
	/**
	 * When the earliest request that counts was made (UTC ms), for a caller that passes only the
	 * events of `weekDashboardRange`; found among the events when absent.
	 */
	readonly oldest?: number;
}

const dayMs = 86_400_000;

/**
 * The weekly cost dashboard's figures for one week, in the user's zone and week start.
 *
 * Every number comes from the shared reports (dailyReport, sessionsReport) run over the same events
 * and options as the CLI's, so the week's totals are the row `token-ledger weekly --json` prints for that week,
 * and days, assistants, models, projects, branches and sessions add up to them. Pure: the caller
 * passes the events (counted once each), the prices, the calendar and the time.
 */
/** The days a dashboard shows, and the instants whose events it needs. */
interface WeekWindow {
	readonly today: DateKey;
	readonly current: DateKey;
	readonly start: DateKey;
	readonly end: DateKey;
	readonly previous: DateKey;
	readonly days: readonly DateKey[];
	/** From the previous week's start to the shown week's end, a day to spare either side. */
	readonly needed: TimeRange;
	/** The shown week, a day to spare either side. */
	readonly shown: TimeRange;
}

function weekWindow(options: WeekDashboardOptions): WeekWindow {
	const { calendar, weekStart, now } = options;
	const today = calendar.dateKey(now);
	const current = weekStartOf(today, weekStart);
	const requested = options.week === undefined ? current : weekStartOf(options.week, weekStart);
	const start = requested > current ? current : requested;
	const end = addDays(start, 6);
	const previous = addDays(start, -7);
	const days = Array.from({ length: 7 }, (_, index) => addDays(start, index));
	// The cut is by instant with a day to spare either side; the reports then place every event by
	// its local date exactly as the CLI does.
	const to = calendar.startOfDay(addDays(end, 1)) + dayMs;
	return {
		today,
		current,
		start,
		end,
		previous,
		days,
		needed: { from: calendar.startOfDay(previous) - dayMs, to },
		shown: { from: calendar.startOfDay(start) - dayMs, to },
	};
}

/**
 * The instants whose events a dashboard reads: a caller with a long history passes only these (and
 * `oldest`), since the dashboard does not look further.
 */
export function weekDashboardRange(options: WeekDashboardOptions): TimeRange {
	return weekWindow(options).needed;
}

export function weekDashboard(events: readonly CountedUsage[], options: WeekDashboardOptions): WeekDashboard {
	const { calendar, weekStart, now } = options;
	const base: ReportOptions = { calendar: options.calendar, prices: options.prices, ...(options.sources === undefined ? {} : { sources: options.sources }) };
	const { today, current, start, end, previous, days, needed, shown: shownRange } = weekWindow(options);

	// One pass: keep the two weeks involved and find the oldest request (unless the caller knows it).
	const near: CountedUsage[] = [];
	const shown: CountedUsage[] = [];
	let oldest = options.oldest ?? Number.POSITIVE_INFINITY;
	for (const event of events) {
		if (options.sources !== undefined && !options.sources.has(event.source)) continue;
		if (event.timestamp < oldest) oldest = event.timestamp;
		if (event.timestamp < needed.from || event.timestamp >= needed.to) continue;
		near.push(event);
		if (event.timestamp >= shownRange.from) shown.push(event);
	}

	// A daily report limited to one week sums the same events in the same order as that week's
	// `weekly` row, so its totals are that row to the last bit (and the unit tests hold them equal);
	// it avoids finding the week of every event, which is most of a weekly report's cost.
	const week = { ...base, since: start, until: end };
	const daily = dailyReport(shown, week);
	const thisWeek = daily.totals;
	const lastWeek = dailyReport(near, { ...base, since: previous, until: addDays(previous, 6) }).totals;
	const totals = view(thisWeek);
	const dailyByDate = new Map(daily.daily.map((row) => [row.date, row]));
	const dailyRows = days.map((date) => dailyByDate.get(date));

	const isCurrent = start === current;
	const dayViews: DayView[] = days.map((date, index) => ({ date, totals: view(dailyRows[index] ?? emptyTotals()), future: date > today }));
	const daysCounted = isCurrent ? days.indexOf(today) + 1 : 7;
	const cap = options.dailyCapUSD;
	const cacheInput = totals.inputTokens + totals.cacheReadTokens + totals.cacheCreationTokens;
	const earliestWeek = Number.isFinite(oldest) ? weekStartOf(calendar.dateKey(oldest), weekStart) : null;

	const range: WeekRange = {
		start,
		end,
		current,
		isCurrent,
		previous: earliestWeek !== null && previous >= earliestWeek ? previous : null,
		next: isCurrent ? null : addDays(start, 7),
		today: today >= start && today <= end ? today : null,
	};

	const breakdowns: Record<SplitDimension, BreakdownRow[]> = {
		assistant: rowsFromBreakdown(thisWeek.bySource, dailyRows, (row) => row.bySource),
		model: rowsFromBreakdown(thisWeek.byModel, dailyRows, (row) => row.byModel),
		project: rowsByPartition(shown, (event) => event.project, week, days),
		branch: rowsByPartition(shown, (event) => event.branch, week, days),
	};

	return {
		timeZone: calendar.timeZone,
		weekStart,
		generatedAt: now,
		week: range,
		totals,
		days: dayViews,
		comparison: compare(totals, view(lastWeek), isCurrent ? near : undefined, { ...base, since: previous, until: addDays(previous, 6) }, now),
		dailyAverageUSD: daysCounted > 0 ? totals.costUSD / daysCounted : 0,
		daysCounted,
		dailyCapUSD: cap,
		daysOverCap: cap === null ? null : dayViews.filter((day) => !day.future && day.totals.costUSD > cap).length,
		cacheHitShare: cacheInput > 0 ? totals.cacheReadTokens / cacheInput : null,
		unpricedModels: unpricedModels(thisWeek),
		breakdowns,
		sessions: sessionViews(shown, week, days, calendar),
		earliestWeek,
	};
}

/**
 * This week against the one before. A current (unfinished) week is compared with the previous week
 * up to the same moment, now − 7 days (an hour off across a DST change, which is fine for a trend).
 */
function compare(
	totals: TotalsView,
	previousWeek: TotalsView,
	sameTimeEvents: readonly CountedUsage[] | undefined,
	previousRange: ReportOptions,
	now: number,
): WeekComparison {
	let comparedCostUSD = previousWeek.costUSD;
	if (sameTimeEvents !== undefined) {
		const cutoff = now - 7 * dayMs;
		comparedCostUSD = dailyReport(
			sameTimeEvents.filter((event) => event.timestamp <= cutoff),
			previousRange,
		).totals.costUSD;
	}
	const changeUSD = totals.costUSD - comparedCostUSD;
	return {
		previousWeek,
		basis: sameTimeEvents === undefined ? 'whole-week' : 'same-time',
		comparedCostUSD,
		changeUSD,
		changeRatio: comparedCostUSD > 0 ? changeUSD / comparedCostUSD : null,
	};
}

/** Assistants and models: the week row's own breakdown, with each day's from the daily rows. */
function rowsFromBreakdown(
	weekly: Record<string, Totals>,
	dailyRows: ReadonlyArray<DailyRow | undefined>,
	pick: (row: DailyRow) => Record<string, Totals>,
): BreakdownRow[] {
	return byCost(
		Object.entries(weekly).map(([key, totals]) => ({
			key,
			totals: view(totals),
			days: dailyRows.map((row) => {
				const day = row === undefined ? undefined : pick(row)[key];
				return day === undefined ? null : view(day);
			}),
		})),
	);
}

/** Projects and branches (no report groups by them): one daily report per group of events. */
function rowsByPartition(events: readonly CountedUsage[], keyOf: (event: CountedUsage) => string, week: ReportOptions, days: readonly DateKey[]): BreakdownRow[] {
	const groups = new Map<string, CountedUsage[]>();
	for (const event of events) {
		const key = keyOf(event);
		const group = groups.get(key);
		if (group === undefined) groups.set(key, [event]);
		else group.push(event);
	}
	const rows: BreakdownRow[] = [];
	for (const [key, group] of groups) {
		const report = dailyReport(group, week);
		if (report.totals.requests === 0) continue; // only in the margin outside the week
		const byDate = new Map(report.daily.map((row) => [row.date, row]));
		rows.push({ key, totals: view(report.totals), days: days.map((date) => nullableView(byDate.get(date))) });
	}
	return byCost(rows);
}

function sessionViews(events: readonly CountedUsage[], week: ReportOptions, days: readonly DateKey[], calendar: ZonedCalendar): SessionView[] {
	const sessionKey = (source: string, sessionId: string): string => `${source}\u0000${sessionId}`;
	// Each day's report reads only that day's events (the report still checks the date itself).
	const byDate = new Map<DateKey, CountedUsage[]>(days.map((date) => [date, []]));
	for (const event of events) byDate.get(calendar.dateKey(event.timestamp))?.push(event);
	const perDay = days.map((date) => {
		const report = sessionsReport(byDate.get(date) ?? [], { ...week, since: date, until: date });
		return new Map(report.sessions.map((row) => [sessionKey(row.source, row.sessionId), row]));
	});
	return sessionsReport(events, week).sessions.map((row) => ({
		source: row.source,
		sessionId: row.sessionId,
		project: row.project,
		branch: row.branch,
		models: Object.entries(row.byModel)
			.sort(([, a], [, b]) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens)
			.map(([model]) => model),
		firstActivity: Date.parse(row.firstActivity),
		lastActivity: Date.parse(row.lastActivity),
		totals: view(row),
		days: perDay.map((sessions) => nullableView(sessions.get(sessionKey(row.source, row.sessionId)))),
	}));
}

function byCost<Row extends { key: string; totals: TotalsView }>(rows: Row[]): Row[] {
	return rows.sort((a, b) => b.totals.costUSD - a.totals.costUSD || b.totals.totalTokens - a.totals.totalTokens || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function nullableView(totals: Totals | undefined): TotalsView | null {
	return totals === undefined ? null : view(totals);
}

/** The plain totals of a report row, without its nested breakdowns (they are sent once, as rows). */
function view(totals: Totals): TotalsView {
	return {
		inputTokens: totals.inputTokens,
		outputTokens: totals.outputTokens,
		cacheCreationTokens: totals.cacheCreationTokens,
		cacheReadTokens: totals.cacheReadTokens,
		reasoningTokens: totals.reasoningTokens,
		totalTokens: totals.totalTokens,
		costUSD: totals.costUSD,
		requests: totals.requests,
		unpricedRequests: totals.unpricedRequests,
		estimatedRequests: totals.estimatedRequests,
		estimatedCostUSD: totals.estimatedCostUSD,
		credits: totals.credits,
	};
}
