import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PriceOverrides, ResolvedPrices } from '../core/pricing/pricing';
import { PriceBook } from '../core/pricing/pricing';

declare const TOKEN_LEDGER_VERSION: string | undefined;

/**
 * Price entries resolved by earlier runs, kept in the ledger folder so that a warm `token-ledger
 * today` (or the Claude Code hook) need not load the bundled price data at all. The file is tied to
 * the build that wrote it: a new version ships new prices and starts a new cache.
 */
const version = typeof TOKEN_LEDGER_VERSION === 'string' ? TOKEN_LEDGER_VERSION : undefined;

export function cachedPriceBook(home: string, overrides: PriceOverrides): PriceBook {
	if (version === undefined) return new PriceBook(overrides); // a development run: never trust a cache
	try {
		const file = JSON.parse(fs.readFileSync(path.join(home, 'price-cache.json'), 'utf8')) as { version?: string; entries?: ResolvedPrices };
		if (file.version === version && file.entries !== undefined) return new PriceBook(overrides, file.entries);
	} catch {
		// No cache yet, or a damaged one: resolve afresh.
	}
	return new PriceBook(overrides);
}

export function savePriceCache(home: string, book: PriceBook): void {
	if (version === undefined || !book.changed) return;
	const file = path.join(home, 'price-cache.json');
	const temporary = `${file}.${process.pid}.tmp`;
	try {
		fs.writeFileSync(temporary, JSON.stringify({ version, entries: book.export() }));
		fs.renameSync(temporary, file);
		book.changed = false;
	} catch {
		// A cache only: the next run resolves again.
	}
}
