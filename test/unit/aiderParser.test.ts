import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { UsageEvent } from '../../src/core/usage/usageEvent';
import { parseAiderConfig } from '../../src/sources/aider/aiderSource';
import { wallTimeToUtc, zoneOffsetMs } from '../../src/sources/aider/localTime';
import { aiderLaunchTimes, parseAiderAnalyticsLines } from '../../src/sources/aider/parseAiderAnalytics';
import { parseAiderHistoryLines, parseAmount, splitSent } from '../../src/sources/aider/parseAiderHistory';
import type { ChunkPosition, ChunkResult } from '../../src/sources/lineParse';
import { fixturesDir } from './helpers';

const aiderDir = path.join(fixturesDir, 'aider');
const historyFile = path.join(aiderDir, 'repo', '.aider.chat.history.md');
const analyticsFile = path.join(aiderDir, 'analytics.jsonl');
const zone = 'Europe/Berlin';

type Parse = (bytes: Buffer, position: ChunkPosition, state: unknown) => ChunkResult & { readonly state?: unknown };

function totals(events: readonly UsageEvent[]) {
	return {
		requests: events.length,
		input: events.reduce((sum, event) => sum + event.inputTokens, 0),
		output: events.reduce((sum, event) => sum + event.outputTokens, 0),
		cacheWrite: events.reduce((sum, event) => sum + event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0),
		cacheRead: events.reduce((sum, event) => sum + event.cacheReadTokens, 0),
	};
}

/** Reads a file the way the ledger does: in chunks, carrying state, a line left over waits. */
function readInChunks(bytes: Buffer, file: string, chunkSize: number, parse: Parse): { events: UsageEvent[]; malformed: number; offset: number } {
	const events: UsageEvent[] = [];
	let offset = 0;
	let line = 0;
	let malformed = 0;
	let state: unknown;
	let size = chunkSize;
	while (offset < bytes.length) {
		const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + size));
		const result = parse(chunk, { file, offset, line }, state);
		if (result.state !== undefined) state = result.state;
		events.push(...result.events);
		malformed += result.malformed;
		line += result.lines;
		offset += result.consumed;
		if (result.consumed === 0) {
			if (offset + chunk.length >= bytes.length) break;
			size *= 2;
		} else {
			size = chunkSize;
		}
	}
	return { events, malformed, offset };
}

const parseHistory = (covered: boolean): Parse => (bytes, position, state) =>
	parseAiderHistoryLines(bytes, position, state, { timeZone: zone, coveredByAnalytics: () => covered });

