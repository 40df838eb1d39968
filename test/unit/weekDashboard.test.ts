import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { weeklyReport } from '../../src/core/report/reports';
import type { WeekDashboardOptions } from '../../src/core/report/weekDashboard';
import { weekDashboard } from '../../src/core/report/weekDashboard';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import type { SourceId, UsageEvent } from '../../src/core/usage/usageEvent';
import type { TotalsView } from '../../src/shared/viewModels';
import { splitDimensions } from '../../src/shared/viewModels';
import { usageEvent } from './helpers';

// Round prices (USD per million tokens) so that expected amounts can be worked out by hand.
const prices = new PriceBook({
	'model-a': { input: 1, output: 10, cacheWrite: 2, cacheRead: 0.1 },
	'model-b': { input: 3, output: 15 },
});
const utc = new ZonedCalendar('UTC');
const thursday = Date.parse('2026-05-07T12:00:00Z'); // the week of Monday 2026-05-04

let serial = 0;
function event(iso: string, overrides: Partial<UsageEvent> = {}): UsageEvent {
	serial++;
	return usageEvent({ key: `k${serial}`, messageId: `m${serial}`, timestamp: Date.parse(iso), model: 'model-a', inputTokens: 1_000_000, outputTokens: 0, ...overrides });
}

function options(overrides: Partial<WeekDashboardOptions> = {}): WeekDashboardOptions {
	return { calendar: utc, prices, weekStart: 'monday', now: thursday, dailyCapUSD: null, ...overrides };
}

const totalsFields: ReadonlyArray<keyof TotalsView> = [
	'inputTokens',
	'outputTokens',
	'cacheCreationTokens',
	'cacheReadTokens',
	'reasoningTokens',
	'totalTokens',
	'costUSD',
	'requests',
	'unpricedRequests',
	'estimatedRequests',
	'estimatedCostUSD',
	'credits',
];

function pick(totals: TotalsView): Record<string, number> {
	return Object.fromEntries(totalsFields.map((field) => [field, totals[field]]));
}

/** A deterministic mix over five weeks: sources, models (one unpriced), projects, branches, estimates. */
function mixedHistory(count: number): UsageEvent[] {
	let state = 12345;
	const next = (): number => {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		return state / 2 ** 31;
	};
	const choose = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
	const from = Date.parse('2026-04-06T00:00:00Z');
	const span = Date.parse('2026-05-11T00:00:00Z') - from;
	return Array.from({ length: count }, (_, index) =>
		usageEvent({
			key: `mix${index}`,
			messageId: `mix${index}`,
			source: choose<SourceId>(['claude-code', 'codex', 'gemini-cli']),
			timestamp: from + Math.floor(next() * span),
			model: choose(['model-a', 'model-b', 'some-unreleased-model', '']),
			sessionId: `s${Math.floor(next() * 12)}`,
			project: choose(['/home/dev/api', '/home/dev/web', '']),
			branch: choose(['main', 'feature/x', '']),
			estimated: next() < 0.1,
			inputTokens: Math.floor(next() * 5000),
			outputTokens: Math.floor(next() * 2000),
			cacheWrite5mTokens: Math.floor(next() * 3000),
			cacheReadTokens: Math.floor(next() * 40_000),
			reasoningTokens: Math.floor(next() * 100),
		}),
	);
}

