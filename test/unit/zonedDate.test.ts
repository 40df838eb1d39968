import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, isDateKey, weekStartOf, ZonedCalendar } from '../../src/core/time/zonedDate';

describe('ZonedCalendar', () => {
	it('buckets an instant by the local date of the zone', () => {
		const instant = Date.parse('2026-05-03T23:30:00Z');
		assert.equal(new ZonedCalendar('UTC').dateKey(instant), '2026-05-03');
		assert.equal(new ZonedCalendar('Asia/Tokyo').dateKey(instant), '2026-05-04');
		assert.equal(new ZonedCalendar('America/Los_Angeles').dateKey(instant), '2026-05-03');
		assert.equal(new ZonedCalendar('Asia/Kathmandu').dateKey(Date.parse('2026-05-03T18:14:00Z')), '2026-05-03');
		assert.equal(new ZonedCalendar('Asia/Kathmandu').dateKey(Date.parse('2026-05-03T18:15:00Z')), '2026-05-04');
	});

	it('finds the start of a local day across DST changes', () => {
		const berlin = new ZonedCalendar('Europe/Berlin');
		assert.equal(new Date(berlin.startOfDay('2026-03-29')).toISOString(), '2026-03-28T23:00:00.000Z');
		assert.equal(new Date(berlin.startOfDay('2026-03-30')).toISOString(), '2026-03-29T22:00:00.000Z');
		// A 23-hour day: 2026-03-29 in Berlin.
		assert.equal(berlin.startOfDay('2026-03-30') - berlin.startOfDay('2026-03-29'), 23 * 3600_000);
		// Sao Paulo once skipped midnight; America/Havana still does at DST start (00:00 → 01:00).
		const havana = new ZonedCalendar('America/Havana');
		assert.equal(havana.dateKey(havana.startOfDay('2026-03-08')), '2026-03-08');
		assert.equal(havana.dateKey(havana.startOfDay('2026-03-08') - 1), '2026-03-07');
	});

	it('keeps instants just around a DST change on the right day', () => {
		const newYork = new ZonedCalendar('America/New_York');
		assert.equal(newYork.dateKey(Date.parse('2026-11-01T03:59:00Z')), '2026-10-31');
		assert.equal(newYork.dateKey(Date.parse('2026-11-01T04:00:00Z')), '2026-11-01');
		assert.equal(newYork.dateKey(Date.parse('2026-11-02T04:59:00Z')), '2026-11-01');
		assert.equal(newYork.dateKey(Date.parse('2026-11-02T05:00:00Z')), '2026-11-02');
	});
});

describe('date keys', () => {
	it('finds the first day of the week for either week start', () => {
		assert.equal(weekStartOf('2026-11-28', 'monday'), '2026-11-23'); // a Saturday
		assert.equal(weekStartOf('2026-11-28', 'sunday'), '2026-11-22');
		assert.equal(weekStartOf('2026-11-22', 'monday'), '2026-11-16'); // a Sunday
		assert.equal(weekStartOf('2026-11-22', 'sunday'), '2026-11-22');
		assert.equal(weekStartOf('2027-01-01', 'monday'), '2026-12-28');
	});

	it('adds days across months and leap years, and validates keys', () => {
		assert.equal(addDays('2028-02-28', 1), '2028-02-29');
		assert.equal(addDays('2026-03-01', -1), '2026-02-28');
		assert.equal(isDateKey('2026-02-29'), false);
		assert.equal(isDateKey('2028-02-29'), true);
		assert.equal(isDateKey('2026-5-1'), false);
	});
});
