/**
 * What the weekly cost dashboard shows: aggregated figures only, never raw usage events. Built in the
 * ledger worker (src/core/report/weekDashboard.ts), posted to the webview as one complete snapshot.
 *
 * Plain JSON data on purpose (no classes, no Maps, no Dates): it crosses two thread boundaries
 * (worker → extension host → webview) by structured clone, and is exported as JSON as it is. This
 * module imports nothing, so the webview can type-check against it with DOM libraries only.
 */

/** A calendar date in the user's time zone, `YYYY-MM-DD`. */
export type DateKey = string;

export type WeekStartDay = 'monday' | 'sunday';

/**
 * Token and cost totals, the same fields as every row of `token-ledger … --json` (core `Totals`).
 * Token kinds are disjoint: input is uncached input, cache reads and writes are counted apart.
 */
export interface TotalsView {
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheCreationTokens: number;
	readonly cacheReadTokens: number;
	readonly reasoningTokens: number;
	readonly totalTokens: number;
	/** Sum over priced requests: unpriced requests add tokens, never an invented cost. */
	readonly costUSD: number;
	readonly requests: number;
	readonly unpricedRequests: number;
	/** Requests whose numbers are tokenizer estimates rather than provider usage. */
	readonly estimatedRequests: number;
	/** The part of `costUSD` that comes from estimated requests. */
	readonly estimatedCostUSD: number;
	readonly credits: number;
}

/** The ways the daily bars can be split; also the tables' groupings. */
export type SplitDimension = 'assistant' | 'model' | 'project' | 'branch';

export const splitDimensions: readonly SplitDimension[] = ['assistant', 'model', 'project', 'branch'];

/**
 * One assistant, model, project or branch in the shown week. `days` has one slot per day of the
 * week (the same order as `WeekDashboard.days`), null where it had no usage that day: the chart's
 * series and the tables' day filter both read it, so they cannot disagree.
 */
export interface BreakdownRow {
	/** Assistant id, model id, project folder or branch name; '' when the tool recorded none. */
	readonly key: string;
	readonly totals: TotalsView;
	readonly days: ReadonlyArray<TotalsView | null>;
}

export interface SessionView {
	/** Assistant (source) id. */
	readonly source: string;
	readonly sessionId: string;
	readonly project: string;
	readonly branch: string;
	/** Models used in the session this week, costliest first. */
	readonly models: readonly string[];
	/** UTC ms of the first and last request in the shown week. */
	readonly firstActivity: number;
	readonly lastActivity: number;
	readonly totals: TotalsView;
	readonly days: ReadonlyArray<TotalsView | null>;
}

export interface DayView {
	readonly date: DateKey;
	readonly totals: TotalsView;
	/** Later than today: no usage can exist yet (kept so the week always has its seven days). */
	readonly future: boolean;
}

export interface WeekComparison {
	/** The whole previous week. */
	readonly previousWeek: TotalsView;
	/**
	 * What this week is compared with. For a past week: the whole previous week. For the current,
	 * unfinished week: the previous week up to the same moment (now − 7 days), so that a Tuesday is not
	 * held against a full week.
	 */
	readonly basis: 'whole-week' | 'same-time';
	readonly comparedCostUSD: number;
	/** This week's cost minus the compared cost. */
	readonly changeUSD: number;
	/** changeUSD / comparedCostUSD; null when the compared cost is zero. */
	readonly changeRatio: number | null;
}

export interface WeekRange {
	/** First day of the shown week. */
	readonly start: DateKey;
	/** Last day (inclusive). */
	readonly end: DateKey;
	/** First day of the week that contains today. */
	readonly current: DateKey;
	readonly isCurrent: boolean;
	/** First day of the week before; null when the ledger holds nothing that old. */
	readonly previous: DateKey | null;
	/** First day of the week after; null for the current week (the future has no usage). */
	readonly next: DateKey | null;
	/** Today, when it falls inside the shown week. */
	readonly today: DateKey | null;
}

export interface WeekDashboard {
	readonly timeZone: string;
	readonly weekStart: WeekStartDay;
	/** UTC ms the figures were computed at. */
	readonly generatedAt: number;
	readonly week: WeekRange;
	/** Equal to the row of `token-ledger weekly --json` for this week. */
	readonly totals: TotalsView;
	/** Always seven, in calendar order. */
	readonly days: readonly DayView[];
	readonly comparison: WeekComparison;
	/** Cost over the days counted: the days so far in the current week, all seven for a past week. */
	readonly dailyAverageUSD: number;
	readonly daysCounted: number;
	/** The user's daily cap; null while no cap is set (the figures that need it are then hidden). */
	readonly dailyCapUSD: number | null;
	/** Days whose cost is above the cap; null when there is no cap. */
	readonly daysOverCap: number | null;
	/** cache read / (input + cache read + cache write); null when there was no input at all. */
	readonly cacheHitShare: number | null;
	/** Models that appear without a known price this week. */
	readonly unpricedModels: readonly string[];
	/** Rows per dimension, costliest first. */
	readonly breakdowns: Readonly<Record<SplitDimension, readonly BreakdownRow[]>>;
	/** Sessions active in the week, most recent first. */
	readonly sessions: readonly SessionView[];
	/** First day of the week of the oldest request in the ledger; null when the ledger is empty. */
	readonly earliestWeek: DateKey | null;
}

/** One complete dashboard snapshot as the host posts it. */
export interface DashboardSnapshot {
	readonly dashboard: WeekDashboard;
	/** Where the sources looked for records, for the empty state. */
	readonly roots: readonly string[];
}