describe('parseAiderHistoryLines', () => {
	const bytes = fs.readFileSync(historyFile);
	const whole = parseAiderHistoryLines(bytes, { file: historyFile, offset: 0, line: 0 }, undefined, { timeZone: zone });

	it('reads every usage line with exact totals, splitting "sent" into input and cache', () => {
		// Run 1: 8.4k sent incl. 2.1k writes; 12k incl. 1.5k writes and 9.8k hits; 3.1k sent with
		// 25k hits outside it (older LiteLLM). Run 2: 950 and 15k without cache. Run 3: 5.2k and 6.1k.
		assert.deepEqual(totals(whole.events), {
			requests: 7,
			input: 6300 + 700 + 200 + 950 + 15000 + 5200 + 6100,
			output: 412 + 1200 + 96 + 120 + 2500 + 310 + 281,
			cacheWrite: 2100 + 1500 + 2900,
			cacheRead: 9800 + 25000,
		});
		assert.ok(whole.events.every((event) => event.estimated && event.source === 'aider'));
	});

	it('dates each line by its run header, read as local time in the given zone', () => {
		assert.deepEqual(
			[...new Set(whole.events.map((event) => new Date(event.timestamp).toISOString()))],
			['2026-05-02T09:14:03.000Z', '2026-05-02T16:40:00.000Z', '2026-05-03T07:00:00.000Z'],
		);
		const utc = parseAiderHistoryLines(bytes, { file: historyFile, offset: 0, line: 0 }, undefined, { timeZone: 'UTC' });
		assert.equal(new Date(utc.events[0]!.timestamp).toISOString(), '2026-05-02T11:14:03.000Z');
	});

	it('takes the model from the run announcement and the cost from the same or the next line', () => {
		assert.deepEqual(
			whole.events.map((event) => [event.model, event.reportedCostUSD]),
			[
				['anthropic/claude-sonnet-4-5-20250929', 0.04],
				['anthropic/claude-sonnet-4-5-20250929', 0.02],
				['anthropic/claude-sonnet-4-5-20250929', 0.01],
				['gpt-4o', 0.0036],
				['gpt-4o', null],
				['anthropic/claude-sonnet-4-5-20250929', 0.02],
				['anthropic/claude-sonnet-4-5-20250929', 0.02],
			],
		);
	});

	it('keys lines by file, run header and line number, and groups them by run', () => {
		assert.deepEqual(
			whole.events.map((event) => event.key),
			[
				`aider:history:${historyFile}:2026-05-02 11:14:03:19`,
				`aider:history:${historyFile}:2026-05-02 11:14:03:27`,
				`aider:history:${historyFile}:2026-05-02 11:14:03:34`,
				`aider:history:${historyFile}:2026-05-02 18:40:00:47`,
				`aider:history:${historyFile}:2026-05-02 18:40:00:48`,
				`aider:history:${historyFile}:2026-05-03 09:00:00:59`,
				`aider:history:${historyFile}:2026-05-03 09:00:00:60`,
			],
		);
		assert.deepEqual([...new Set(whole.events.map((event) => event.sessionId))], ['2026-05-02 11:14:03', '2026-05-02 18:40:00', '2026-05-03 09:00:00']);
		assert.equal(whole.events[0]!.project, path.dirname(historyFile));
	});

	it('counts an unrecognised usage line as malformed and leaves a half-written last line', () => {
		assert.equal(whole.malformed, 1);
		assert.deepEqual(whole.issues, [{ line: 36, reason: 'unrecognised usage line' }]);
		assert.equal(bytes.subarray(whole.consumed).toString(), '> Tokens: 2k sent, 1');
		assert.equal(whole.lines, 60);
	});

	it('leaves a run to the analytics log when it covers the run', () => {
		const seen: number[][] = [];
		const result = parseAiderHistoryLines(bytes, { file: historyFile, offset: 0, line: 0 }, undefined, {
			timeZone: zone,
			coveredByAnalytics: (starts) => {
				seen.push([...starts]);
				return starts.includes(Date.parse('2026-05-03T07:00:00Z'));
			},
		});
		assert.deepEqual(totals(result.events), { requests: 5, input: 23150, output: 4328, cacheWrite: 6500, cacheRead: 34800 });
		assert.equal(seen.length, 7, 'asked at every usage line, not once per run');
	});

	it('reads the same events in chunks of any size, carrying the run across chunks', () => {
		const expected = whole.events.map((event) => [event.key, event.model, event.timestamp, event.inputTokens, event.reportedCostUSD]);
		for (const size of [1, 7, 64, 333, 1000]) {
			const read = readInChunks(bytes, historyFile, size, parseHistory(false));
			assert.deepEqual(
				read.events.map((event) => [event.key, event.model, event.timestamp, event.inputTokens, event.reportedCostUSD]),
				expected,
				`chunks of ${size} bytes`,
			);
			assert.equal(read.malformed, 1);
			assert.equal(read.offset, whole.consumed);
		}
	});

	it('holds a usage line back until its cost line is complete', () => {
		const text = '\n# aider chat started at 2026-05-02 11:14:03\n\n> Tokens: 12k sent, 1.5k cache write, 9.8k cache hit, 1.2k received.\n';
		const first = parseAiderHistoryLines(Buffer.from(text), { file: 'h.md', offset: 0, line: 0 }, undefined, { timeZone: 'UTC' });
		assert.equal(first.events.length, 0);
		assert.equal(first.consumed, text.indexOf('> Tokens'));
		const rest = Buffer.from(`${text.slice(first.consumed)}Cost: $0.02 message, $0.06 session.  \n`);
		const second = parseAiderHistoryLines(rest, { file: 'h.md', offset: first.consumed, line: first.lines }, first.state, { timeZone: 'UTC' });
		assert.deepEqual(
			second.events.map((event) => [event.key, event.inputTokens, event.reportedCostUSD]),
			[['aider:history:h.md:2026-05-02 11:14:03:4', 700, 0.02]],
		);
		assert.equal(second.lines, 2);
	});

	it('reads CRLF histories', () => {
		const file = path.join(aiderDir, 'crlf', '.aider.chat.history.md');
		const result = parseAiderHistoryLines(fs.readFileSync(file), { file, offset: 0, line: 0 }, undefined, { timeZone: 'UTC' });
		assert.equal(result.malformed, 0);
		assert.deepEqual(
			result.events.map((event) => [event.model, event.inputTokens, event.outputTokens, event.reportedCostUSD, event.timestamp]),
			[['gpt-4.1', 1500, 40, 0.0032, Date.parse('2026-05-05T08:00:00Z')]],
		);
	});

	it('counts a usage line before any run header as malformed, and splits DeepSeek cache hits out of "sent"', () => {
		const file = path.join(aiderDir, 'headerless', '.aider.chat.history.md');
		const result = parseAiderHistoryLines(fs.readFileSync(file), { file, offset: 0, line: 0 }, undefined, { timeZone: 'UTC' });
		assert.deepEqual(result.issues, [{ line: 1, reason: 'usage line before any "aider chat started" header' }]);
		assert.deepEqual(
			result.events.map((event) => [event.model, event.inputTokens, event.cacheReadTokens, event.outputTokens]),
			[['deepseek/deepseek-chat', 400, 1800, 75]],
		);
	});
});

