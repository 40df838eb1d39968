import { formatTokens, formatUSD } from '../core/format';
import type { BreakdownTotals, Totals } from '../core/report/totals';
import { unpricedModels } from '../core/report/totals';

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
