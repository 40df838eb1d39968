/**
 * The chart as a table: the same series, days, totals and running total, for screen readers and
 * keyboard users, and for anyone who wants the numbers rather than the bars.
 */
import type { ChartModel } from './chartSeries';
import { h } from './dom';
import { formatUSD, formatUSDExact } from './format';

export function chartTable(model: ChartModel, splitLabel: string): HTMLElement {
	const amount = (value: number | null): HTMLElement =>
		h('td', { class: 'numeric', attrs: { title: value === null ? undefined : formatUSDExact(value) } }, value === null ? '–' : formatUSD(value));
	return h(
		'table',
		{ class: 'data compact', attrs: { 'data-table': 'chart' } },
		h('caption', {}, `Cost per day by ${splitLabel}`),
		h(
			'thead',
			{},
			h(
				'tr',
				{},
				h('th', { attrs: { scope: 'col' } }, 'Day'),
				...model.series.map((series) => h('th', { class: 'numeric', attrs: { scope: 'col', title: series.title } }, series.label)),
				h('th', { class: 'numeric', attrs: { scope: 'col' } }, 'Day total'),
				h('th', { class: 'numeric', attrs: { scope: 'col' } }, 'Running total'),
			),
		),
		h(
			'tbody',
			{},
			...model.dates.map((date, index) =>
				h(
					'tr',
					{},
					h('th', { attrs: { scope: 'row', title: date } }, model.labels[index] ?? date),
					...model.series.map((series) => amount(series.costs[index] ?? 0)),
					amount(model.dayTotals[index] ?? 0),
					amount(model.cumulative[index] ?? null),
				),
			),
		),
	);
}
