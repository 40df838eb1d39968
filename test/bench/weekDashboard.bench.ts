import { PriceBook } from '../../src/core/pricing/pricing';
import { weekDashboard } from '../../src/core/report/weekDashboard';
import { addDays } from '../../src/core/time/zonedDate';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import type { DashboardSnapshot } from '../../src/shared/viewModels';
import { heavyHistory } from '../support/heavyHistory';

/**
 * The weekly dashboard's aggregation over a year of heavy history (~100k events), as the ledger
 * worker runs it: the first call (prices resolved, dates formatted for the first time) and warm calls
 * (every later refresh and week change), plus the size of the snapshot posted to the webview.
 *
 *   node --import tsx test/bench/weekDashboard.bench.ts [events=100000] [rounds=20]
 *
 * Prints one line per case and a JSON summary. A measurement, not a test: nothing is asserted.
 */
const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 20);
const now = Date.now();
const events = heavyHistory({ end: now, days: 365, events: count });
const calendar = new ZonedCalendar(process.env['TZ'] || 'UTC');
const roots = ['/home/dev/.config/claude/projects', '/home/dev/.claude/projects', '/home/dev/.codex/sessions'];

function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

function run(prices: PriceBook, week?: string): { ms: number; snapshot: DashboardSnapshot } {
	const started = performance.now();
	const dashboard = weekDashboard(events, { calendar, prices, weekStart: 'monday', now, dailyCapUSD: null, ...(week === undefined ? {} : { week }) });
	return { ms: performance.now() - started, snapshot: { dashboard, roots } };
}

const results: Record<string, unknown> = { events: events.length, rounds, timeZone: calendar.timeZone };
// A fresh PriceBook: the worker's first dashboard after a start resolves every model's price entry.
const cold = run(new PriceBook());
results['coldMs'] = Number(cold.ms.toFixed(2));
const prices = new PriceBook();
run(prices);
const cases: Array<[string, string | undefined]> = [
	['current week', undefined],
	['a week 20 weeks back', addDays(calendar.dateKey(now), -140)],
];
for (const [name, week] of cases) {
	const times: number[] = [];
	let last = run(prices, week);
	for (let round = 0; round < rounds; round++) {
		last = run(prices, week);
		times.push(last.ms);
	}
	const bytes = Buffer.byteLength(JSON.stringify(last.snapshot), 'utf8');
	const { dashboard } = last.snapshot;
	console.log(
		`${name}: median ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms over ${rounds} runs; ` +
			`${dashboard.totals.requests} requests in the week, ${dashboard.sessions.length} sessions; snapshot ${bytes} bytes of JSON`,
	);
	results[name] = { medianMs: Number(median(times).toFixed(2)), maxMs: Number(Math.max(...times).toFixed(2)), weekRequests: dashboard.totals.requests, sessions: dashboard.sessions.length, snapshotBytes: bytes };
}
console.log(`first call (cold prices): ${cold.ms.toFixed(2)} ms`);
console.log(JSON.stringify(results));
