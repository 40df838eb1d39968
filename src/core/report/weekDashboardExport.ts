import type { TotalsView, WeekDashboard } from '../../shared/viewModels';
import { splitDimensions } from '../../shared/viewModels';

/**
 * The shown week as files: JSON (the dashboard's own aggregated figures, as they are) and CSV in a
 * long layout that spreadsheets pivot easily: one row per (dimension, key, period), where the period
 * is `week` or one day.
 */
export function weekDashboardJson(dashboard: WeekDashboard): string {
	return `${JSON.stringify({ kind: 'token-ledger-week', ...dashboard, generatedAt: new Date(dashboard.generatedAt).toISOString() }, null, 2)}\n`;
}

const totalsColumns = [
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
] as const satisfies ReadonlyArray<keyof TotalsView>;

export const csvHeader = ['dimension', 'key', 'period', ...totalsColumns].join(',');

export function weekDashboardCsv(dashboard: WeekDashboard): string {
	const lines = [csvHeader];
	const add = (dimension: string, key: string, period: string, totals: TotalsView): void => {
		lines.push([dimension, csvText(key), period, ...totalsColumns.map((column) => csvNumber(totals[column]))].join(','));
	};
	add('total', '', 'week', dashboard.totals);
	for (const day of dashboard.days) if (!day.future) add('total', '', day.date, day.totals);
	const rows = (dimension: string, entries: ReadonlyArray<{ key: string; totals: TotalsView; days: ReadonlyArray<TotalsView | null> }>): void => {
		for (const entry of entries) {
			add(dimension, entry.key, 'week', entry.totals);
			entry.days.forEach((day, index) => {
				if (day !== null) add(dimension, entry.key, dashboard.days[index]!.date, day);
			});
		}
	};
	for (const dimension of splitDimensions) rows(dimension, dashboard.breakdowns[dimension]);
	rows(
		'session',
		dashboard.sessions.map((session) => ({ key: `${session.source}/${session.sessionId}`, totals: session.totals, days: session.days })),
	);
	return `${lines.join('\r\n')}\r\n`;
}

/** Amounts to a micro-dollar: enough for any bill, and free of binary noise like 0.30000000000000004. */
function csvNumber(value: number): string {
	return String(Math.round(value * 1e6) / 1e6);
}

/**
 * Quotes a text cell when needed (RFC 4180), and defuses text a spreadsheet would run as a formula
 * (a branch or folder name can begin with `=`, `+`, `-` or `@`).
 */
export function csvText(value: string): string {
	const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
	return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
