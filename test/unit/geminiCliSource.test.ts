import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import { geminiCliSources, geminiTmpRoot } from '../../src/sources/geminiCli/geminiCliSource';
import { fixturesDir, homeWithFixtures } from './helpers';

const S1 = '6f2c1d9e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const hashDir = '9b1f0c3d2e4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344';
const mainRelative = 'tmp/acme-api/chats/session-2026-05-02T09-20-6f2c1d9e.jsonl';
const legacyRelative = `tmp/${hashDir}/chats/session-2026-04-20T08-00-7d3e2f1a.json`;

/**
 * The fixtures' exact totals, by hand: the main session counts 3 replies (a1b2c3d4-0002 once of its
 * three copies; 0004 although rewound; 0006): 6244 uncached input (tool-use prompt included), 33716
 * cache reads, 576 output (thoughts included), 250 reasoning. The sub-agent adds 1 (3000, 0, 300, 100),
 * the legacy .json 2 (5000, 6000, 450, 50).
 */
const fixtureTotals = { requests: 6, inputTokens: 14244, cacheReadTokens: 39716, outputTokens: 1326, reasoningTokens: 400 };
type Sums = typeof fixtureTotals;

function sums(events: readonly CountedUsage[]): Sums {
	const result = { requests: 0, inputTokens: 0, cacheReadTokens: 0, outputTokens: 0, reasoningTokens: 0 };
	for (const event of events) {
		result.requests++;
		result.inputTokens += event.inputTokens;
		result.cacheReadTokens += event.cacheReadTokens;
		result.outputTokens += event.outputTokens;
		result.reasoningTokens += event.reasoningTokens;
	}
	return result;
}

const plus = (extra: Partial<Sums>): Sums => {
	const result = { ...fixtureTotals };
	for (const [key, value] of Object.entries(extra) as [keyof Sums, number][]) result[key] += value;
	return result;
};

const open = (home: string, ledgerDir: string): Ledger =>
	new Ledger({ home: ledgerDir, sources: geminiCliSources({ home, env: {}, platform: 'linux' }, []) });

const tokens = (input: number, output: number, cached: number, thoughts: number, tool: number) => ({ input, output, cached, thoughts, tool, total: input + output + thoughts + tool });
const reply = (id: string, timestamp: string, replyTokens: ReturnType<typeof tokens> | null) =>
	JSON.stringify({ id, timestamp, type: 'gemini', content: [{ text: 'ok' }], thoughts: [], tokens: replyTokens, model: 'gemini-2.5-pro' });

describe('gemini-cli discovery', () => {
	it('finds ~/.gemini/tmp, or the one under GEMINI_CLI_HOME, which replaces the home folder', () => {
		assert.equal(geminiTmpRoot({ home: '/home/dev', env: {}, platform: 'linux' }), '/home/dev/.gemini/tmp');
		assert.equal(geminiTmpRoot({ home: '/home/dev', env: { GEMINI_CLI_HOME: '/profiles/job' }, platform: 'linux' }), '/profiles/job/.gemini/tmp');
	});

	it('lists .jsonl recordings (sub-agents included) for the line reader and legacy .json for the document reader', () => {
		// The fixture folder is laid out like a `.gemini` folder: passed here as an extra path.
		const sources = geminiCliSources({ home: '/nonexistent', env: {}, platform: 'linux' }, [path.join(fixturesDir, 'gemini-cli')]);
		assert.deepEqual(sources.map((source) => [source.id, source.reader.kind]), [
			['gemini-cli', 'lines'],
			['gemini-cli', 'document'],
		]);
		const [lines, documents] = sources;
		const relative = (files: string[]) => files.map((file) => path.relative(path.join(fixturesDir, 'gemini-cli'), file));
		assert.deepEqual(relative(lines!.listFiles()), [`tmp/acme-api/chats/${S1}/9a8b7c6d-1111-4222-8333-444455556666.jsonl`, mainRelative]);
		assert.deepEqual(relative(documents!.listFiles()), [legacyRelative]);
		assert.deepEqual(lines!.roots, ['/nonexistent/.gemini/tmp', path.join(fixturesDir, 'gemini-cli')]);
	});

	it('accepts an extra path that is a GEMINI_CLI_HOME-like folder, a tmp folder, a project folder or a chats folder', () => {
		const { home } = homeWithFixtures('gemini-cli', '.gemini');
		const count = (extra: string) => geminiCliSources({ home: '/nonexistent', env: {}, platform: 'linux' }, [extra]).flatMap((source) => source.listFiles()).length;
		assert.equal(count(home), 3);
		assert.equal(count(path.join(home, '.gemini', 'tmp')), 3);
		assert.equal(count(path.join(home, '.gemini', 'tmp', 'acme-api')), 2);
		assert.equal(count(path.join(home, '.gemini', 'tmp', 'acme-api', 'chats')), 2);
	});

	it('takes the project from the .project_root marker of the project folder', () => {
		const { home, ledgerDir } = homeWithFixtures('gemini-cli', '.gemini');
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const projects = new Set(ledger.counted().map((event) => `${path.basename(event.file)} ${event.project}`));
		assert.deepEqual([...projects].sort(), [
			'9a8b7c6d-1111-4222-8333-444455556666.jsonl /home/dev/acme-api',
			'session-2026-04-20T08-00-7d3e2f1a.json ', // a hash-named folder has no marker
			'session-2026-05-02T09-20-6f2c1d9e.jsonl /home/dev/acme-api',
		]);
	});
});

