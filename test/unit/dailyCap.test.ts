import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapSettings } from '../../src/core/budget/dailyCap';
import { allowsNewRequests, evaluateCap, parseCapInput, validateThresholds } from '../../src/core/budget/dailyCap';
import type { SpendPoint } from '../../src/core/budget/forecast';
import { forecastCrossing, medianDailySpend, runawaySessions, usualHourlyRate } from '../../src/core/budget/forecast';
import { ZonedCalendar } from '../../src/core/time/zonedDate';

const cap = (dailyUSD: number | null, thresholds = [80, 100]): CapSettings => ({ dailyUSD, thresholds, scope: 'all' });
const minute = 60_000;
const at = (iso: string): number => Date.parse(iso);

describe('evaluateCap', () => {
	it('moves from ok to warning to over at the thresholds', () => {
		const cases = [
			[0, 'ok', null],
			[7.99, 'ok', null],
			[8, 'warning', 80],
			[9.99, 'warning', 80],
			[10, 'over', 100],
			[25, 'over', 100],
		] as const satisfies ReadonlyArray<readonly [number, string, number | null]>;
		for (const [spent, state, threshold] of cases) {
			const status = evaluateCap(spent, cap(10), undefined, '2026-11-28', null);
			assert.equal(status.state, state, `at ${spent}`);
			assert.equal(status.reachedThreshold, threshold, `at ${spent}`);
			assert.equal(status.percent, spent * 10);
		}
	});

	it('is off without a cap, and never blocks then', () => {
		const status = evaluateCap(100, cap(null), undefined, '2026-11-28', null);
		assert.deepEqual([status.state, status.percent, status.dailyUSD], ['off', null, null]);
		assert.equal(allowsNewRequests(status), true);
	});

	it('a cap set below today’s spend is over at once, with only the highest threshold reached', () => {
		const status = evaluateCap(30, cap(20, [50, 80, 100]), undefined, '2026-11-28', null);
		assert.equal(status.state, 'over');
		assert.equal(status.reachedThreshold, 100);
		assert.equal(allowsNewRequests(status), false);
	});

	it('a raise or snooze applies to its own day only', () => {
		const raised = { date: '2026-11-28', raisedToUSD: 50, snoozed: false };
		assert.equal(evaluateCap(30, cap(20), raised, '2026-11-28', null).state, 'ok');
		assert.equal(evaluateCap(30, cap(20), raised, '2026-11-28', null).raisedForToday, true);
		assert.equal(evaluateCap(30, cap(20), raised, '2026-11-29', null).state, 'over');
		const snoozed = { date: '2026-11-28', raisedToUSD: null, snoozed: true };
		const status = evaluateCap(30, cap(20), snoozed, '2026-11-28', null);
		assert.equal(status.state, 'over');
		assert.equal(allowsNewRequests(status), true);
		assert.equal(allowsNewRequests(evaluateCap(30, cap(20), snoozed, '2026-11-29', null)), false);
	});

	it('validates thresholds', () => {
		assert.deepEqual(validateThresholds([100, 50, 50]).thresholds, [50, 100]);
		assert.ok(validateThresholds([0]).error);
		assert.ok(validateThresholds('80').error);
		assert.deepEqual(validateThresholds(undefined).thresholds, [80, 100]);
	});
});

