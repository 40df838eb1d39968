import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { PriceBook, priceUsage, toLibraryUsage } from '../../src/core/pricing/pricing';
import { validatePriceOverrides } from '../../src/core/pricing/priceOverrides';
import type { PricedRequest } from '../../src/core/pricing/pricing';

const at = Date.parse('2026-05-02T09:14:09Z');
const request = (overrides: Partial<PricedRequest>): PricedRequest => ({
	model: 'claude-sonnet-4-5-20250929',
	timestamp: at,
	inputTokens: 0,
	outputTokens: 0,
	cacheWrite5mTokens: 0,
	cacheWrite1hTokens: 0,
	cacheReadTokens: 0,
	reasoningTokens: 0,
	...overrides,
});
const close = (actual: number | null, expected: number): void => {
	assert.ok(actual !== null, 'expected a price');
	assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
};

describe('PriceBook', () => {
	it('prices each bucket: input, output, cache read, 5-minute and 1-hour cache writes', () => {
		const book = new PriceBook();
		// Sonnet 4.5: 3 / 15 / 3.75 (5 min) / 6 (1 h) / 0.30 per million.
		const price = book.price(
			request({ inputTokens: 4, outputTokens: 187, cacheWrite5mTokens: 2310, cacheWrite1hTokens: 1000, cacheReadTokens: 18452 }),
		);
		close(price.costUSD, (4 * 3 + 187 * 15 + 2310 * 3.75 + 1000 * 6 + 18452 * 0.3) / 1e6);
		assert.equal(price.priceId, 'genai-prices:anthropic/claude-sonnet-4-5');
	});

	it('applies the tier above 200k input tokens, counting cached input', () => {
		const book = new PriceBook();
		const price = book.price(request({ inputTokens: 1000, cacheReadTokens: 249_000, outputTokens: 1000 }));
		close(price.costUSD, (1000 * 6 + 249_000 * 0.6 + 1000 * 22.5) / 1e6);
	});

	it('matches genai-prices calcPrice exactly across models, buckets, tiers and dates', () => {
		const book = new PriceBook();
		const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'gpt-5', 'gpt-5-codex', 'gemini-2.5-pro', 'deepseek-chat'];
		const dates = ['2025-06-01T00:00:00Z', '2026-05-02T23:59:00Z', '2026-11-01T12:00:00Z'];
		let compared = 0;
		for (const model of models) {
			for (const date of dates) {
				for (const [input, output, write5m, write1h, read] of [
					[10, 20, 0, 0, 0],
					[4, 187, 2310, 0, 18452],
					[100, 5000, 1000, 2000, 150_000],
					[300_000, 1000, 0, 0, 0],
				] as const) {
					const r = request({ model, timestamp: Date.parse(date), inputTokens: input, outputTokens: output, cacheWrite5mTokens: write5m, cacheWrite1hTokens: write1h, cacheReadTokens: read });
					const expected = calcPrice(toLibraryUsage(r), model, { timestamp: new Date(r.timestamp) });
					assert.ok(expected !== null, `${model} has a price`);
					close(book.price(r).costUSD, expected.total_price);
					compared++;
				}
			}
		}
		assert.equal(compared, models.length * dates.length * 4);
	});

	it('resolves a model once when its price has no dates, and per day when it has', () => {
		const book = new PriceBook();
		const days = ['2026-03-01T10:00:00Z', '2026-03-20T10:00:00Z', '2026-09-01T10:00:00Z'];
		// claude-opus-4-6 changed price on 2026-03-13; claude-opus-4-5 never did.
		for (const model of ['claude-opus-4-6', 'claude-opus-4-5', 'no-such-model']) {
			for (const day of days) {
				const r = request({ model, timestamp: Date.parse(day), inputTokens: 1_000_000, outputTokens: 1_000_000 });
				const expected = calcPrice(toLibraryUsage(r), model, { timestamp: new Date(r.timestamp) });
				const price = book.price(r).costUSD;
				if (expected === null) assert.equal(price, null);
				else close(price, expected.total_price);
			}
		}
		assert.notEqual(book.price(request({ model: 'claude-opus-4-6', timestamp: Date.parse(days[0]!) })).priceId, null);
		const keys = Object.keys(book.export()).map((key) => key.replace(/\u0000\d+$/, '@day')).sort();
		assert.deepEqual(keys, ['claude-opus-4-5', 'claude-opus-4-6@day', 'claude-opus-4-6@day', 'claude-opus-4-6@day', 'no-such-model']);
		// A later process that takes the entries over prices the same without resolving again.
		const reused = new PriceBook({}, book.export());
		const again = request({ model: 'claude-opus-4-6', timestamp: Date.parse(days[0]!), inputTokens: 1_000_000 });
		assert.equal(reused.price(again).costUSD, book.price(again).costUSD);
		assert.equal(reused.changed, false);
	});

	it('reports an unknown model as unpriced, never as zero', () => {
		const price = new PriceBook().price(request({ model: 'some-unreleased-model', inputTokens: 100 }));
		assert.deepEqual(price, { costUSD: null, priceId: null });
	});

	it('uses a user override by longest matching prefix', () => {
		const book = new PriceBook({
			claude: { input: 1, output: 1 },
			'claude-sonnet-4-5': { input: 2, output: 10, cacheRead: 0.5 },
		});
		const price = book.price(request({ inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000 }));
		close(price.costUSD, 2 + 10 + 0.5);
		assert.equal(price.priceId, 'override:claude-sonnet-4-5');
		close(book.price(request({ model: 'claude-other', inputTokens: 1_000_000 })).costUSD, 1);
	});
});

