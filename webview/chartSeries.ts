/**
 * What the cost chart draws, worked out from a snapshot and the chosen split: one stacked series per
 * assistant, model, project or branch (the costliest few, the rest summed as "Other"), the day totals,
 * the running total, and the cap. The accessible table under the chart shows exactly these numbers.
 * No DOM here: unit tests import this module.
 */
import type { BreakdownRow, SplitDimension, WeekDashboard } from '../src/shared/viewModels';
import { assistantLabel, branchLabel, dayLabel, modelLabel, projectLabel } from './format';

export interface ChartSeries {
	/** The row's key, or null for the "Other" series. */
	readonly key: string | null;
	readonly label: string;
	/** Full name for tooltips and the table (a project's whole path). */
	readonly title: string;
	/** Cost per day of the week. */
	readonly costs: readonly number[];
}

export interface ChartModel {
	readonly dates: readonly string[];
	readonly labels: readonly string[];
	readonly series: readonly ChartSeries[];
	readonly dayTotals: readonly number[];
	readonly dayTokens: readonly number[];
	readonly dayRequests: readonly number[];
	/** Running total; null on days still to come. */
	readonly cumulative: ReadonlyArray<number | null>;
	readonly capUSD: number | null;
}

/** Beyond this many series the colours stop being told apart; the rest become "Other". */
export const maxSeries = 6;

export function seriesLabel(split: SplitDimension, key: string): string {
	switch (split) {
		case 'assistant':
			return assistantLabel(key);
		case 'model':
			return modelLabel(key);
		case 'project':
			return projectLabel(key);
		case 'branch':
			return branchLabel(key);
		default:
			split satisfies never;
			return key;
	}
}

export function chartModel(dashboard: WeekDashboard, split: SplitDimension): ChartModel {
	const rows = dashboard.breakdowns[split];
	// Rows come costliest first; a row without cost (unpriced only) adds nothing to a cost chart.
	const priced = rows.filter((row) => row.totals.costUSD > 0);
	const shown = priced.length > maxSeries ? priced.slice(0, maxSeries - 1) : priced;
	const rest = priced.slice(shown.length);
	const costsOf = (row: BreakdownRow): number[] => row.days.map((day) => day?.costUSD ?? 0);
	const series: ChartSeries[] = shown.map((row) => ({
		key: row.key,
		label: seriesLabel(split, row.key),
		title: split === 'project' && row.key !== '' ? row.key : seriesLabel(split, row.key),
		costs: costsOf(row),
	}));
	if (rest.length > 0) {
		const costs = dashboard.days.map((_, index) => rest.reduce((sum, row) => sum + (row.days[index]?.costUSD ?? 0), 0));
		series.push({ key: null, label: `Other (${rest.length})`, title: rest.map((row) => seriesLabel(split, row.key)).join(', '), costs });
	}
	let running = 0;
	const cumulative = dashboard.days.map((day) => {
		if (day.future) return null;
		running += day.totals.costUSD;
		return running;
	});
	return {
		dates: dashboard.days.map((day) => day.date),
		labels: dashboard.days.map((day) => dayLabel(day.date)),
		series,
		dayTotals: dashboard.days.map((day) => day.totals.costUSD),
		dayTokens: dashboard.days.map((day) => day.totals.totalTokens),
		dayRequests: dashboard.days.map((day) => day.totals.requests),
		cumulative,
		capUSD: dashboard.dailyCapUSD,
	};
}
