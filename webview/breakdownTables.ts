/**
 * The three tables under the chart (sessions, projects, models) for the shown period: the whole week
 * or the chosen day. Each ends with the period's total, the figure `token-ledger weekly` prints.
 */
import type { BreakdownRow, SessionView, TotalsView, WeekDashboard } from '../src/shared/viewModels';
import type { Child } from './dom';
import { h } from './dom';
import { assistantLabel, branchLabel, formatShare, formatTokens, formatUSDExact, instantLabel, markedUSD, modelLabel, projectLabel } from './format';
import type { Column } from './sortableTable';
import { sortableTable } from './sortableTable';
import type { Shown } from './tableData';
import { forPeriod } from './tableData';
import type { TableId, UiState } from './uiState';

export interface TablesInput {
	readonly dashboard: WeekDashboard;
	readonly ui: UiState;
	readonly onSort: (table: TableId, column: string, numeric: boolean) => void;
	readonly onToggleAllSessions: () => void;
}

/** Sessions shown before "Show all": enough for a glance, the rest one click away. */
export const sessionsShown = 10;

function tokenBreakdown(totals: TotalsView): string {
	return `input ${formatTokens(totals.inputTokens)} · output ${formatTokens(totals.outputTokens)} · cache write ${formatTokens(totals.cacheCreationTokens)} · cache read ${formatTokens(totals.cacheReadTokens)}`;
}

function costCell(totals: TotalsView): Child {
	const marks: Child[] = [markedUSD(totals)];
	if (totals.estimatedRequests > 0) marks.push(h('span', { class: 'badge', attrs: { title: `${formatUSDExact(totals.estimatedCostUSD)} of this is estimated from tokenizer counts` } }, 'est.'));
	if (totals.unpricedRequests > 0) marks.push(h('span', { class: 'badge warning', attrs: { title: `${totals.unpricedRequests} requests of a model without a known price: tokens counted, no cost` } }, 'unpriced'));
	return h('span', { class: 'cost' }, ...marks);
}

function figureColumns<Item extends Shown<unknown>>(periodCost: number): Array<Column<Item>> {
	return [
		{ id: 'requests', label: 'Requests', numeric: true, sortValue: (item) => item.figures.requests, cell: (item) => item.figures.requests.toLocaleString('en-US') },
		{ id: 'input', label: 'Input', numeric: true, sortValue: (item) => item.figures.inputTokens, cell: (item) => formatTokens(item.figures.inputTokens), exact: (item) => item.figures.inputTokens },
		{ id: 'output', label: 'Output', numeric: true, sortValue: (item) => item.figures.outputTokens, cell: (item) => formatTokens(item.figures.outputTokens), exact: (item) => item.figures.outputTokens },
		{
			id: 'cacheWrite',
			label: 'Cache write',
			numeric: true,
			sortValue: (item) => item.figures.cacheCreationTokens,
			cell: (item) => formatTokens(item.figures.cacheCreationTokens),
			exact: (item) => item.figures.cacheCreationTokens,
		},
		{
			id: 'cacheRead',
			label: 'Cache read',
			numeric: true,
			sortValue: (item) => item.figures.cacheReadTokens,
			cell: (item) => formatTokens(item.figures.cacheReadTokens),
			exact: (item) => item.figures.cacheReadTokens,
		},
		{
			id: 'cost',
			label: 'Cost',
			numeric: true,
			sortValue: (item) => item.figures.costUSD,
			cell: (item) => costCell(item.figures),
			title: (item) => formatUSDExact(item.figures.costUSD),
			exact: (item) => item.figures.costUSD,
		},
		{
			id: 'share',
			label: 'Share',
			numeric: true,
			sortValue: (item) => item.figures.costUSD,
			cell: (item) => (periodCost > 0 ? formatShare(item.figures.costUSD / periodCost) : '–'),
		},
	];
}

function figureFooter(totals: TotalsView): Child[] {
	return [
		totals.requests.toLocaleString('en-US'),
		formatTokens(totals.inputTokens),
		formatTokens(totals.outputTokens),
		formatTokens(totals.cacheCreationTokens),
		formatTokens(totals.cacheReadTokens),
		h('span', { attrs: { 'data-value': totals.costUSD, title: formatUSDExact(totals.costUSD) } }, markedUSD(totals)),
		totals.costUSD > 0 ? '100%' : '–',
	];
}

