import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import type { Environment } from '../../src/sources/logSource';
import { opencodeDataDirs, opencodeSources, readOpencodeDatabase } from '../../src/sources/opencode/opencodeSource';
import { opencodeMessageEvent, parseOpencodeMessageFile, parseOpencodeRows } from '../../src/sources/opencode/parseOpencode';
import { fixturesDir, tempDir } from './helpers';

const fixture = path.join(fixturesDir, 'opencode');
const fixtureDb = path.join(fixture, 'data', 'opencode.db');

interface Totals {
	inputTokens: number;
	outputTokens: number;
	cacheWriteTokens: number;
	cacheReadTokens: number;
	reasoningTokens: number;
	requests: number;
}

function totals(events: readonly CountedUsage[]): Totals {
	const sum = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, reasoningTokens: 0, requests: 0 };
	for (const event of events) {
		sum.inputTokens += event.inputTokens;
		sum.outputTokens += event.outputTokens;
		sum.cacheWriteTokens += event.cacheWrite5mTokens + event.cacheWrite1hTokens;
		sum.cacheReadTokens += event.cacheReadTokens;
		sum.reasoningTokens += event.reasoningTokens;
		sum.requests++;
	}
	return sum;
}

const byKey = (events: readonly UsageEvent[]): Map<string, UsageEvent> => new Map(events.map((event) => [event.key, event]));

const message = (tokens: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
	id: 'msg_X',
	sessionID: 'ses_X',
	role: 'assistant',
	time: { created: 1777713600000 },
	modelID: 'gpt-5',
	providerID: 'openai',
	path: { cwd: '/p', root: '/p' },
	cost: 0,
	tokens,
	...extra,
});

/** A home whose `~/.local/share/opencode` is a copy of the fixture data folder. */
function opencodeHome(): { home: string; dataDir: string; ledgerDir: string; environment: Environment } {
	const root = tempDir();
	const home = path.join(root, 'home');
	const dataDir = path.join(home, '.local', 'share', 'opencode');
	fs.cpSync(path.join(fixture, 'data'), dataDir, { recursive: true });
	return { home, dataDir, ledgerDir: path.join(root, 'ledger'), environment: { home, env: {}, platform: 'linux' } };
}

describe('OpenCode messages', () => {
	it('maps the token buckets: cache read and write apart from input, reasoning into output', () => {
		const event = opencodeMessageEvent(message({ input: 500, output: 300, reasoning: 200, cache: { read: 1000, write: 40 } }), { file: 'f' });
		assert.ok(event !== null && typeof event === 'object');
		assert.deepEqual(
			[event.inputTokens, event.outputTokens, event.reasoningTokens, event.cacheReadTokens, event.cacheWrite5mTokens, event.cacheWrite1hTokens],
			[500, 500, 200, 1000, 40, 0],
		);
		assert.equal(event.key, 'opencode:msg_X');
		assert.equal(event.estimated, false);
	});

	it('keeps reasoning inside output when the total shows the older convention', () => {
		const separate = opencodeMessageEvent(message({ input: 100, output: 400, reasoning: 150, cache: { read: 0, write: 0 }, total: 650 }), { file: 'f' });
		const included = opencodeMessageEvent(message({ input: 100, output: 400, reasoning: 150, cache: { read: 0, write: 0 }, total: 500 }), { file: 'f' });
		assert.ok(typeof separate === 'object' && separate !== null && typeof included === 'object' && included !== null);
		assert.deepEqual([separate.outputTokens, separate.reasoningTokens], [550, 150]);
		assert.deepEqual([included.outputTokens, included.reasoningTokens], [400, 150]);
	});

	it("prefers OpenCode's own cost when it is above zero, and leaves 0 to our pricing", () => {
		const paid = opencodeMessageEvent(message({ input: 1, output: 1 }, { cost: 0.0125 }), { file: 'f' });
		const subscription = opencodeMessageEvent(message({ input: 1, output: 1 }, { cost: 0 }), { file: 'f' });
		assert.ok(typeof paid === 'object' && paid !== null && typeof subscription === 'object' && subscription !== null);
		assert.equal(paid.reportedCostUSD, 0.0125);
		assert.equal(subscription.reportedCostUSD, null);
	});

	it('counts a total without a split as estimated input, and skips user and empty messages', () => {
		const totalOnly = opencodeMessageEvent(message({ input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 }, total: 900 }), { file: 'f' });
		assert.ok(typeof totalOnly === 'object' && totalOnly !== null);
		assert.deepEqual([totalOnly.inputTokens, totalOnly.outputTokens, totalOnly.estimated], [900, 0, true]);
		assert.equal(opencodeMessageEvent(message({ input: 0, output: 0, cache: { read: 0, write: 0 } }), { file: 'f' }), null);
		assert.equal(opencodeMessageEvent({ ...message({ input: 5 }), role: 'user' }, { file: 'f' }), null);
		assert.equal(opencodeMessageEvent(message(undefined), { file: 'f' }), null);
		assert.match(String(opencodeMessageEvent(message({ input: 5 }, { id: undefined }), { file: 'f' })), /without an id/);
	});

	it('fills id, session, time and directory from the row when the JSON omits them', () => {
		const data = JSON.stringify({ role: 'assistant', modelID: 'm', tokens: { input: 3, output: 4 } });
		const result = parseOpencodeRows(
			[{ id: 'msg_R', sessionId: 'ses_R', timeCreated: 1777713600000, data: new Uint8Array(Buffer.from(data)) }],
			new Map([['ses_R', '/home/dev/r']]),
			'db',
		);
		assert.equal(result.malformed, 0);
		const [event] = result.events;
		assert.deepEqual([event?.key, event?.sessionId, event?.timestamp, event?.project], ['opencode:msg_R', 'ses_R', 1777713600000, '/home/dev/r']);
	});
});

