/**
 * The page: its fixed frame (header, week navigation, export, split control, chart, day filter,
 * tables, notes) built once, then filled from each snapshot and the UI state. Parts are redrawn
 * whole; the keyboard focus is put back on the control that had it (by its `data-focus` key).
 */
import type { ExportFormat } from '../src/shared/protocol';
import type { DashboardSnapshot, DateKey, SplitDimension, WeekDashboard } from '../src/shared/viewModels';
import { splitDimensions } from '../src/shared/viewModels';
import { breakdownTables } from './breakdownTables';
import { chartModel } from './chartSeries';
import { chartTable } from './chartTable';
import { CostChart } from './costChart';
import type { Child } from './dom';
import { h, replaceChildren } from './dom';
import { dayLabel, formatUSD, formatUSDExact, longDayLabel, markedUSD, weekRangeLabel } from './format';
import { headlineCards, tokenKinds } from './headline';
import { readTheme } from './theme';
import type { TableId, UiState } from './uiState';

export interface PageActions {
	showWeek(week: DateKey | null): void;
	split(split: SplitDimension): void;
	toggleDay(day: DateKey | null): void;
	sort(table: TableId, column: string, numeric: boolean): void;
	toggleAllSessions(): void;
	export(format: ExportFormat): void;
	openSettings(): void;
	showSources(): void;
}

const splitNames: Readonly<Record<SplitDimension, string>> = { assistant: 'Assistant', model: 'Model', project: 'Project', branch: 'Branch' };

export class DashboardPage {
	private readonly weekRange = h('p', { class: 'week-range', attrs: { id: 'week-range' } });
	private readonly weekMeta = h('p', { class: 'week-meta' });
	private readonly previous: HTMLButtonElement;
	private readonly thisWeek: HTMLButtonElement;
	private readonly next: HTMLButtonElement;
	private readonly toolbar: HTMLElement;
	/** Announcements for screen readers (a new week, loading); the page shows the same by itself. */
	private readonly status = h('p', { class: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });
	private readonly loading = h('span', { class: 'loading-indicator', attrs: { hidden: true, 'aria-hidden': 'true' } }, 'Loading…');
	private readonly error = h('div', { class: 'error', attrs: { role: 'alert', hidden: true } });
	private readonly empty = h('section', { class: 'empty', attrs: { hidden: true, 'aria-labelledby': 'empty-title' } });
	private readonly content = h('div', { class: 'content', attrs: { hidden: true } });
	private readonly cards = h('section', { class: 'glance', attrs: { 'aria-label': 'The week at a glance' } });
	private readonly splitGroup = h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Split the bars by' } });
	private readonly canvas = h('canvas', { attrs: { id: 'cost-chart', role: 'img' } });
	private readonly chartEmpty = h('p', { class: 'chart-empty', attrs: { hidden: true } }, 'No usage recorded in this week.');
	private readonly chartTableBox = h('div', { class: 'table-scroll' });
	private readonly dayButtons = h('div', { class: 'days', attrs: { role: 'group', 'aria-labelledby': 'day-filter-title' } });
	private readonly tables = h('div', { class: 'tables' });
	private readonly notes = h('footer', { class: 'notes' });
	private readonly chart: CostChart;
	private shownWeek: DateKey | undefined;
	private dashboard: WeekDashboard | undefined;
	private currentDates: readonly DateKey[] = [];
	private futureDates = new Set<DateKey>();

	constructor(
		private readonly root: HTMLElement,
		private readonly actions: PageActions,
	) {
		const button = (label: string, focus: string, onClick: () => void, extra: Record<string, string> = {}): HTMLButtonElement =>
			h('button', { attrs: { type: 'button', 'data-focus': focus, ...extra }, onClick }, label);
		this.previous = button('‹ Previous week', 'prev-week', () => this.go('previous'), { 'aria-label': 'Previous week' });
		this.thisWeek = button('This week', 'this-week', () => actions.showWeek(null));
		this.next = button('Next week ›', 'next-week', () => this.go('next'), { 'aria-label': 'Next week' });
		this.toolbar = h(
			'div',
			{ class: 'toolbar' },
			h('nav', { class: 'week-nav', attrs: { 'aria-label': 'Weeks' } }, this.previous, this.thisWeek, this.next),
			h(
				'div',
				{ class: 'export', attrs: { role: 'group', 'aria-label': 'Export the shown week' } },
				button('Export CSV', 'export-csv', () => actions.export('csv'), { class: 'secondary' }),
				button('Export JSON', 'export-json', () => actions.export('json'), { class: 'secondary' }),
			),
		);
		this.chart = new CostChart(this.canvas, (index) => {
			const date = this.currentDates[index];
			if (date !== undefined && !this.futureDates.has(date)) actions.toggleDay(date);
		});
		for (const split of splitDimensions) {
			this.splitGroup.appendChild(button(splitNames[split], `split-${split}`, () => actions.split(split), { 'aria-pressed': 'false', 'data-split': split }));
		}
		this.content.append(
			this.cards,
			h(
				'section',
				{ class: 'chart-section', attrs: { 'aria-labelledby': 'chart-title' } },
				h('div', { class: 'section-head' }, h('h2', { attrs: { id: 'chart-title' } }, 'Cost per day'), this.splitGroup),
				h('div', { class: 'chart-box' }, this.canvas, this.chartEmpty),
				h('details', { class: 'chart-data' }, h('summary', { attrs: { 'data-focus': 'chart-data' } }, 'Show the chart as a table'), this.chartTableBox),
			),
			h('section', { class: 'day-filter' }, h('h2', { attrs: { id: 'day-filter-title' } }, 'Tables show'), this.dayButtons),
			this.tables,
			this.notes,
		);
	}