describe('Aider number formats', () => {
	it('reads format_tokens output', () => {
		assert.deepEqual(['412', '8.4k', '12k', '1.0k', undefined].map(parseAmount), [412, 8400, 12000, 1000, 0]);
	});

	it('takes cache hits out of "sent" only when they can be inside it', () => {
		assert.deepEqual(splitSent(8400, 2100, 0), { input: 6300, cacheWrite: 2100, cacheRead: 0 });
		assert.deepEqual(splitSent(12000, 1500, 9800), { input: 700, cacheWrite: 1500, cacheRead: 9800 });
		assert.deepEqual(splitSent(3100, 2900, 25000), { input: 200, cacheWrite: 2900, cacheRead: 25000 });
		assert.deepEqual(splitSent(100, 2100, 0), { input: 0, cacheWrite: 2100, cacheRead: 0 });
	});
});

describe('parseAiderAnalyticsLines', () => {
	const bytes = fs.readFileSync(analyticsFile);
	const whole = parseAiderAnalyticsLines(bytes, { file: analyticsFile, offset: 0, line: 0 }, undefined);

	it('reads message_send events with exact totals and Aider\'s own cost', () => {
		assert.deepEqual(totals(whole.events), { requests: 3, input: 5234 + 6120 + 1000, output: 310 + 281 + 50, cacheWrite: 0, cacheRead: 0 });
		assert.deepEqual(
			whole.events.map((event) => [event.model, event.timestamp, event.reportedCostUSD, event.estimated]),
			[
				['anthropic/claude-sonnet-4-5-20250929', 1777791790000, 0.0204, false],
				['anthropic/claude-sonnet-4-5-20250929', 1777791942000, 0.0226, false],
				['openrouter/REDACTED', 1777896090000, 0, false],
			],
		);
	});

	it('keys messages by their content and groups them by the launch before them', () => {
		assert.equal(
			whole.events[0]!.key,
			'aider:analytics:0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5:1777791790:anthropic/claude-sonnet-4-5-20250929:5234:310:0.0204',
		);
		assert.deepEqual(
			whole.events.map((event) => event.sessionId),
			['aider@2026-05-03T07:00:01.000Z', 'aider@2026-05-03T07:00:01.000Z', 'aider@2026-05-04T12:00:00.000Z'],
		);
	});

	it('counts a damaged line and leaves a half-written last line', () => {
		assert.equal(whole.malformed, 1);
		assert.deepEqual(whole.issues, [{ line: 7, reason: 'invalid JSON' }]);
		assert.equal(whole.lines, 9);
		assert.ok(bytes.subarray(whole.consumed).toString().startsWith('{"event": "message_send", "properties": {"main_model": "gpt-4o"'));
	});

	it('reads the same events in chunks of any size', () => {
		const expected = whole.events.map((event) => [event.key, event.sessionId]);
		for (const size of [1, 50, 400]) {
			const read = readInChunks(bytes, analyticsFile, size, parseAiderAnalyticsLines);
			assert.deepEqual(read.events.map((event) => [event.key, event.sessionId]), expected, `chunks of ${size} bytes`);
		}
	});

	it('lists when each run launched, from complete lines only', () => {
		const found = aiderLaunchTimes(bytes);
		assert.deepEqual(found.times, [1777791601000, 1777791604000, 1777896000000]);
		assert.equal(found.consumed, whole.consumed);
	});
});

describe('local times', () => {
	it('converts a wall time in a zone, both instants of a repeated hour, and a skipped hour', () => {
		const wall = { year: 2026, month: 5, day: 2, hour: 11, minute: 14, second: 3 };
		assert.deepEqual(wallTimeToUtc(wall, 'Europe/Berlin'), [Date.parse('2026-05-02T09:14:03Z')]);
		assert.deepEqual(wallTimeToUtc(wall, 'America/New_York'), [Date.parse('2026-05-02T15:14:03Z')]);
		assert.deepEqual(wallTimeToUtc(wall, 'UTC'), [Date.parse('2026-05-02T11:14:03Z')]);
		// Clocks went back at 03:00 CEST on 2026-10-25: 02:30 happened twice.
		assert.deepEqual(wallTimeToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'), [
			Date.parse('2026-10-25T00:30:00Z'),
			Date.parse('2026-10-25T01:30:00Z'),
		]);
		// Clocks went forward at 02:00 CET on 2026-03-29: 02:30 never showed.
		assert.deepEqual(wallTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin'), [Date.parse('2026-03-29T01:30:00Z')]);
		assert.equal(zoneOffsetMs(Date.parse('2026-01-15T12:00:00Z'), 'Asia/Kolkata'), 5.5 * 3600_000);
	});
});

describe('parseAiderConfig', () => {
	it('reads the two path options from .aider.conf.yml', () => {
		const text = '# aider config\nmodel: sonnet\nanalytics-log: "~/logs/aider.jsonl"  # exact usage\nchat-history-file: .history.md\r\n';
		assert.deepEqual(parseAiderConfig(text), { 'analytics-log': '~/logs/aider.jsonl', 'chat-history-file': '.history.md' });
		assert.deepEqual(parseAiderConfig('analytics-log:\n'), {});
	});
});