export function breakdownTables({ dashboard, ui, onSort, onToggleAllSessions }: TablesInput): HTMLElement[] {
	const dayIndex = ui.day === null ? null : dashboard.days.findIndex((day) => day.date === ui.day);
	const index = dayIndex === null || dayIndex < 0 ? null : dayIndex;
	const period = index === null ? dashboard.totals : dashboard.days[index]!.totals;
	const periodText = index === null ? 'this week' : 'on the chosen day';
	const zone = dashboard.timeZone;

	const sessions = forPeriod<SessionView>(dashboard.sessions, index);
	const sessionColumns: Array<Column<Shown<SessionView>>> = [
		{ id: 'assistant', label: 'Assistant', numeric: false, sortValue: (item) => assistantLabel(item.row.source), cell: (item) => assistantLabel(item.row.source), title: (item) => `Session ${item.row.sessionId}` },
		{ id: 'project', label: 'Project', numeric: false, sortValue: (item) => projectLabel(item.row.project), cell: (item) => projectLabel(item.row.project), title: (item) => item.row.project },
		{ id: 'branch', label: 'Branch', numeric: false, sortValue: (item) => branchLabel(item.row.branch), cell: (item) => branchLabel(item.row.branch) },
		{
			id: 'model',
			label: 'Model',
			numeric: false,
			sortValue: (item) => item.row.models[0] ?? '',
			cell: (item) => `${modelLabel(item.row.models[0] ?? '')}${item.row.models.length > 1 ? ` +${item.row.models.length - 1}` : ''}`,
			title: (item) => item.row.models.join(', '),
		},
		{ id: 'start', label: 'Start', numeric: true, sortValue: (item) => item.row.firstActivity, cell: (item) => instantLabel(item.row.firstActivity, zone), title: (item) => new Date(item.row.firstActivity).toISOString() },
		{ id: 'end', label: 'End', numeric: true, sortValue: (item) => item.row.lastActivity, cell: (item) => instantLabel(item.row.lastActivity, zone), title: (item) => new Date(item.row.lastActivity).toISOString() },
		{ id: 'tokens', label: 'Tokens', numeric: true, sortValue: (item) => item.figures.totalTokens, cell: (item) => formatTokens(item.figures.totalTokens), title: (item) => tokenBreakdown(item.figures), exact: (item) => item.figures.totalTokens },
		{ id: 'cost', label: 'Cost', numeric: true, sortValue: (item) => item.figures.costUSD, cell: (item) => costCell(item.figures), title: (item) => formatUSDExact(item.figures.costUSD), exact: (item) => item.figures.costUSD },
	];

	const rowsTable = (id: TableId, caption: string, nameLabel: string, rows: readonly BreakdownRow[], name: (key: string) => string, title?: (key: string) => string): HTMLElement => {
		const items = forPeriod(rows, index);
		const nameColumn: Column<Shown<BreakdownRow>> = {
			id: 'name',
			label: nameLabel,
			numeric: false,
			sortValue: (item) => name(item.row.key),
			cell: (item) => name(item.row.key),
			...(title === undefined ? {} : { title: (item: Shown<BreakdownRow>) => title(item.row.key) }),
		};
		return sortableTable({
			id,
			caption,
			columns: [nameColumn, ...figureColumns<Shown<BreakdownRow>>(period.costUSD)],
			items,
			sort: ui.sorts[id],
			onSort: (column, numeric) => onSort(id, column, numeric),
			footer: ['Total', ...figureFooter(period)],
			emptyText: `No usage ${periodText}.`,
		});
	};

	const truncated = !ui.allSessions && sessions.length > sessionsShown;
	const more =
		sessions.length > sessionsShown
			? h(
					'button',
					{ class: 'secondary more', attrs: { type: 'button', 'data-focus': 'all-sessions', 'aria-expanded': String(ui.allSessions) }, onClick: onToggleAllSessions },
					ui.allSessions ? `Show the first ${sessionsShown} only` : `Show all ${sessions.length} sessions`,
				)
			: null;
	return [
		section(
			'sessions',
			'Sessions',
			sortableTable({
				id: 'sessions',
				caption: `Sessions ${periodText}`,
				columns: sessionColumns,
				items: sessions,
				sort: ui.sorts.sessions,
				onSort: (column, numeric) => onSort('sessions', column, numeric),
				limit: truncated ? sessionsShown : undefined,
				footer: [
					truncated ? `Total (all ${sessions.length})` : 'Total',
					'',
					'',
					'',
					'',
					'',
					h('span', { attrs: { 'data-value': period.totalTokens } }, formatTokens(period.totalTokens)),
					h('span', { attrs: { 'data-value': period.costUSD, title: formatUSDExact(period.costUSD) } }, markedUSD(period)),
				],
				emptyText: `No sessions ${periodText}.`,
			}),
			more,
		),
		section('projects', 'Projects', rowsTable('projects', `Projects ${periodText}`, 'Project', dashboard.breakdowns.project, projectLabel, (key) => key || 'Requests without a working folder')),
		section('models', 'Models', rowsTable('models', `Models ${periodText}`, 'Model', dashboard.breakdowns.model, modelLabel)),
	];
}

function section(id: string, title: string, table: HTMLElement, after: Child = null): HTMLElement {
	return h('section', { class: 'table-section', attrs: { 'aria-labelledby': `${id}-title` } }, h('h2', { attrs: { id: `${id}-title` } }, title), h('div', { class: 'table-scroll' }, table), after);
}
