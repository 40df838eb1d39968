import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { weekDashboard } from '../../src/core/report/weekDashboard';
import { csvHeader, csvText, weekDashboardCsv, weekDashboardJson } from '../../src/core/report/weekDashboardExport';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { usageEvent } from './helpers';

const prices = new PriceBook({ 'model-a': { input: 1, output: 10 } });
const events = [
	usageEvent({ key: 'a', timestamp: Date.parse('2026-05-04T09:00:00Z'), model: 'model-a', inputTokens: 1_000_000, outputTokens: 0, project: '/home/dev/api', branch: '=HYPERLINK("x")' }),
	usageEvent({ key: 'b', timestamp: Date.parse('2026-05-05T09:00:00Z'), model: 'model-a', inputTokens: 0, outputTokens: 100_000, project: '/home/dev/web, "beta"', sessionId: 's2' }),
];
const dashboard = weekDashboard(events, { calendar: new ZonedCalendar('UTC'), prices, weekStart: 'monday', now: Date.parse('2026-05-06T12:00:00Z'), dailyCapUSD: null });

/** A small RFC 4180 reader: enough to check that what we write reads back. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const char = text[i]!;
		if (quoted) {
			if (char === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (char === '"') quoted = false;
			else cell += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			row.push(cell);
			cell = '';
		} else if (char === '\r' && text[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else cell += char;
	}
	return rows;
}

describe('weekly dashboard export', () => {
	it('writes CSV rows per dimension, key and period that read back to the same figures', () => {
		const rows = parseCsv(weekDashboardCsv(dashboard));
		assert.equal(rows[0]!.join(','), csvHeader);
		const columns = rows[0]!;
		const record = (row: string[]): Record<string, string> => Object.fromEntries(columns.map((name, index) => [name, row[index]!]));
		const records = rows.slice(1).map(record);
		const weekTotal = records.find((r) => r['dimension'] === 'total' && r['period'] === 'week')!;
		assert.equal(Number(weekTotal['costUSD']), 2);
		assert.equal(Number(weekTotal['totalTokens']), dashboard.totals.totalTokens);
		// Days still to come are left out; days so far are there even when empty.
		assert.deepEqual(records.filter((r) => r['dimension'] === 'total' && r['period'] !== 'week').map((r) => r['period']), ['2026-05-04', '2026-05-05', '2026-05-06']);
		const web = records.filter((r) => r['dimension'] === 'project' && r['key'] === '/home/dev/web, "beta"');
		assert.deepEqual(web.map((r) => [r['period'], r['costUSD']]), [['week', '1'], ['2026-05-05', '1']]);
		// Every dimension's week rows add up to the week.
		for (const dimension of ['assistant', 'model', 'project', 'branch', 'session']) {
			const sum = records.filter((r) => r['dimension'] === dimension && r['period'] === 'week').reduce((total, r) => total + Number(r['costUSD']), 0);
			assert.equal(sum, 2, dimension);
		}
	});

	it('defuses cells a spreadsheet would run as formulas, and quotes what needs quoting', () => {
		assert.equal(csvText('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
		assert.equal(csvText('+1'), "'+1");
		assert.equal(csvText('-rf'), "'-rf");
		assert.equal(csvText('@sum'), "'@sum");
		assert.equal(csvText('feature/x'), 'feature/x');
		assert.equal(csvText('a,b'), '"a,b"');
		assert.equal(csvText('line\nbreak'), '"line\nbreak"');
		const branchRows = parseCsv(weekDashboardCsv(dashboard)).filter((row) => row[0] === 'branch');
		assert.ok(branchRows.some((row) => row[1] === `'=HYPERLINK("x")`));
	});

	it('writes the JSON export as the dashboard itself, with an ISO time', () => {
		const parsed = JSON.parse(weekDashboardJson(dashboard)) as Record<string, unknown>;
		assert.equal(parsed['kind'], 'token-ledger-week');
		assert.equal(parsed['generatedAt'], '2026-05-06T12:00:00.000Z');
		assert.deepEqual(parsed['totals'], dashboard.totals);
		assert.deepEqual(parsed['sessions'], dashboard.sessions);
	});
});
