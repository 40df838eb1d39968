import type { ModelPrice, TieredPrices } from '@pydantic/genai-prices';
import type * as PriceLibraryModule from '@pydantic/genai-prices';
import type { TokenCounts } from '../usage/usageEvent';
import type { PriceOverride, PriceOverrides } from './priceOverrides';

export type { PriceOverride, PriceOverrides } from './priceOverrides';

/** Where the bundled prices come from; recorded with every priced amount. */
export const priceSource = 'genai-prices';

export interface Price {
	/** USD, or null when no price is known for the model: "unpriced", never a silent zero. */
	readonly costUSD: number | null;
	/** Which price entry produced the amount, e.g. `genai-prices:anthropic/claude-sonnet-4-5`. */
	readonly priceId: string | null;
}

export interface PricedRequest extends TokenCounts {
	readonly model: string;
	readonly timestamp: number;
}

const unpriced: Price = { costUSD: null, priceId: null };

type PriceLibrary = typeof PriceLibraryModule;
let library: PriceLibrary | undefined;

/**
 * The bundled price data is large (about 40 ms to evaluate): it is loaded on the first price that
 * the cache of resolved entries cannot answer, not when the program starts.
 */
function prices(): PriceLibrary {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	library ??= require('@pydantic/genai-prices') as PriceLibrary;
	return library;
}

/**
 * Resolved price entries, by model (an entry that holds at every date, or a model with no price) or
 * by model and UTC day (`model\u0000day`, an entry with start dates): what a process can hand to the
 * next one.
 */
export type ResolvedPrices = Record<string, ResolvedPrice | null | 'time-of-day'>;
const dayMs = 86_400_000;

export interface ResolvedPrice {
	readonly id: string;
	readonly prices: ModelPrice;
}

/**
 * Prices requests offline at each request's own timestamp.
 *
 * genai-prices' `calcPrice` takes about 16 µs a call: too slow to run per event on every query. The
 * price entry in force for a model changes at most once a day (start-date constraints), so the entry
 * is resolved once per model and UTC day, or once per model when its prices have no dates (most
 * models: a year of history is then a few resolutions, not a thousand), and the arithmetic is done
 * here, the same way the library does it (tiers chosen by total input, cache buckets nested inside
 * input). Models whose price varies by time of day are not cached. A unit test holds this arithmetic
 * equal to `calcPrice`.
 */
export class PriceBook {
	private readonly resolved = new Map<string, ResolvedPrice | null | 'time-of-day'>();
	private readonly overrideKeys: readonly string[];
	/** True when an entry was resolved that the cache handed in did not have. */
	changed = false;
	private lastModel: string | undefined;
	private lastDay = Number.NaN;
	private lastEntry: ResolvedPrice | null | 'time-of-day' = null;

	constructor(
		private readonly overrides: PriceOverrides = {},
		cached: ResolvedPrices = {},
	) {
		for (const [key, entry] of Object.entries(cached)) this.resolved.set(key, entry);
		// Longest prefix first, so `claude-sonnet-4-5` wins over `claude-sonnet`.
		this.overrideKeys = Object.keys(overrides).sort((a, b) => b.length - a.length);
	}

	price(request: PricedRequest): Price {
		const override = this.findOverride(request.model);
		if (override !== undefined) {
			return { costUSD: overrideCost(this.overrides[override]!, request), priceId: `override:${override}` };
		}
		if (request.model === '') {
			return unpriced;
		}
		const day = Math.floor(request.timestamp / dayMs);
		let entry: ResolvedPrice | null | 'time-of-day';
		// Events come in runs of one model and day: the last entry saves building and hashing a key.
		if (request.model === this.lastModel && day === this.lastDay) {
			entry = this.lastEntry;
		} else {
			const slotKey = `${request.model}\u0000${day}`;
			const known = this.resolved.get(request.model) ?? this.resolved.get(slotKey);
			if (known === undefined) {
				const resolution = resolve(request);
				entry = resolution.entry;
				this.resolved.set(resolution.datesMatter ? slotKey : request.model, entry);
				this.changed = true;
			} else {
				entry = known;
			}
			this.lastModel = request.model;
			this.lastDay = day;
			this.lastEntry = entry;
		}
		if (entry === null) {
			return unpriced;
		}
		if (entry === 'time-of-day') {
			const result = prices().calcPrice(toLibraryUsage(request), request.model, { timestamp: new Date(request.timestamp) });
			return result === null
				? unpriced
				: { costUSD: result.total_price, priceId: `${priceSource}:${result.provider.id}/${result.model.id}` };
		}
		return { costUSD: costFromEntry(entry.prices, request), priceId: entry.id };
	}

	/** Every entry resolved so far, to be handed to the next process. */
	export(): ResolvedPrices {
		return Object.fromEntries(this.resolved);
	}

	private findOverride(model: string): string | undefined {
		for (const key of this.overrideKeys) {
			if (model.startsWith(key)) return key;
		}
		return undefined;
	}
}

/**
 * The entry in force for a request, and whether another date could have another one: which model a
 * name matches does not depend on the date, only a model's conditional prices do.
 */
