import type { Price } from '../pricing/pricing';
import type { CountedUsage } from '../usage/usageEvent';
import { cacheCreationTokens, totalTokens } from '../usage/usageEvent';

/** Token and cost totals: the shape of every row of every report (a stable JSON contract). */
export interface Totals {
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	reasoningTokens: number;
	totalTokens: number;
	/** Sum of the priced requests; unpriced requests add tokens but no cost. */
	costUSD: number;
	requests: number;
	/** Requests whose model has no known price. */
	unpricedRequests: number;
	/** Requests whose numbers are tokenizer estimates, not provider usage. */
	estimatedRequests: number;
	/** The cost of the estimated requests (a part of `costUSD`). */
	estimatedCostUSD: number;
	/** Credits the tools themselves charged (Amp), beside the USD estimate. */
	credits: number;
}

export interface BreakdownTotals extends Totals {
	/** Source id → totals. */
	bySource: Record<string, Totals>;
	/** Model id as the tool wrote it → totals. */
	byModel: Record<string, Totals>;
}

export function emptyTotals(): Totals {
	return {
		inputTokens: 0,
		outputTokens: 0,
		cacheCreationTokens: 0,
		cacheReadTokens: 0,
		reasoningTokens: 0,
		totalTokens: 0,
		costUSD: 0,
		requests: 0,
		unpricedRequests: 0,
		estimatedRequests: 0,
		estimatedCostUSD: 0,
		credits: 0,
	};
}

export function emptyBreakdown(): BreakdownTotals {
	return { ...emptyTotals(), bySource: {}, byModel: {} };
}

export function addUsage(totals: Totals, event: CountedUsage, price: Price): void {
	totals.inputTokens += event.inputTokens;
	totals.outputTokens += event.outputTokens;
	totals.cacheCreationTokens += cacheCreationTokens(event);
	totals.cacheReadTokens += event.cacheReadTokens;
	totals.reasoningTokens += event.reasoningTokens;
	totals.totalTokens += totalTokens(event);
	totals.requests += 1;
	totals.credits += event.reportedCredits ?? 0;
	if (price.costUSD === null) {
		totals.unpricedRequests += 1;
	} else {
		totals.costUSD += price.costUSD;
		if (event.estimated) {
			totals.estimatedCostUSD += price.costUSD;
		}
	}
	if (event.estimated) {
		totals.estimatedRequests += 1;
	}
}

/**
 * Totals being added up. Every `Totals` in a tally comes from `emptyTotals`, so `addUsage` only ever
 * sees one object shape (report rows each have their own), which keeps a report over a long history
 * fast; `settleInto` then writes the figures into the row.
 */
export interface Tally {
	readonly all: Totals;
	readonly bySource: Map<string, Totals>;
	readonly byModel: Map<string, Totals>;
}

export function emptyTally(): Tally {
	return { all: emptyTotals(), bySource: new Map(), byModel: new Map() };
}

export function addToTally(tally: Tally, event: CountedUsage, price: Price): void {
	addUsage(tally.all, event, price);
	let source = tally.bySource.get(event.source);
	if (source === undefined) tally.bySource.set(event.source, (source = emptyTotals()));
	addUsage(source, event, price);
	const modelKey = event.model || 'unknown';
	let model = tally.byModel.get(modelKey);
	if (model === undefined) tally.byModel.set(modelKey, (model = emptyTotals()));
	addUsage(model, event, price);
}

/** Writes a tally's figures into a report row (sources and models in the order first seen). */
export function settleInto(row: BreakdownTotals, tally: Tally): void {
	Object.assign(row, tally.all);
	row.bySource = Object.fromEntries(tally.bySource);
	row.byModel = Object.fromEntries(tally.byModel);
}

/** Models that appear without a price, for an "unpriced" note beside the amounts. */
export function unpricedModels(totals: BreakdownTotals): string[] {
	return Object.entries(totals.byModel)
		.filter(([, model]) => model.unpricedRequests > 0)
		.map(([model]) => model)
		.sort();
}