describe('gemini-cli through the Ledger', () => {
	it('counts the fixtures exactly, and reads nothing the second time', () => {
		const { home, ledgerDir } = homeWithFixtures('gemini-cli', '.gemini');
		const ledger = open(home, ledgerDir);
		const stats = ledger.refresh();
		assert.equal(stats.filesRead, 3);
		assert.equal(stats.malformedLines, 1);
		assert.deepEqual(sums(ledger.counted()), fixtureTotals);
		const again = ledger.refresh();
		assert.equal(again.bytesRead, 0);
		assert.equal(again.eventsStored, 0);
	});

	it('counts a completed half-written line, and a reply whose tokens arrive in a later copy, once each', () => {
		const { home, toolDir: geminiDir, ledgerDir } = homeWithFixtures('gemini-cli', '.gemini');
		const ledger = open(home, ledgerDir);
		ledger.refresh();
		const file = path.join(geminiDir, mainRelative);
		const partial = fs.readFileSync(file, 'utf8').split('\n').pop()!;
		const whole = JSON.stringify({ id: 'a1b2c3d4-0008', timestamp: '2026-05-02T09:23:00.000Z', type: 'gemini', content: [{ text: 'One more.' }], thoughts: [], tokens: tokens(2000, 20, 1000, 0, 0), model: 'gemini-2.5-pro' });
		assert.ok(whole.startsWith(partial), 'the fixture ends with the start of this line');
		fs.appendFileSync(file, `${whole.slice(partial.length)}\n`);
		ledger.refresh();
		const completed = { requests: 1, inputTokens: 1000, cacheReadTokens: 1000, outputTokens: 20 };
		assert.deepEqual(sums(ledger.counted()), plus(completed));

		// Written first without usage (nothing to count yet), then again with it: the later copy counts.
		fs.appendFileSync(file, `${reply('a1b2c3d4-0010', '2026-05-02T09:24:00.000Z', null)}\n`);
		assert.equal(ledger.refresh().eventsStored, 0);
		fs.appendFileSync(file, `${reply('a1b2c3d4-0010', '2026-05-02T09:24:00.000Z', tokens(3000, 30, 2500, 5, 0))}\n`);
		fs.appendFileSync(file, `${reply('a1b2c3d4-0010', '2026-05-02T09:24:00.000Z', tokens(3000, 30, 2500, 5, 0))}\n`);
		ledger.refresh();
		const grown = { requests: 2, inputTokens: 1500, cacheReadTokens: 3500, outputTokens: 55, reasoningTokens: 5 };
		assert.deepEqual(sums(ledger.counted()), plus(grown));

		// Not last-write-wins in general: a later copy with a smaller total loses to the larger one.
		fs.appendFileSync(file, `${reply('a1b2c3d4-0010', '2026-05-02T09:24:00.000Z', tokens(10, 1, 0, 0, 0))}\n`);
		ledger.refresh();
		assert.deepEqual(sums(ledger.counted()), plus(grown));
	});

	it('does not count twice when a resume migrates a legacy .json to .jsonl or rewrites a recording whole', () => {
		const { home, toolDir: geminiDir, ledgerDir } = homeWithFixtures('gemini-cli', '.gemini');
		const ledger = open(home, ledgerDir);
		ledger.refresh();

		// Resume of a legacy session: the conversation is written out as .jsonl and the .json goes away.
		const legacy = path.join(geminiDir, legacyRelative);
		const record = JSON.parse(fs.readFileSync(legacy, 'utf8')) as { messages: unknown[]; [key: string]: unknown };
		const { messages, ...metadata } = record;
		const migrated = [JSON.stringify(metadata), ...messages.map((message) => JSON.stringify(message)), reply('c0000001-0005', '2026-05-03T08:00:00.000Z', tokens(7000, 70, 6000, 0, 0))];
		fs.writeFileSync(legacy.replace(/\.json$/, '.jsonl'), `${migrated.join('\n')}\n`);
		fs.rmSync(legacy);
		ledger.refresh();
		const resumed = { requests: 1, inputTokens: 1000, cacheReadTokens: 6000, outputTokens: 70 };
		assert.deepEqual(sums(ledger.counted()), plus(resumed));

		// A whole-file rewrite (new file renamed over): each message once, in a new order, plus a new reply.
		const file = path.join(geminiDir, mainRelative);
		const complete = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
		const rewritten = [complete[0]!, ...complete.slice(1, 11).reverse(), reply('a1b2c3d4-0012', '2026-05-04T08:00:00.000Z', tokens(500, 5, 0, 0, 0))];
		fs.writeFileSync(`${file}.tmp`, `${rewritten.join('\n')}\n`);
		fs.renameSync(`${file}.tmp`, file);
		const stats = ledger.refresh();
		assert.equal(stats.filesReset, 1);
		const rewrittenTotals = { requests: 2, inputTokens: 1500, cacheReadTokens: 6000, outputTokens: 75 };
		assert.deepEqual(sums(ledger.counted()), plus(rewrittenTotals));

		// The same file rewritten in place (same inode, new head): read again from the start, nothing doubled.
		fs.writeFileSync(file, `${[rewritten[0]!, ...rewritten.slice(1).reverse()].join('\n')}\n`);
		ledger.refresh();
		assert.deepEqual(sums(ledger.counted()), plus(rewrittenTotals));

		ledger.rebuild();
		assert.deepEqual(sums(ledger.counted()), plus(rewrittenTotals));
	});
});
