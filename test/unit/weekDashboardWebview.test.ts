import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { weekDashboard } from '../../src/core/report/weekDashboard';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { contentSecurityPolicy, dashboardHtml } from '../../src/extension/dashboard/dashboardHtml';
import { parseWebviewMessage } from '../../src/shared/protocol';
import { chartModel, maxSeries } from '../../webview/chartSeries';
import { formatChange, formatShare, formatSignedUSD, instantLabel, projectLabel, weekRangeLabel } from '../../webview/format';
import { forPeriod, sortItems } from '../../webview/tableData';
import { initialUiState, parseUiState, reduce } from '../../webview/uiState';
import { usageEvent } from './helpers';

const prices = new PriceBook({ 'model-a': { input: 1, output: 10 } });
const thursday = Date.parse('2026-05-07T12:00:00Z');
const events = Array.from({ length: 9 }, (_, index) =>
	usageEvent({
		key: `e${index}`,
		timestamp: Date.parse(`2026-05-0${4 + (index % 3)}T10:00:00Z`),
		model: 'model-a',
		inputTokens: (index + 1) * 1_000_000, // project-i costs $(i + 1)
		outputTokens: 0,
		project: `/home/dev/project-${index}`,
	}),
);
const dashboard = weekDashboard(events, { calendar: new ZonedCalendar('UTC'), prices, weekStart: 'monday', now: thursday, dailyCapUSD: 20 });

describe('webview messages', () => {
	it('accepts the protocol’s messages with valid fields only', () => {
		assert.deepEqual(parseWebviewMessage({ type: 'ready', week: null }), { type: 'ready', week: null });
		assert.deepEqual(parseWebviewMessage({ type: 'showWeek', week: '2026-05-04', extra: 1 }), { type: 'showWeek', week: '2026-05-04' });
		assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
		assert.deepEqual(parseWebviewMessage({ type: 'openSettings' }), { type: 'openSettings' });
		assert.deepEqual(parseWebviewMessage({ type: 'showSources' }), { type: 'showSources' });
		assert.equal(parseWebviewMessage({ type: 'cspViolation', directive: 'style-src', blocked: 'x'.repeat(1000) })?.type, 'cspViolation');
	});

	it('rejects anything else', () => {
		for (const message of [
			null,
			'ready',
			[],
			{},
			{ type: 'ready' },
			{ type: 'showWeek', week: '2026-02-30' },
			{ type: 'showWeek', week: '2026-5-4' },
			{ type: 'showWeek', week: 20260504 },
			{ type: 'export', format: 'xlsx' },
			{ type: 'export', format: '../../etc/passwd' },
			{ type: 'cspViolation', directive: 1, blocked: '' },
			{ type: 'runCommand', command: 'workbench.action.terminal.new' },
		]) {
			assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message));
		}
	});
});