function resolve(request: PricedRequest): { entry: ResolvedPrice | null | 'time-of-day'; datesMatter: boolean } {
	let result;
	try {
		result = prices().calcPrice({ input_tokens: 0 }, request.model, { timestamp: new Date(request.timestamp) });
	} catch {
		return { entry: null, datesMatter: false };
	}
	if (result === null) {
		return { entry: null, datesMatter: false };
	}
	if (!Array.isArray(result.model.prices)) {
		return { entry: { id: entryId(result), prices: result.model_price }, datesMatter: false };
	}
	if (result.model.prices.some((entry) => entry.constraint?.type === 'time_of_date')) {
		return { entry: 'time-of-day', datesMatter: false };
	}
	return { entry: { id: entryId(result), prices: result.model_price }, datesMatter: true };
}

function entryId(result: { provider: { id: string }; model: { id: string } }): string {
	return `${priceSource}:${result.provider.id}/${result.model.id}`;
}

/** The library's usage shape: its `input_tokens` includes cache reads and writes. */
export function toLibraryUsage(counts: TokenCounts): Record<string, number> {
	const cacheWrite = counts.cacheWrite5mTokens + counts.cacheWrite1hTokens;
	return {
		input_tokens: counts.inputTokens + counts.cacheReadTokens + cacheWrite,
		output_tokens: counts.outputTokens,
		cache_read_tokens: counts.cacheReadTokens,
		cache_write_tokens: cacheWrite,
		cache_write_5m_tokens: counts.cacheWrite5mTokens,
		cache_write_1h_tokens: counts.cacheWrite1hTokens,
	};
}

function costFromEntry(prices: ModelPrice, counts: TokenCounts): number {
	const cacheWrite = counts.cacheWrite5mTokens + counts.cacheWrite1hTokens;
	const totalInput = counts.inputTokens + counts.cacheReadTokens + cacheWrite;
	// A bucket without its own price falls back into its parent bucket, as in the library.
	const write1h = prices.cache_write_1h_mtok !== undefined ? counts.cacheWrite1hTokens : 0;
	const write5m = prices.cache_write_5m_mtok !== undefined ? counts.cacheWrite5mTokens : 0;
	const hasWrite = prices.cache_write_mtok !== undefined;
	const writeRest = hasWrite ? cacheWrite - write1h - write5m : 0;
	const cacheWriteCounted = hasWrite ? cacheWrite : write1h + write5m;
	const read = prices.cache_read_mtok !== undefined ? counts.cacheReadTokens : 0;
	const input = totalInput - cacheWriteCounted - read;

	return (
		bucketCost(prices.input_mtok, input, totalInput) +
		bucketCost(prices.output_mtok, counts.outputTokens, totalInput) +
		bucketCost(prices.cache_read_mtok, read, totalInput) +
		bucketCost(prices.cache_write_mtok, writeRest, totalInput) +
		bucketCost(prices.cache_write_5m_mtok, write5m, totalInput) +
		bucketCost(prices.cache_write_1h_mtok, write1h, totalInput)
	);
}

function bucketCost(price: number | TieredPrices | undefined, tokens: number, totalInput: number): number {
	if (price === undefined || tokens <= 0) {
		return 0;
	}
	if (typeof price === 'number') {
		return (price * tokens) / 1e6;
	}
	let perMillion = price.base;
	for (const tier of price.tiers) {
		if (totalInput > tier.start) {
			perMillion = tier.price;
		}
	}
	return (perMillion * tokens) / 1e6;
}

function overrideCost(price: PriceOverride, counts: TokenCounts): number {
	const cacheWrite = price.cacheWrite ?? price.input * 1.25;
	const cacheWrite1h = price.cacheWrite1h ?? price.input * 2;
	const cacheRead = price.cacheRead ?? price.input * 0.1;
	return (
		(counts.inputTokens * price.input +
			counts.outputTokens * price.output +
			counts.cacheWrite5mTokens * cacheWrite +
			counts.cacheWrite1hTokens * cacheWrite1h +
			counts.cacheReadTokens * cacheRead) /
		1e6
	);
}

/** Sources whose own recorded cost is the better figure when they wrote one (provider-billed amounts). */
const trustsReportedCost: ReadonlySet<string> = new Set(['opencode', 'cline', 'roo-code', 'kilo-code', 'aider']);

/**
 * The price of one recorded request: the tool's own cost where that tool records what the provider
 * billed (OpenCode, Cline, Roo, Kilo, Aider), otherwise our offline price; a request we cannot price
 * but whose tool wrote a cost falls back to that cost rather than to "unpriced".
 */
export function priceUsage(prices: PriceBook, event: PricedRequest & { readonly source: string; readonly reportedCostUSD: number | null }): Price {
	const reported = event.reportedCostUSD;
	if (reported !== null && reported > 0 && trustsReportedCost.has(event.source)) {
		return { costUSD: reported, priceId: `reported:${event.source}` };
	}
	const price = prices.price(event);
	if (price.costUSD === null && reported !== null && reported >= 0) {
		return { costUSD: reported, priceId: `reported:${event.source}` };
	}
	return price;
}