describe('weekDashboard: the same numbers as the weekly report', () => {
	const events = mixedHistory(3000);
	const weekly = weeklyReport(events, { calendar: utc, prices, weekStart: 'monday' });

	it('gives each week the totals of its `weekly` row, and the previous week its own', () => {
		assert.ok(weekly.weekly.length >= 5);
		for (const row of weekly.weekly) {
			const dashboard = weekDashboard(events, options({ week: row.week, now: Date.parse('2026-05-20T00:00:00Z') }));
			assert.equal(dashboard.week.start, row.week);
			assert.deepEqual(pick(dashboard.totals), pick(row), `week ${row.week}`);
			const before = weekly.weekly.find((other) => other.week === dashboard.week.previous);
			if (before !== undefined) assert.deepEqual(pick(dashboard.comparison.previousWeek), pick(before));
		}
	});

	it('splits the week into days, assistants, models, projects, branches and sessions that add up to it', () => {
		const dashboard = weekDashboard(events, options({ week: '2026-04-20' }));
		const sum = (items: ReadonlyArray<TotalsView | null>, field: keyof TotalsView): number => items.reduce((total, item) => total + (item?.[field] ?? 0), 0);
		const groups: Array<[string, ReadonlyArray<TotalsView | null>]> = [
			['days', dashboard.days.map((day) => day.totals)],
			...splitDimensions.map((dimension): [string, TotalsView[]] => [dimension, dashboard.breakdowns[dimension].map((row) => row.totals)]),
			['sessions', dashboard.sessions.map((session) => session.totals)],
		];
		for (const [name, items] of groups) {
			for (const field of ['totalTokens', 'requests', 'unpricedRequests', 'estimatedRequests', 'cacheReadTokens'] as const) {
				assert.equal(sum(items, field), dashboard.totals[field], `${name}.${field}`);
			}
			assert.ok(Math.abs(sum(items, 'costUSD') - dashboard.totals.costUSD) < 1e-9, `${name} cost`);
		}
		// Each row's days add up to the row, and day slots line up with the week's days.
		for (const dimension of splitDimensions) {
			for (const row of dashboard.breakdowns[dimension]) {
				assert.equal(row.days.length, 7);
				assert.equal(sum(row.days, 'requests'), row.totals.requests, `${dimension} ${row.key}`);
			}
			for (let index = 0; index < 7; index++) {
				const day = sum(dashboard.breakdowns[dimension].map((row) => row.days[index] ?? null), 'totalTokens');
				assert.equal(day, dashboard.days[index]!.totals.totalTokens, `${dimension} on ${dashboard.days[index]!.date}`);
			}
		}
		for (const session of dashboard.sessions) assert.equal(sum(session.days, 'requests'), session.totals.requests);
		// Unpriced models are named, and the model without a name shows as "unknown" like in the CLI.
		assert.deepEqual(dashboard.unpricedModels, ['some-unreleased-model', 'unknown']);
		assert.ok(dashboard.breakdowns.model.some((row) => row.key === 'unknown'));
		assert.ok(dashboard.breakdowns.project.some((row) => row.key === ''), 'events without a project keep their own row');
	});

	it('orders rows by cost and sessions by their last activity', () => {
		const dashboard = weekDashboard(events, options({ week: '2026-04-27' }));
		for (const dimension of splitDimensions) {
			const costs = dashboard.breakdowns[dimension].map((row) => row.totals.costUSD);
			assert.deepEqual(costs, [...costs].sort((a, b) => b - a));
		}
		const last = dashboard.sessions.map((session) => session.lastActivity);
		assert.deepEqual(last, [...last].sort((a, b) => b - a));
	});
});