describe('OpenCode database', () => {
	it('reads messages from the database and its write-ahead log, never the step parts', () => {
		const result = readOpencodeDatabase(fixtureDb);
		// msg_A8 and msg_A9's finished tokens exist only in opencode.db-wal; msg_A1's two step-finish
		// parts (1180 input between them) are not added; msg_A5 billed nothing; msg_A7 is damaged.
		assert.deepEqual(totals(result.events), {
			inputTokens: 1180 + 500 + 100 + 900 + 10 + 70 + 5,
			outputTokens: 860 + 500 + 400 + 20 + 30 + 50,
			cacheWriteTokens: 2410,
			cacheReadTokens: 18240 + 1000 + 400,
			reasoningTokens: 200 + 150,
			requests: 7,
		});
		assert.deepEqual([...byKey(result.events).keys()].sort(), ['msg_A1', 'msg_A2', 'msg_A3', 'msg_A4', 'msg_A6', 'msg_A8', 'msg_A9'].map((id) => `opencode:${id}`));
		assert.equal(result.malformed, 1);
		assert.deepEqual(result.issues, [{ line: 8, reason: 'msg_A7: invalid JSON in data' }]);

		const events = byKey(result.events);
		assert.equal(events.get('opencode:msg_A1')?.reportedCostUSD, 0.04125);
		assert.equal(events.get('opencode:msg_A2')?.reportedCostUSD, null);
		assert.equal(events.get('opencode:msg_A4')?.estimated, true);
		assert.equal(events.get('opencode:msg_A6')?.project, '/home/dev/web');
		assert.equal(events.get('opencode:msg_A6')?.sessionId, 'ses_2');
	});

	it('reads only the checkpointed rows when the log is gone', () => {
		const dir = tempDir();
		fs.copyFileSync(fixtureDb, path.join(dir, 'opencode.db'));
		const result = readOpencodeDatabase(path.join(dir, 'opencode.db'));
		assert.deepEqual([...byKey(result.events).keys()].sort(), ['msg_A1', 'msg_A2', 'msg_A3', 'msg_A4', 'msg_A6'].map((id) => `opencode:${id}`));
	});

	it('reads nothing, without complaint, from a database with no message table', () => {
		const dir = tempDir();
		fs.writeFileSync(path.join(dir, 'opencode-beta.db'), '');
		assert.deepEqual(readOpencodeDatabase(path.join(dir, 'opencode-beta.db')), { events: [], malformed: 0, issues: [] });
	});
});

describe('OpenCode legacy JSON', () => {
	it('reads one message per file, keyed like the database row', () => {
		const file = path.join(fixture, 'data', 'storage', 'message', 'ses_1', 'msg_A1.json');
		const result = parseOpencodeMessageFile(fs.readFileSync(file), file);
		assert.equal(result.events[0]?.key, 'opencode:msg_A1');
		assert.deepEqual(totals(result.events), { inputTokens: 1180, outputTokens: 860, cacheWriteTokens: 2410, cacheReadTokens: 18240, reasoningTokens: 0, requests: 1 });
	});

	it('counts a damaged file and skips user messages', () => {
		const dir = path.join(fixture, 'data', 'storage', 'message', 'ses_old');
		const damaged = parseOpencodeMessageFile(fs.readFileSync(path.join(dir, 'msg_L2.json')), 'msg_L2.json');
		assert.deepEqual([damaged.events.length, damaged.malformed, damaged.issues], [0, 1, [{ line: 1, reason: 'invalid JSON' }]]);
		const user = parseOpencodeMessageFile(fs.readFileSync(path.join(dir, 'msg_LU.json')), 'msg_LU.json');
		assert.deepEqual([user.events.length, user.malformed], [0, 0]);
	});

	it('takes the message and session ids from the path when the JSON lacks them', () => {
		const file = path.join('storage', 'message', 'ses_P', 'msg_P.json');
		const result = parseOpencodeMessageFile(Buffer.from(JSON.stringify({ role: 'assistant', time: { created: 1 }, tokens: { input: 1, output: 2 } })), file);
		assert.deepEqual([result.events[0]?.key, result.events[0]?.sessionId], ['opencode:msg_P', 'ses_P']);
	});
});

