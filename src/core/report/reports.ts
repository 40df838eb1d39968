import type { PriceBook, Price } from '../pricing/pricing';
import { priceUsage } from '../pricing/pricing';
import type { DateKey, WeekStart, ZonedCalendar } from '../time/zonedDate';
import { weekStartOf } from '../time/zonedDate';
import type { CountedUsage, SourceId } from '../usage/usageEvent';
import type { BreakdownTotals } from './totals';
import type { Tally } from './totals';
import { addToTally, emptyBreakdown, emptyTally, settleInto } from './totals';

export interface ReportOptions {
	readonly calendar: ZonedCalendar;
	readonly prices: PriceBook;
	/** Inclusive local dates. */
	readonly since?: DateKey;
	readonly until?: DateKey;
	/** Only these sources; all when absent. */
	readonly sources?: ReadonlySet<SourceId>;
}

export interface DailyRow extends BreakdownTotals {
	date: DateKey;
}

export interface WeeklyRow extends BreakdownTotals {
	/** The week's first day. */
	week: DateKey;
}

export interface SessionRow extends BreakdownTotals {
	source: SourceId;
	sessionId: string;
	project: string;
	branch: string;
	/** ISO-8601 UTC. */
	firstActivity: string;
	lastActivity: string;
}

export interface DailyReport {
	daily: DailyRow[];
	totals: BreakdownTotals;
}

export interface WeeklyReport {
	weekly: WeeklyRow[];
	totals: BreakdownTotals;
}

export interface SessionsReport {
	sessions: SessionRow[];
	totals: BreakdownTotals;
}

export interface DayReport extends BreakdownTotals {
	date: DateKey;
}

/** One counted event with its local date and price, computed once per report. */
interface Placed {
	readonly event: CountedUsage;
	readonly date: DateKey;
	readonly price: Price;
}

/**
 * Each event in the report's range with its local date and price, one at a time: a report over a
 * long history then holds its rows, not every event and price at once.
 */
function* place(events: Iterable<CountedUsage>, options: ReportOptions): Generator<Placed> {
	for (const event of events) {
		if (options.sources !== undefined && !options.sources.has(event.source)) {
			continue;
		}
		const date = options.calendar.dateKey(event.timestamp);
		if ((options.since !== undefined && date < options.since) || (options.until !== undefined && date > options.until)) {
			continue;
		}
		yield { event, date, price: priceUsage(options.prices, event) };
	}
}

function groupInto<Row extends BreakdownTotals>(
	placed: Iterable<Placed>,
	keyOf: (item: Placed) => string,
	makeRow: (key: string, first: Placed) => Row,
	/** Called for every item after `makeRow`, the first one included. */
	visit?: (row: Row, item: Placed) => void,
): { rows: Row[]; totals: BreakdownTotals } {
	const groups = new Map<string, { row: Row; tally: Tally }>();
	const all = emptyTally();
	for (const item of placed) {
		const key = keyOf(item);
		let group = groups.get(key);
		if (group === undefined) {
			group = { row: makeRow(key, item), tally: emptyTally() };
			groups.set(key, group);
		}
		visit?.(group.row, item);
		addToTally(group.tally, item.event, item.price);
		addToTally(all, item.event, item.price);
	}
	const rows: Row[] = [];
	for (const { row, tally } of groups.values()) {
		settleInto(row, tally);
		rows.push(row);
	}
	const totals = emptyBreakdown();
	settleInto(totals, all);
	return { rows, totals };
}

export function dailyReport(events: Iterable<CountedUsage>, options: ReportOptions): DailyReport {
	const { rows, totals } = groupInto(
		place(events, options),
		(item) => item.date,
		(date) => ({ date, ...emptyBreakdown() }),
	);
	rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
	return { daily: rows, totals };
}

export function weeklyReport(events: Iterable<CountedUsage>, options: ReportOptions & { weekStart: WeekStart }): WeeklyReport {
	const { rows, totals } = groupInto(
		place(events, options),
		(item) => weekStartOf(item.date, options.weekStart),
		(week) => ({ week, ...emptyBreakdown() }),
	);
	rows.sort((a, b) => (a.week < b.week ? -1 : a.week > b.week ? 1 : 0));
	return { weekly: rows, totals };
}

export function sessionsReport(events: Iterable<CountedUsage>, options: ReportOptions): SessionsReport {
	// One pass: a session's first and last activity, project and branch are settled as its events
	// arrive, so a report over a long history holds one row per session, not every event.
	const bounds = new Map<SessionRow, { first: number; last: number }>();
	const { rows, totals } = groupInto(
		place(events, options),
		(item) => `${item.event.source}\u0000${item.event.sessionId}`,
		(_key, { event }) => {
			const row: SessionRow = {
				source: event.source,
				sessionId: event.sessionId,
				project: event.project,
				branch: event.branch,
				firstActivity: '',
				lastActivity: '',
				...emptyBreakdown(),
			};
			bounds.set(row, { first: event.timestamp, last: event.timestamp });
			return row;
		},
		(row, { event }) => {
			const seen = bounds.get(row)!;
			seen.first = Math.min(seen.first, event.timestamp);
			if (event.timestamp >= seen.last) {
				// The latest project and branch describe the session best (a session may switch branches).
				seen.last = event.timestamp;
				row.project = event.project || row.project;
				row.branch = event.branch || row.branch;
			}
		},
	);
	for (const [row, seen] of bounds) {
		row.firstActivity = new Date(seen.first).toISOString();
		row.lastActivity = new Date(seen.last).toISOString();
	}
	rows.sort((a, b) => (a.lastActivity < b.lastActivity ? 1 : a.lastActivity > b.lastActivity ? -1 : 0));
	return { sessions: rows, totals };
}

export function dayReport(events: Iterable<CountedUsage>, options: ReportOptions & { date: DateKey }): DayReport {
	const { totals } = groupInto(
		place(events, { ...options, since: options.date, until: options.date }),
		() => options.date,
		() => emptyBreakdown(),
	);
	return { date: options.date, ...totals };
}