describe('weekDashboard: weeks in the user’s zone and week start', () => {
	// 2026-05-11 03:30 UTC is still Sunday 2026-05-10 in New York (UTC−4).
	const lateSunday = event('2026-05-11T03:30:00Z', { inputTokens: 2_000_000 });
	const mondayMorning = event('2026-05-11T13:00:00Z', { inputTokens: 3_000_000 });
	const events = [lateSunday, mondayMorning];
	const newYork = new ZonedCalendar('America/New_York');
	const now = Date.parse('2026-05-12T15:00:00Z');

	it('puts a late Sunday evening into the week that ends that Sunday (Monday start)', () => {
		const current = weekDashboard(events, options({ calendar: newYork, now }));
		assert.equal(current.week.start, '2026-05-11');
		assert.equal(current.totals.inputTokens, 3_000_000);
		const previous = weekDashboard(events, options({ calendar: newYork, now, week: '2026-05-10' }));
		assert.equal(previous.week.start, '2026-05-04');
		assert.equal(previous.week.end, '2026-05-10');
		assert.equal(previous.totals.inputTokens, 2_000_000);
		assert.equal(previous.days[6]!.date, '2026-05-10');
		assert.equal(previous.days[6]!.totals.inputTokens, 2_000_000);
		// In UTC the same instant is Monday: the current week holds both.
		assert.equal(weekDashboard(events, options({ now })).totals.inputTokens, 5_000_000);
	});

	it('starts the week on Sunday when asked', () => {
		const dashboard = weekDashboard(events, options({ calendar: newYork, now, weekStart: 'sunday' }));
		assert.equal(dashboard.week.start, '2026-05-10');
		assert.deepEqual(
			dashboard.days.map((day) => day.date),
			['2026-05-10', '2026-05-11', '2026-05-12', '2026-05-13', '2026-05-14', '2026-05-15', '2026-05-16'],
		);
		assert.equal(dashboard.totals.inputTokens, 5_000_000);
		assert.equal(dashboard.week.today, '2026-05-12');
		assert.deepEqual(dashboard.days.map((day) => day.future), [false, false, false, true, true, true, true]);
		assert.equal(dashboard.daysCounted, 3);
	});

	it('keeps seven days in a week with a DST change, each bucketed by its local date', () => {
		const berlin = new ZonedCalendar('Europe/Berlin');
		// Sunday 2026-03-29 has 23 hours in Berlin; 22:30 UTC that day is already Monday the 30th.
		const edge = [event('2026-03-29T21:30:00Z'), event('2026-03-29T22:30:00Z')];
		const dashboard = weekDashboard(edge, options({ calendar: berlin, now: Date.parse('2026-04-01T10:00:00Z'), week: '2026-03-25' }));
		assert.equal(dashboard.week.start, '2026-03-23');
		assert.equal(dashboard.days.length, 7);
		assert.equal(dashboard.days[6]!.totals.requests, 1);
		assert.equal(dashboard.totals.requests, 1);
		const weekly = weeklyReport(edge, { calendar: berlin, prices, weekStart: 'monday' });
		assert.deepEqual(weekly.weekly.map((row) => [row.week, row.requests]), [['2026-03-23', 1], ['2026-03-30', 1]]);
	});

	it('navigates: never past the current week, back to the oldest week with usage', () => {
		const history = [event('2026-04-15T10:00:00Z'), event('2026-05-05T10:00:00Z')];
		const current = weekDashboard(history, options());
		assert.equal(current.week.start, '2026-05-04');
		assert.equal(current.week.current, '2026-05-04');
		assert.equal(current.week.isCurrent, true);
		assert.equal(current.week.next, null);
		assert.equal(current.week.previous, '2026-04-27');
		assert.equal(current.earliestWeek, '2026-04-13');
		assert.equal(weekDashboard(history, options({ week: '2026-06-01' })).week.start, '2026-05-04', 'a future week shows the current one');
		const oldest = weekDashboard(history, options({ week: '2026-04-16' }));
		assert.equal(oldest.week.start, '2026-04-13');
		assert.equal(oldest.week.previous, null);
		assert.equal(oldest.week.next, '2026-04-20');
		assert.equal(oldest.week.today, null);
		assert.equal(oldest.daysCounted, 7);
	});

	it('describes an empty ledger as an empty current week', () => {
		const dashboard = weekDashboard([], options());
		assert.equal(dashboard.earliestWeek, null);
		assert.equal(dashboard.week.previous, null);
		assert.equal(dashboard.totals.requests, 0);
		assert.equal(dashboard.days.length, 7);
		assert.equal(dashboard.cacheHitShare, null);
		assert.equal(dashboard.comparison.changeRatio, null);
		assert.deepEqual(dashboard.sessions, []);
		assert.equal(dashboard.dailyAverageUSD, 0);
	});
});