describe('dashboard page HTML', () => {
	it('has a strict policy: scripts by nonce only, styles and images from the extension only', () => {
		const csp = contentSecurityPolicy('https://abc.vscode-cdn.net', 'bm9uY2U=');
		assert.equal(csp, "default-src 'none'; script-src 'nonce-bm9uY2U='; style-src https://abc.vscode-cdn.net; img-src https://abc.vscode-cdn.net; font-src https://abc.vscode-cdn.net");
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
		const html = dashboardHtml({ cspSource: 'https://abc.vscode-cdn.net', nonce: 'bm9uY2U=', scriptUri: 'https://x/main.js?a=1&b="2"', styleUri: 'https://x/d.css' });
		assert.match(html, /<script nonce="bm9uY2U=" src="https:\/\/x\/main\.js\?a=1&amp;b=&quot;2&quot;"><\/script>/);
		assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, loaded from the bundle');
		assert.doesNotMatch(html, /<style|style="/, 'no inline style');
	});
});

describe('webview UI state', () => {
	it('toggles a day, clears it on a new week, and drops it when the snapshot has no such day', () => {
		let state = reduce(initialUiState, { type: 'toggleDay', day: '2026-05-05' });
		assert.equal(state.day, '2026-05-05');
		assert.equal(reduce(state, { type: 'toggleDay', day: '2026-05-05' }).day, null);
		assert.equal(reduce(state, { type: 'snapshot', dashboard }).day, '2026-05-05');
		assert.equal(reduce({ ...state, day: '2026-05-09' }, { type: 'snapshot', dashboard }).day, null, 'a day still to come');
		state = reduce(state, { type: 'showWeek', week: '2026-04-27' });
		assert.deepEqual([state.week, state.day], ['2026-04-27', null]);
	});

	it('sorts numbers largest first and names A to Z on the first click, then flips', () => {
		let state = reduce(initialUiState, { type: 'sort', table: 'projects', column: 'name', numeric: false });
		assert.deepEqual(state.sorts.projects, { column: 'name', descending: false });
		state = reduce(state, { type: 'sort', table: 'projects', column: 'name', numeric: false });
		assert.deepEqual(state.sorts.projects, { column: 'name', descending: true });
		state = reduce(state, { type: 'sort', table: 'projects', column: 'requests', numeric: true });
		assert.deepEqual(state.sorts.projects, { column: 'requests', descending: true });
		assert.deepEqual(state.sorts.models, initialUiState.sorts.models);
	});

	it('restores a saved state, keeping only valid parts', () => {
		assert.deepEqual(parseUiState(undefined), initialUiState);
		const restored = parseUiState({ week: '2026-04-27', split: 'branch', day: 'yesterday', sorts: { sessions: { column: 'cost', descending: false }, models: 'x' } });
		assert.equal(restored.week, '2026-04-27');
		assert.equal(restored.split, 'branch');
		assert.equal(restored.day, null);
		assert.deepEqual(restored.sorts.sessions, { column: 'cost', descending: false });
		assert.deepEqual(restored.sorts.models, initialUiState.sorts.models);
		assert.equal(parseUiState({ split: 'colour' }).split, 'assistant');
		assert.equal(parseUiState({ allSessions: true }).allSessions, true);
		assert.equal(parseUiState({ allSessions: 'yes' }).allSessions, false);
		assert.equal(reduce(initialUiState, { type: 'toggleAllSessions' }).allSessions, true);
	});
});

describe('chart series', () => {
	it('keeps the costliest series and sums the rest as Other, with the same day totals', () => {
		const model = chartModel(dashboard, 'project');
		assert.equal(model.series.length, maxSeries);
		assert.deepEqual(model.series.slice(0, maxSeries - 1).map((series) => series.label), ['project-8', 'project-7', 'project-6', 'project-5', 'project-4']);
		const other = model.series[maxSeries - 1]!;
		assert.equal(other.key, null);
		assert.equal(other.label, 'Other (4)');
		for (let day = 0; day < 7; day++) {
			const stacked = model.series.reduce((sum, series) => sum + series.costs[day]!, 0);
			assert.equal(stacked, model.dayTotals[day], `day ${day}`);
		}
		assert.equal(model.series[0]!.title, '/home/dev/project-8');
	});

	it('runs a cumulative total up to today, and carries the cap', () => {
		const model = chartModel(dashboard, 'assistant');
		assert.deepEqual(model.cumulative, [12, 27, 45, 45, null, null, null]);
		assert.equal(model.capUSD, 20);
		assert.deepEqual(model.labels, ['Mon 4', 'Tue 5', 'Wed 6', 'Thu 7', 'Fri 8', 'Sat 9', 'Sun 10']);
		assert.deepEqual(model.series.map((series) => series.label), ['Claude Code']);
	});
});

describe('tables', () => {
	it('shows the week, or one day’s slot of each row, leaving out rows idle that day', () => {
		const week = forPeriod(dashboard.breakdowns.project, null);
		assert.equal(week.length, 9);
		const tuesday = forPeriod(dashboard.breakdowns.project, 1);
		assert.deepEqual(tuesday.map((item) => item.row.key).sort(), ['/home/dev/project-1', '/home/dev/project-4', '/home/dev/project-7']);
		assert.deepEqual(forPeriod(dashboard.breakdowns.project, 5), []);
	});

	it('sorts stably, numbers by value and names the way people read them', () => {
		assert.deepEqual(sortItems(['v10', 'v9', 'V1', 'b'], (item) => item, false), ['b', 'V1', 'v9', 'v10']);
		assert.deepEqual(sortItems([{ id: 'a', n: 2 }, { id: 'b', n: 1 }, { id: 'c', n: 2 }], (item) => item.n, true).map((item) => item.id), ['a', 'c', 'b']);
	});
});

describe('webview formatting', () => {
	it('writes week ranges, changes, shares and times', () => {
		assert.equal(weekRangeLabel('2026-05-04', '2026-05-10'), 'May 4 – 10, 2026');
		assert.equal(weekRangeLabel('2026-04-27', '2026-05-03'), 'Apr 27 – May 3, 2026');
		assert.equal(weekRangeLabel('2026-12-28', '2027-01-03'), 'Dec 28, 2026 – Jan 3, 2027');
		assert.equal(formatSignedUSD(1.2), '+$1.20');
		assert.equal(formatSignedUSD(-0.354), '−$0.35');
		assert.equal(formatSignedUSD(0.001), '$0.00');
		assert.equal(formatChange(0.123), '+12%');
		assert.equal(formatChange(-0.4), '−40%');
		assert.equal(formatShare(0.004), '<1%');
		assert.equal(formatShare(0.871), '87%');
		assert.equal(instantLabel(Date.parse('2026-05-04T23:30:00Z'), 'Asia/Tokyo'), 'Tue 08:30');
		assert.equal(projectLabel('/home/dev/acme-api/'), 'acme-api');
		assert.equal(projectLabel('C:\\work\\shop'), 'shop');
		assert.equal(projectLabel(''), '(no project)');
	});
});