describe('validatePriceOverrides', () => {
	it('keeps good entries and explains bad ones', () => {
		const result = validatePriceOverrides({
			good: { input: 1, output: 2 },
			negative: { input: -1, output: 2 },
			missing: { input: 1 },
			typo: { input: 1, output: 2, ouput: 3 },
			notObject: 5,
		});
		assert.deepEqual(Object.keys(result.overrides), ['good']);
		assert.equal(result.errors.length, 4);
		assert.match(result.errors[0]!, /priceOverrides\["negative"\] has an invalid field "input"/);
		assert.match(result.errors[1]!, /priceOverrides\["missing"\] needs "input" and "output"/);
		assert.match(result.errors[2]!, /"ouput"/);
	});

	it('rejects a value that is not an object', () => {
		assert.equal(validatePriceOverrides([1]).errors.length, 1);
		assert.deepEqual(validatePriceOverrides(undefined), { overrides: {}, errors: [] });
	});
});

describe('priceUsage', () => {
	const event = (source: string, model: string, reportedCostUSD: number | null) => ({ ...request({ model, inputTokens: 100_000 }), source, reportedCostUSD });
	it('takes the cost recorded by tools that record what the provider billed', () => {
		assert.deepEqual(priceUsage(new PriceBook(), event('cline', 'claude-sonnet-4-5-20250929', 0.5)), { costUSD: 0.5, priceId: 'reported:cline' });
		assert.deepEqual(priceUsage(new PriceBook(), event('opencode', 'claude-sonnet-4-5-20250929', 0.5)), { costUSD: 0.5, priceId: 'reported:opencode' });
	});
	it('prices offline otherwise, and for a reported cost of 0', () => {
		close(priceUsage(new PriceBook(), event('claude-code', 'claude-sonnet-4-5-20250929', 0.5)).costUSD, 0.3);
		close(priceUsage(new PriceBook(), event('opencode', 'claude-sonnet-4-5-20250929', 0)).costUSD, 0.3);
	});
	it('falls back to the recorded cost when the model has no price, and stays unpriced without one', () => {
		assert.deepEqual(priceUsage(new PriceBook(), event('roo-code', '', 0.25)), { costUSD: 0.25, priceId: 'reported:roo-code' });
		assert.deepEqual(priceUsage(new PriceBook(), event('codex', 'mystery', null)), { costUSD: null, priceId: null });
	});
});