describe('weekDashboard: headline figures', () => {
	it('compares a past week with the whole week before it', () => {
		const events = [
			event('2026-04-21T10:00:00Z', { inputTokens: 4_000_000 }), // $4 in the week of 04-20
			event('2026-04-26T23:00:00Z', { inputTokens: 1_000_000 }), // $1, Sunday of that week
			event('2026-04-28T10:00:00Z', { inputTokens: 6_000_000 }), // $6 in the week of 04-27
		];
		const dashboard = weekDashboard(events, options({ week: '2026-04-27' }));
		assert.equal(dashboard.comparison.basis, 'whole-week');
		assert.equal(dashboard.comparison.previousWeek.costUSD, 5);
		assert.equal(dashboard.comparison.comparedCostUSD, 5);
		assert.equal(dashboard.comparison.changeUSD, 1);
		assert.equal(dashboard.comparison.changeRatio, 0.2);
		assert.equal(dashboard.dailyAverageUSD, 6 / 7);
	});

	it('compares the current week with the previous one up to the same moment', () => {
		const events = [
			event('2026-04-28T10:00:00Z', { inputTokens: 2_000_000 }), // last Tuesday: before now − 7 days
			event('2026-04-30T11:59:00Z', { inputTokens: 1_000_000 }), // last Thursday, a minute earlier in the day
			event('2026-04-30T12:01:00Z', { inputTokens: 8_000_000 }), // last Thursday, later in the day: not yet comparable
			event('2026-05-05T10:00:00Z', { inputTokens: 6_000_000 }),
		];
		const dashboard = weekDashboard(events, options());
		assert.equal(dashboard.comparison.basis, 'same-time');
		assert.equal(dashboard.comparison.previousWeek.costUSD, 11);
		assert.equal(dashboard.comparison.comparedCostUSD, 3);
		assert.equal(dashboard.comparison.changeUSD, 3);
		assert.equal(dashboard.comparison.changeRatio, 1);
		// Thursday is the fourth day of a Monday week: the average is over four days.
		assert.equal(dashboard.daysCounted, 4);
		assert.equal(dashboard.dailyAverageUSD, 6 / 4);
	});

	it('counts tokens by kind and the cache-hit share', () => {
		const events = [
			event('2026-05-05T10:00:00Z', { inputTokens: 100, cacheReadTokens: 600, cacheWrite5mTokens: 200, cacheWrite1hTokens: 100, outputTokens: 50 }),
			event('2026-05-06T10:00:00Z', { inputTokens: 0, cacheReadTokens: 0, outputTokens: 7 }),
		];
		const dashboard = weekDashboard(events, options());
		assert.equal(dashboard.totals.inputTokens, 100);
		assert.equal(dashboard.totals.outputTokens, 57);
		assert.equal(dashboard.totals.cacheCreationTokens, 300);
		assert.equal(dashboard.totals.cacheReadTokens, 600);
		assert.equal(dashboard.cacheHitShare, 600 / (100 + 600 + 300));
	});

	it('counts days over the daily cap only when a cap is set', () => {
		const events = [
			event('2026-05-04T10:00:00Z', { inputTokens: 3_000_000 }), // $3
			event('2026-05-05T10:00:00Z', { inputTokens: 1_000_000 }), // $1
			event('2026-05-06T10:00:00Z', { inputTokens: 2_500_000 }), // $2.50
		];
		assert.equal(weekDashboard(events, options()).daysOverCap, null);
		assert.equal(weekDashboard(events, options()).dailyCapUSD, null);
		const capped = weekDashboard(events, options({ dailyCapUSD: 2 }));
		assert.equal(capped.dailyCapUSD, 2);
		assert.equal(capped.daysOverCap, 2);
	});

	it('marks estimated amounts and unpriced models', () => {
		const events = [
			event('2026-05-05T10:00:00Z', { estimated: true, inputTokens: 2_000_000 }),
			event('2026-05-05T11:00:00Z', { model: 'some-unreleased-model' }),
			event('2026-05-05T12:00:00Z'),
		];
		const dashboard = weekDashboard(events, options());
		assert.equal(dashboard.totals.estimatedRequests, 1);
		assert.equal(dashboard.totals.estimatedCostUSD, 2);
		assert.equal(dashboard.totals.costUSD, 3);
		assert.equal(dashboard.totals.unpricedRequests, 1);
		assert.deepEqual(dashboard.unpricedModels, ['some-unreleased-model']);
	});

	it('gives sessions their models, first and last activity and per-day figures', () => {
		const events = [
			event('2026-05-04T22:00:00Z', { sessionId: 'long', model: 'model-b', inputTokens: 1_000_000 }), // $3
			event('2026-05-05T01:00:00Z', { sessionId: 'long', branch: 'feature/y' }), // $1, the branch it ends on
			event('2026-05-05T09:00:00Z', { sessionId: 'short', project: '/q' }),
		];
		const dashboard = weekDashboard(events, options());
		assert.deepEqual(dashboard.sessions.map((session) => session.sessionId), ['short', 'long']);
		const long = dashboard.sessions[1]!;
		assert.deepEqual(long.models, ['model-b', 'model-a']);
		assert.equal(long.branch, 'feature/y');
		assert.equal(long.firstActivity, Date.parse('2026-05-04T22:00:00Z'));
		assert.equal(long.lastActivity, Date.parse('2026-05-05T01:00:00Z'));
		assert.deepEqual(long.days.map((day) => day?.costUSD ?? null), [3, 1, null, null, null, null, null]);
		assert.deepEqual(dashboard.breakdowns.branch.map((row) => row.key), ['main', 'feature/y']);
		assert.deepEqual(dashboard.breakdowns.project.map((row) => [row.key, row.totals.costUSD]), [['/p', 4], ['/q', 1]]);
	});

	it('leaves out sources the user turned off, also when finding the oldest week', () => {
		const events = [event('2026-04-01T10:00:00Z', { source: 'codex' }), event('2026-05-05T10:00:00Z')];
		const dashboard = weekDashboard(events, options({ sources: new Set<SourceId>(['claude-code']) }));
		assert.equal(dashboard.earliestWeek, '2026-05-04');
		assert.deepEqual(dashboard.breakdowns.assistant.map((row) => row.key), ['claude-code']);
	});
});