describe('forecastCrossing', () => {
	const endOfDay = at('2026-11-29T00:00:00Z');
	const steady = (from: string, count: number, everyMinutes: number, cost: number): SpendPoint[] =>
		Array.from({ length: count }, (_, i) => ({ timestamp: at(from) + i * everyMinutes * minute, costUSD: cost, session: 's' }));

	it('projects the last hour’s average rate to the crossing time', () => {
		// $1 every 6 minutes from 10:00 to 11:54: $20 spent, $10/hour; a $30 cap is reached an hour later.
		const points = steady('2026-11-28T10:00:00Z', 20, 6, 1);
		const crossing = forecastCrossing(points, 30, at('2026-11-28T11:54:00Z'), endOfDay);
		assert.equal(new Date(crossing!).toISOString(), '2026-11-28T12:54:00.000Z');
	});

	it('returns the moment the running total crossed when already over', () => {
		const points = steady('2026-11-28T10:00:00Z', 20, 6, 1);
		assert.equal(new Date(forecastCrossing(points, 5, at('2026-11-28T12:00:00Z'), endOfDay)!).toISOString(), '2026-11-28T10:24:00.000Z');
	});

	it('projects nothing after half an hour of idle time, or past midnight', () => {
		const points = steady('2026-11-28T10:00:00Z', 20, 6, 1);
		assert.equal(forecastCrossing(points, 30, at('2026-11-28T12:30:00Z'), endOfDay), null);
		assert.equal(forecastCrossing(points, 500, at('2026-11-28T11:54:00Z'), endOfDay), null);
		assert.equal(forecastCrossing([], 10, at('2026-11-28T11:54:00Z'), endOfDay), null);
	});

	it('counts idle minutes inside the last hour, so a burst then a pause slows the projection', () => {
		const burst = steady('2026-11-28T11:00:00Z', 10, 1, 1); // $10 in 10 minutes, then 20 idle minutes
		const crossing = forecastCrossing(burst, 20, at('2026-11-28T11:30:00Z'), endOfDay);
		// $10 over 30 minutes of the hour so far → $20/h → $10 more takes 30 minutes.
		assert.equal(new Date(crossing!).toISOString(), '2026-11-28T12:00:00.000Z');
	});
});

describe('usual rate and runaways', () => {
	it('takes the median spend per active hour over past days', () => {
		const calendar = new ZonedCalendar('UTC');
		const points: SpendPoint[] = [
			// Day 1: $6 over two 5-minute buckets (10 minutes) → $36/h. Day 2: $1 in one bucket → $12/h. Day 3: $2 → $24/h.
			{ timestamp: at('2026-11-25T10:00:00Z'), costUSD: 3, session: 'a' },
			{ timestamp: at('2026-11-25T10:06:00Z'), costUSD: 3, session: 'a' },
			{ timestamp: at('2026-11-26T10:00:00Z'), costUSD: 1, session: 'a' },
			{ timestamp: at('2026-11-27T10:00:00Z'), costUSD: 2, session: 'a' },
		];
		assert.equal(usualHourlyRate(points, (t) => calendar.dateKey(t)), 24);
		assert.equal(usualHourlyRate([], (t) => calendar.dateKey(t)), null);
	});

	it('flags a session spending far faster than usual, and not small ones', () => {
		const now = at('2026-11-28T12:00:00Z');
		const points: SpendPoint[] = [
			{ timestamp: now - 5 * minute, costUSD: 6, session: 'claude-code:wild' }, // $24/h
			{ timestamp: now - 5 * minute, costUSD: 0.5, session: 'claude-code:calm' },
			{ timestamp: now - 40 * minute, costUSD: 50, session: 'claude-code:old' }, // outside the 15 minutes
		];
		assert.deepEqual(runawaySessions(points, 5, now).map((r) => [r.session, r.ratePerHour]), [['claude-code:wild', 24]]);
		assert.deepEqual(runawaySessions(points, 10, now), []); // 24 < 4 × 10
		assert.deepEqual(runawaySessions(points, null, now).map((r) => r.session), ['claude-code:wild']);
	});

	it('gives the median of days with spend as the cap hint', () => {
		assert.equal(medianDailySpend([0, 4, 10, 6]), 6);
		assert.equal(medianDailySpend([]), null);
	});
});

describe('day boundaries for the cap', () => {
	it('starts the day at local midnight, also on DST days', () => {
		const berlin = new ZonedCalendar('Europe/Berlin');
		// 2026-10-25 is 25 hours long in Berlin.
		const start = berlin.startOfDay('2026-10-25');
		const next = berlin.startOfDay('2026-10-26');
		assert.equal(next - start, 25 * 3600_000);
		assert.equal(berlin.dateKey(next - 1), '2026-10-25');
		assert.equal(berlin.dateKey(next), '2026-10-26');
	});
});

describe('parseCapInput', () => {
	it('reads amounts and "off", and rejects anything else', () => {
		const cases = [
			['20', 20],
			['$12.50', 12.5],
			[' 7 ', 7],
			['off', null],
			['OFF', null],
			['', null],
			['0', null],
			['-5', undefined],
			['ten', undefined],
			['1e3', undefined],
			['20 USD', undefined],
		] as const satisfies ReadonlyArray<readonly [string, number | null | undefined]>;
		for (const [text, expected] of cases) assert.equal(parseCapInput(text), expected, JSON.stringify(text));
	});
});
