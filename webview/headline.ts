/**
 * The figures at the top: the week's cost, the change against last week, the daily average, days
 * over the cap (only when a cap is set), the cache-hit share, and tokens by kind.
 */
import type { WeekDashboard } from '../src/shared/viewModels';
import type { Child } from './dom';
import { h } from './dom';
import { formatChange, formatShare, formatSignedUSD, formatTokens, formatUSD, formatUSDExact, markedUSD } from './format';

function card(id: string, label: string, value: Child, detail: Child, tone?: 'up' | 'down'): HTMLElement {
	return h(
		'div',
		{ class: `card${tone === undefined ? '' : ` ${tone}`}`, attrs: { 'data-card': id } },
		h('div', { class: 'card-label' }, label),
		h('div', { class: 'card-value' }, value),
		h('div', { class: 'card-detail' }, detail),
	);
}

export function headlineCards(dashboard: WeekDashboard): HTMLElement {
	const { totals, comparison, week } = dashboard;
	const cards: HTMLElement[] = [];
	cards.push(
		card(
			'total',
			week.isCurrent ? 'This week' : 'That week',
			h('span', { attrs: { title: formatUSDExact(totals.costUSD), 'data-value': totals.costUSD } }, markedUSD(totals)),
			`${totals.requests.toLocaleString('en-US')} requests · ${formatTokens(totals.totalTokens)} tokens`,
		),
	);

	const change = comparison.changeUSD;
	const direction = Math.round(change * 100) === 0 ? undefined : change > 0 ? 'up' : 'down';
	const arrow = direction === 'up' ? '▲ ' : direction === 'down' ? '▼ ' : '';
	const compared = comparison.basis === 'same-time' ? `Same time last week ${formatUSD(comparison.comparedCostUSD)} · whole week ${formatUSD(comparison.previousWeek.costUSD)}` : `Previous week ${formatUSD(comparison.previousWeek.costUSD)}`;
	cards.push(
		card(
			'change',
			'Against last week',
			h(
				'span',
				{},
				h('span', { attrs: { 'aria-hidden': 'true' } }, arrow),
				h('span', { class: 'visually-hidden' }, direction === 'up' ? 'more: ' : direction === 'down' ? 'less: ' : ''),
				formatSignedUSD(change),
				comparison.changeRatio === null ? null : h('span', { class: 'card-sub' }, ` ${formatChange(comparison.changeRatio)}`),
			),
			compared,
			direction,
		),
	);

	cards.push(card('average', 'Daily average', formatUSD(dashboard.dailyAverageUSD), `over ${dashboard.daysCounted} ${dashboard.daysCounted === 1 ? 'day' : 'days'}${week.isCurrent ? ' so far' : ''}`));

	if (dashboard.dailyCapUSD !== null && dashboard.daysOverCap !== null) {
		cards.push(
			card(
				'cap',
				'Days over the cap',
				`${dashboard.daysOverCap} of ${dashboard.daysCounted}`,
				`cap ${formatUSD(dashboard.dailyCapUSD)} a day`,
				dashboard.daysOverCap > 0 ? 'up' : undefined,
			),
		);
	}

	cards.push(
		card(
			'cache',
			'Cache hits',
			dashboard.cacheHitShare === null ? '–' : formatShare(dashboard.cacheHitShare),
			'of input read from cache',
		),
	);
	return h('div', { class: 'cards' }, ...cards);
}

const kinds = [
	{ id: 'input', label: 'Input', value: (d: WeekDashboard) => d.totals.inputTokens },
	{ id: 'output', label: 'Output', value: (d: WeekDashboard) => d.totals.outputTokens },
	{ id: 'cache-write', label: 'Cache write', value: (d: WeekDashboard) => d.totals.cacheCreationTokens },
	{ id: 'cache-read', label: 'Cache read', value: (d: WeekDashboard) => d.totals.cacheReadTokens },
] as const;

export function tokenKinds(dashboard: WeekDashboard): HTMLElement {
	const total = dashboard.totals.totalTokens;
	const bar = h('div', { class: 'kind-bar', attrs: { 'aria-hidden': 'true' } });
	for (const kind of kinds) {
		const segment = h('span', { class: `kind-${kind.id}` });
		// A CSSOM width, which the page's style-src policy allows (unlike a style attribute).
		segment.style.width = `${total > 0 ? (kind.value(dashboard) / total) * 100 : 0}%`;
		bar.appendChild(segment);
	}
	return h(
		'div',
		{ class: 'kinds' },
		h(
			'dl',
			{},
			...kinds.map((kind) =>
				h(
					'div',
					{ class: 'kind' },
					h('dt', {}, h('span', { class: `swatch kind-${kind.id}`, attrs: { 'aria-hidden': 'true' } }), kind.label),
					h('dd', { attrs: { title: `${kind.value(dashboard).toLocaleString('en-US')} tokens`, 'data-value': kind.value(dashboard) } }, formatTokens(kind.value(dashboard))),
				),
			),
			h('div', { class: 'kind' }, h('dt', {}, 'Total'), h('dd', { attrs: { title: `${total.toLocaleString('en-US')} tokens` } }, formatTokens(total))),
		),
		bar,
	);
}
