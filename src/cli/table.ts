import { formatTokens, formatUSD } from '../core/format';
import type { BreakdownTotals, Totals } from '../core/report/totals';
import { unpricedModels } from '../core/report/totals';
import type { SourceStatus } from '../engine/sourceStatus';

/** Renders rows of totals as an aligned text table, with notes for unpriced and estimated amounts. */
export function renderTable(keyTitle: string, rows: ReadonlyArray<{ key: string; totals: Totals }>, grand: BreakdownTotals): string {
	const header = [keyTitle, 'Input', 'Output', 'Cache write', 'Cache read', 'Total tokens', 'Cost'];
	const body = rows.map(({ key, totals }) => cells(key, totals));
	const lines = [header, ...body, cells('Total', grand)];
	const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
	const render = (line: string[]): string =>
		line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
	const rule = widths.map((width) => '-'.repeat(width)).join('  ');
	const out = [render(header), rule, ...body.map(render), rule, render(cells('Total', grand))];
	const unpriced = unpricedModels(grand);
	if (unpriced.length > 0) {
		out.push('', `* unpriced: ${unpriced.join(', ')} (tokens counted, no price known; set tokenLedger.priceOverrides)`);
	}
	if (grand.estimatedRequests > 0) {
		out.push(`~ includes ${formatUSD(grand.estimatedCostUSD)} estimated from tokenizer counts, not provider usage`);
	}
	return `${out.join('\n')}\n`;
}

function cells(key: string, totals: Totals): string[] {
	const marks = `${totals.unpricedRequests > 0 ? '*' : ''}${totals.estimatedRequests > 0 ? '~' : ''}`;
	return [
		key,
		formatTokens(totals.inputTokens),
		formatTokens(totals.outputTokens),
		formatTokens(totals.cacheCreationTokens),
		formatTokens(totals.cacheReadTokens),
		formatTokens(totals.totalTokens),
		`${formatUSD(totals.costUSD)}${marks}`,
	];
}

/** Rows for a breakdown: one per source, then one per model. */
export function breakdownRows(totals: BreakdownTotals): Array<{ key: string; totals: Totals }> {
	return [
		...Object.entries(totals.bySource).map(([key, value]) => ({ key, totals: value })),
		...Object.entries(totals.byModel).map(([key, value]) => ({ key: `  ${key}`, totals: value })),
	];
}

/** The `sources` report: one line per assistant, then where it looked and what it could not use. */
export function renderSources(statuses: readonly SourceStatus[]): string {
	const header = ['Source', 'Status', 'Files', 'Requests', 'Newest (UTC)', 'Numbers', 'Malformed'];
	const rows = statuses.map((status) => [
		status.id,
		!status.supported ? 'not yet supported' : !status.enabled ? 'turned off' : status.found ? 'found' : 'not found',
		String(status.files),
		String(status.requests),
		status.newestActivity === null ? '-' : status.newestActivity.slice(0, 16).replace('T', ' '),
		status.accuracy ?? '-',
		String(status.malformedLines),
	]);
	const widths = header.map((_, column) => Math.max(header[column]!.length, ...rows.map((row) => row[column]!.length)));
	const render = (row: string[]): string => row.map((cell, column) => (column < 2 || column > 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
	const out = [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(render), '', 'Looked in:'];
	for (const status of statuses.filter((s) => s.supported && s.enabled)) {
		for (const location of status.locations) out.push(`  ${status.id.padEnd(12)} ${location.path}${location.exists ? '' : '  (missing)'}`);
	}
	const problems = statuses.flatMap((status) => status.problems.map((problem) => `  ${problem.file}:${problem.line}: ${problem.reason}`));
	if (problems.length > 0) out.push('', 'Skipped (malformed):', ...problems);
	return `${out.join('\n')}\n`;
}