describe('OpenCode discovery', () => {
	it('uses XDG_DATA_HOME, else ~/.local/share, on every platform, plus extra folders', () => {
		assert.deepEqual(opencodeDataDirs({ home: '/home/u', env: {}, platform: 'darwin' }), ['/home/u/.local/share/opencode']);
		assert.deepEqual(opencodeDataDirs({ home: '/home/u', env: { XDG_DATA_HOME: '/data' }, platform: 'linux' }, ['/more/opencode', '/x/custom.db']), [
			'/data/opencode',
			'/more/opencode',
		]);
	});

	it('lists the channel databases and the legacy message files', () => {
		const { dataDir, environment } = opencodeHome();
		fs.writeFileSync(path.join(dataDir, 'opencode-beta.db'), '');
		fs.writeFileSync(path.join(dataDir, 'opencode.db-shm'), '');
		const [database, legacy] = opencodeSources(environment, []);
		assert.deepEqual(database?.listFiles().map((file) => path.basename(file)), ['opencode-beta.db', 'opencode.db']);
		assert.equal(database?.reader.kind, 'database');
		assert.deepEqual(legacy?.listFiles().map((file) => path.relative(dataDir, file)), [
			'storage/message/ses_1/msg_A1.json',
			'storage/message/ses_old/msg_L1.json',
			'storage/message/ses_old/msg_L2.json',
			'storage/message/ses_old/msg_LU.json',
		]);
		assert.equal(legacy?.reader.kind, 'document');
	});
});

describe('OpenCode through the ledger', () => {
	it('counts each message once across the database and JSON, and follows new log writes', () => {
		const { dataDir, ledgerDir, environment } = opencodeHome();
		const ledger = new Ledger({ home: ledgerDir, sources: opencodeSources(environment, []) });

		const first = ledger.refresh();
		assert.equal(first.filesRead, 5);
		assert.equal(first.malformedLines, 2); // msg_A7 in the database, msg_L2.json
		// The database's 7 messages, plus msg_L1 from JSON; msg_A1's JSON copy is the same request.
		const base = { inputTokens: 3065, outputTokens: 1960, cacheWriteTokens: 2410, cacheReadTokens: 19640, reasoningTokens: 350, requests: 8 };
		assert.deepEqual(totals(ledger.counted()), base);
		assert.deepEqual(
			ledger.diagnostics().map((diagnostic) => [path.basename(diagnostic.file), diagnostic.malformed]).sort(),
			[['msg_L2.json', 1], ['opencode.db', 1]],
		);

		const unchanged = ledger.refresh();
		assert.deepEqual([unchanged.filesRead, unchanged.eventsStored], [0, 0]);

		// OpenCode writes on: only the log grows (msg_A8 finishes with 60 more output, msg_B1 is new),
		// and a legacy file appears.
		fs.copyFileSync(path.join(fixture, 'update', 'opencode.db-wal'), path.join(dataDir, 'opencode.db-wal'));
		const legacyFile = path.join(dataDir, 'storage', 'message', 'ses_old', 'msg_L3.json');
		fs.writeFileSync(legacyFile, JSON.stringify(message({ input: 7, output: 3, reasoning: 0, cache: { read: 0, write: 0 } }, { id: 'msg_L3', cost: 0.0001 })));
		const second = ledger.refresh();
		assert.equal(second.filesRead, 2);
		assert.equal(second.eventsStored, 3); // msg_A8's better copy, msg_B1, msg_L3
		assert.deepEqual(totals(ledger.counted()), {
			inputTokens: base.inputTokens + 40 + 7,
			outputTokens: base.outputTokens + 60 + 60 + 3,
			cacheWriteTokens: base.cacheWriteTokens + 100,
			cacheReadTokens: base.cacheReadTokens,
			reasoningTokens: base.reasoningTokens,
			requests: base.requests + 2,
		});
		// msg_A8 (session ses_2, 70 input tokens) counts once, with its finished output.
		assert.deepEqual(ledger.counted().filter((event) => event.sessionId === 'ses_2' && event.inputTokens === 70).map((event) => event.outputTokens), [90]);

		// A fresh ledger over the same files agrees: nothing double counted, nothing lost.
		const rebuilt = new Ledger({ home: path.join(tempDir(), 'ledger'), sources: opencodeSources(environment, []) });
		rebuilt.refresh();
		assert.deepEqual(totals(rebuilt.counted()), totals(ledger.counted()));
	});
});