	/** Between asking for another week and its snapshot: the old figures stay, dimmed. */
	showLoading(): void {
		this.root.setAttribute('aria-busy', 'true');
		this.content.classList.add('stale');
		this.loading.hidden = false;
		this.status.textContent = 'Loading…';
	}

	showError(message: string): void {
		this.root.setAttribute('aria-busy', 'false');
		this.content.classList.remove('stale');
		this.loading.hidden = true;
		this.error.hidden = false;
		replaceChildren(this.error, message);
		if (this.dashboard === undefined) {
			// Nothing to show yet: the error replaces the loading text.
			this.mountFrame();
			this.content.hidden = true;
		}
	}

	render(snapshot: DashboardSnapshot, ui: UiState): void {
		const focused = document.activeElement?.getAttribute('data-focus') ?? null;
		const { dashboard } = snapshot;
		this.mountFrame();
		this.dashboard = dashboard;
		this.currentDates = dashboard.days.map((day) => day.date);
		this.futureDates = new Set(dashboard.days.filter((day) => day.future).map((day) => day.date));
		this.root.setAttribute('aria-busy', 'false');
		this.content.classList.remove('stale');
		this.loading.hidden = true;
		this.error.hidden = true;

		this.weekRange.textContent = `${weekRangeLabel(dashboard.week.start, dashboard.week.end)}${dashboard.week.isCurrent ? ' · this week' : ''}`;
		this.weekMeta.textContent = `Days in ${dashboard.timeZone} · weeks start on ${dashboard.weekStart === 'monday' ? 'Monday' : 'Sunday'}${dashboard.week.isCurrent ? ' · updates live' : ''}`;
		this.previous.disabled = dashboard.week.previous === null;
		this.next.disabled = dashboard.week.next === null;
		this.thisWeek.disabled = dashboard.week.isCurrent;
		if (this.shownWeek !== dashboard.week.start) {
			// Announce a new week, not every live update.
			this.status.textContent = `Showing ${weekRangeLabel(dashboard.week.start, dashboard.week.end)}: ${formatUSD(dashboard.totals.costUSD)}`;
			this.shownWeek = dashboard.week.start;
		} else if (this.status.textContent === 'Loading…') {
			this.status.textContent = '';
		}

		const nothingAtAll = dashboard.earliestWeek === null;
		this.empty.hidden = !nothingAtAll;
		this.content.hidden = nothingAtAll;
		this.toolbar.hidden = nothingAtAll;
		if (nothingAtAll) {
			this.renderEmpty(snapshot.roots);
		} else {
			this.renderContent(dashboard, ui);
		}
		if (focused !== null) {
			const target = this.root.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`);
			if (target !== null && target !== document.activeElement && !target.hasAttribute('disabled')) target.focus();
		}
	}

	/** The theme changed: the canvas cannot follow CSS variables by itself. */
	redrawChart(ui: UiState): void {
		if (this.dashboard !== undefined && !this.content.hidden) this.drawChart(this.dashboard, ui);
	}

	private mountFrame(): void {
		if (this.root.querySelector('.top') !== null) return;
		replaceChildren(
			this.root,
			h('header', { class: 'top' }, h('div', { class: 'title-block' }, h('h1', {}, 'Weekly AI cost', this.loading), this.weekRange, this.weekMeta), this.toolbar),
			this.status,
			this.error,
			this.empty,
			this.content,
		);
	}

	private go(direction: 'previous' | 'next'): void {
		const week = this.dashboard?.week;
		if (week === undefined) return;
		const target = direction === 'previous' ? week.previous : week.next;
		// Arriving at the current week means "this week" again, which then follows the calendar.
		if (target !== null) this.actions.showWeek(target === week.current ? null : target);
	}

	private renderContent(dashboard: WeekDashboard, ui: UiState): void {
		replaceChildren(this.cards, headlineCards(dashboard), tokenKinds(dashboard));
		for (const button of this.splitGroup.querySelectorAll<HTMLButtonElement>('button[data-split]')) {
			button.setAttribute('aria-pressed', String(button.dataset['split'] === ui.split));
		}
		this.drawChart(dashboard, ui);
		this.renderDayFilter(dashboard, ui);
		replaceChildren(this.tables, ...breakdownTables({
				dashboard,
				ui,
				onSort: (table, column, numeric) => this.actions.sort(table, column, numeric),
				onToggleAllSessions: () => this.actions.toggleAllSessions(),
			}));
		this.renderNotes(dashboard);
	}

	private drawChart(dashboard: WeekDashboard, ui: UiState): void {
		const model = chartModel(dashboard, ui.split);
		const selected = ui.day === null ? null : model.dates.indexOf(ui.day);
		this.chart.draw({ model, theme: readTheme(), selected: selected === null || selected < 0 ? null : selected });
		const perDay = model.dates.map((date, index) => `${model.labels[index]} ${formatUSD(model.dayTotals[index] ?? 0)}`).join(', ');
		this.canvas.setAttribute('aria-label', `Cost per day by ${splitNames[ui.split].toLowerCase()}: ${perDay}. The same figures are in the table below the chart.`);
		this.chartEmpty.hidden = dashboard.totals.requests > 0;
		replaceChildren(this.chartTableBox, chartTable(model, splitNames[ui.split].toLowerCase()));
	}

	private renderDayFilter(dashboard: WeekDashboard, ui: UiState): void {
		const option = (day: DateKey | null, label: Child, amount: string, title: string, disabled: boolean): HTMLButtonElement =>
			h(
				'button',
				{
					class: 'day',
					attrs: { type: 'button', 'aria-pressed': String(ui.day === day), 'data-focus': `day-${day ?? 'week'}`, title, disabled },
					onClick: () => this.actions.toggleDay(day),
				},
				h('span', { class: 'day-name' }, label),
				h('span', { class: 'day-amount' }, amount),
			);
		replaceChildren(
			this.dayButtons,
			option(null, 'Whole week', markedUSD(dashboard.totals), 'Show the whole week in the tables', false),
			...dashboard.days.map((day) =>
				option(
					day.date,
					day.date === dashboard.week.today ? `${dayLabel(day.date)} (today)` : dayLabel(day.date),
					day.future ? '–' : markedUSD(day.totals),
					day.future ? `${longDayLabel(day.date)}: still to come` : `${longDayLabel(day.date)}: ${formatUSDExact(day.totals.costUSD)}`,
					day.future,
				),
			),
		);
	}

	private renderNotes(dashboard: WeekDashboard): void {
		const notes: HTMLElement[] = [];
		const { totals } = dashboard;
		if (totals.estimatedRequests > 0) {
			notes.push(h('p', {}, `~ Includes ${formatUSD(totals.estimatedCostUSD)} from ${totals.estimatedRequests} requests whose tokens were estimated with a tokenizer, not reported by the provider.`));
		}
		if (dashboard.unpricedModels.length > 0) {
			notes.push(h('p', {}, `* No known price for ${dashboard.unpricedModels.join(', ')}: their tokens are counted, their cost is not. Add a price in the tokenLedger.priceOverrides setting.`));
		}
		notes.push(h('p', {}, 'Click a bar or a day to filter the tables; click it again for the whole week. Column headers sort.'));
		replaceChildren(this.notes, ...notes);
	}

	private renderEmpty(roots: readonly string[]): void {
		const places = [...new Set(roots)];
		const list = (items: readonly string[]): HTMLElement => h('ul', { class: 'roots' }, ...items.map((root) => h('li', {}, h('code', {}, root))));
		const firstFew = 5;
		replaceChildren(
			this.empty,
			h('h2', { attrs: { id: 'empty-title' } }, 'No AI usage found yet'),
			h('p', {}, 'Token Ledger reads the usage records your AI assistants keep on this machine. It looked in:'),
			places.length === 0
				? h('p', { class: 'muted' }, 'No locations: every source is turned off in the settings.')
				: list(places.slice(0, firstFew)),
			places.length > firstFew ? h('details', { class: 'more-roots' }, h('summary', { attrs: { 'data-focus': 'more-roots' } }, `and ${places.length - firstFew} more places`), list(places.slice(firstFew))) : null,
			h('p', {}, 'What to do:'),
			h(
				'ul',
				{},
				h('li', {}, 'Use a supported assistant (Claude Code, Codex, Gemini CLI, Cline, Roo Code, …) in any project: its usage shows up here within seconds, without reopening this view.'),
				h('li', {}, 'If its records are kept somewhere else (a custom CLAUDE_CONFIG_DIR or CODEX_HOME, another disk), add that folder to the source’s extra paths in the settings.'),
				h('li', {}, 'The sources report says, per assistant, what was found where and which lines could not be read.'),
			),
			h(
				'div',
				{ class: 'actions' },
				h('button', { attrs: { type: 'button', 'data-focus': 'open-settings' }, onClick: () => this.actions.openSettings() }, 'Open Settings'),
				h('button', { class: 'secondary', attrs: { type: 'button', 'data-focus': 'show-sources' }, onClick: () => this.actions.showSources() }, 'Show Sources Report'),
			),
		);
	}
}
