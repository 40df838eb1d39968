import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { ampSources, ampThreadRoots } from '../../src/sources/amp/ampSource';
import { parseAmpThread } from '../../src/sources/amp/parseAmpThread';
import type { Environment } from '../../src/sources/logSource';
import { fixturesDir, tempDir } from './helpers';

const threads = path.join(fixturesDir, 'amp', 'threads');
const threadA = 'T-5b2e8c1a-4d3f-4a6b-9c0d-1e2f3a4b5c6d';
const threadB = 'T-0a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d';
const sonnet = 'claude-sonnet-4-5-20250929';
const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };

const parse = (name: string) => {
	const file = path.join(threads, name);
	return parseAmpThread(fs.readFileSync(file), file);
};

/** Exact totals of the fixtures: thread A (17, 627, 1500, 33900, 3 requests, 1.25 credits) + thread B (27, 350, 1000, 11000, 2, 3). */
const fixtureTotals = { inputTokens: 44, outputTokens: 977, cacheCreationTokens: 2500, cacheReadTokens: 44900, requests: 5, credits: 4.25 };

describe('parseAmpThread', () => {
	it('reads messages[].usage: disjoint buckets keyed by (thread, messageId), credits beside the tokens', () => {
		const result = parse(`${threadA}.json`);
		assert.equal(result.malformed, 0);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens, event.reportedCredits, event.estimated]),
			[
				[`amp:${threadA}:message:1`, sonnet, 12, 240, 1500, 16200, 1.25, false],
				[`amp:${threadA}:message:2`, sonnet, 5, 42, 0, 17700, null, false],
				// Only a total was recorded: counted as output (as ccusage does) and flagged as an estimate.
				[`amp:${threadA}:message:3`, 'gpt-5', 0, 345, 0, 0, null, true],
				// messageId 4 billed nothing and is skipped.
			],
		);
		assert.ok(result.events.every((event) => event.source === 'amp' && event.sessionId === threadA && event.reportedCostUSD === null));
		assert.equal(result.events[0]!.timestamp, Date.parse('2026-05-02T09:30:02.118Z'));
	});

	it('prefers usageLedger.events, joining the cache split from the message each event points to', () => {
		const result = parse(`${threadB}.json`);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens, event.reportedCredits]),
			[
				[`amp:${threadB}:event:evt-1`, 20, 300, 1000, 5000, 2.5],
				[`amp:${threadB}:event:evt-2`, 7, 50, 0, 6000, 0.5],
			],
		);
	});

	it('counts a truncated thread as one malformed document, not an error', () => {
		const result = parse('T-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a.json');
		assert.deepEqual(result, { events: [], malformed: 1, issues: [{ line: 0, reason: 'truncated JSON' }] });
	});

	it('counts a usage without a timestamp as malformed and goes on', () => {
		const bytes = Buffer.from(
			JSON.stringify({
				id: 'T-x',
				messages: [
					{ role: 'assistant', messageId: 1, usage: { model: sonnet, inputTokens: 1, outputTokens: 2 } },
					{ role: 'assistant', messageId: 2, usage: { model: sonnet, inputTokens: 3, outputTokens: 4, timestamp: '2026-05-02T10:00:00Z' } },
				],
			}),
		);
		const result = parseAmpThread(bytes, '/x/T-x.json');
		assert.equal(result.malformed, 1);
		assert.deepEqual(result.issues, [{ line: 1, reason: 'usage without a valid timestamp' }]);
		assert.deepEqual(result.events.map((event) => event.key), ['amp:T-x:message:2']);
	});
});

describe('Amp source', () => {
	it('finds threads under AMP_DATA_DIR (a list), else the XDG data folder', () => {
		const home = '/h';
		assert.deepEqual(ampThreadRoots({ home, env: {}, platform: 'linux' }), ['/h/.local/share/amp/threads']);
		assert.deepEqual(ampThreadRoots({ home, env: { XDG_DATA_HOME: '/data' }, platform: 'linux' }), ['/data/amp/threads', '/h/.local/share/amp/threads']);
		assert.deepEqual(ampThreadRoots({ home, env: { AMP_DATA_DIR: '/a, /b/threads' }, platform: 'linux' }, ['/extra']), ['/a/threads', '/b/threads', '/extra/threads']);
	});

	it('lists only T-*.json thread files', () => {
		const [source] = ampSources({ home: tempDir(), env: { AMP_DATA_DIR: path.dirname(threads) }, platform: 'linux' });
		assert.deepEqual(source!.listFiles().map((file) => path.basename(file)), [
			`${threadB}.json`,
			`${threadA}.json`,
			'T-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a.json',
		]);
	});

	it('counts threads exactly through the ledger, and a whole-file rewrite neither doubles nor loses anything', () => {
		const root = tempDir();
		const home = path.join(root, 'home');
		const ampDir = path.join(home, '.local', 'share', 'amp');
		fs.cpSync(path.join(fixturesDir, 'amp'), ampDir, { recursive: true });
		const environment: Environment = { home, env: {}, platform: 'linux' };
		const ledger = new Ledger({ home: path.join(root, 'ledger'), sources: ampSources(environment, []) });
		const totals = () => {
			const { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, requests, credits } = dailyReport(ledger.counted(), options).totals;
			return { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, requests, credits };
		};

		const first = ledger.refresh();
		assert.equal(first.malformedLines, 1);
		assert.deepEqual(totals(), fixtureTotals);
		assert.equal(ledger.refresh().bytesRead, 0);

		// Amp rewrites the thread whole (here through a new file renamed over it): message 2 grew
		// while streaming, message 5 is new.
		const file = path.join(ampDir, 'threads', `${threadA}.json`);
		const thread = JSON.parse(fs.readFileSync(file, 'utf8')) as { messages: { role: string; messageId: number; usage?: Record<string, unknown> }[] };
		thread.messages[2]!.usage!['outputTokens'] = 90;
		thread.messages.push({ role: 'assistant', messageId: 5, usage: { model: sonnet, inputTokens: 3, outputTokens: 30, cacheCreationInputTokens: 0, cacheReadInputTokens: 18000, credits: 0.75, timestamp: '2026-05-02T09:35:00.000Z' } });
		fs.writeFileSync(`${file}.tmp`, JSON.stringify(thread));
		fs.renameSync(`${file}.tmp`, file);
		const rewritten = ledger.refresh();
		assert.equal(rewritten.filesRead, 1);
		assert.equal(rewritten.eventsStored, 2);
		const grown = { ...fixtureTotals, inputTokens: 47, outputTokens: 977 + 48 + 30, cacheReadTokens: 44900 + 18000, requests: 6, credits: 5 };
		assert.deepEqual(totals(), grown);

		// A new ledger over the same files (another window, or after a restart) agrees.
		const again = new Ledger({ home: path.join(root, 'ledger'), sources: ampSources(environment, []) });
		again.refresh();
		const { inputTokens, outputTokens, requests } = dailyReport(again.counted(), options).totals;
		assert.deepEqual({ inputTokens, outputTokens, requests }, { inputTokens: grown.inputTokens, outputTokens: grown.outputTokens, requests: grown.requests });
	});
});
