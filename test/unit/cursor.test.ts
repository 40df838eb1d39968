import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import type { Environment } from '../../src/sources/logSource';
import { cursorDatabaseCandidates, cursorSources, cursorUserDir, readCursorDatabase } from '../../src/sources/cursor/cursorSource';
import { parseCursorRows } from '../../src/sources/cursor/parseCursor';
import { fixturesDir, tempDir } from './helpers';

const fixture = path.join(fixturesDir, 'cursor');
const fixtureDb = path.join(fixture, 'User', 'globalStorage', 'state.vscdb');

function totals(events: readonly CountedUsage[]): { inputTokens: number; outputTokens: number; cacheTokens: number; requests: number } {
	const sum = { inputTokens: 0, outputTokens: 0, cacheTokens: 0, requests: 0 };
	for (const event of events) {
		sum.inputTokens += event.inputTokens;
		sum.outputTokens += event.outputTokens;
		sum.cacheTokens += event.cacheReadTokens + event.cacheWrite5mTokens + event.cacheWrite1hTokens;
		sum.requests++;
	}
	return sum;
}

const bubble = (id: string, tokens: [number, number] | null, extra: Record<string, unknown> = {}): string =>
	JSON.stringify({ bubbleId: id, type: 2, createdAt: '2026-05-02T09:50:05.000Z', ...(tokens === null ? {} : { tokenCount: { inputTokens: tokens[0], outputTokens: tokens[1] } }), ...extra });

/** A home whose Linux Cursor folder is a copy of the fixture. */
function cursorHome(): { home: string; dbFile: string; ledgerDir: string; environment: Environment } {
	const root = tempDir();
	const home = path.join(root, 'home');
	const userDir = path.join(home, '.config', 'Cursor', 'User');
	fs.cpSync(path.join(fixture, 'User'), userDir, { recursive: true });
	return { home, dbFile: path.join(userDir, 'globalStorage', 'state.vscdb'), ledgerDir: path.join(root, 'ledger'), environment: { home, env: {}, platform: 'linux' } };
}

describe('Cursor bubbles', () => {
	it('marks every event estimated, keys it by bubbleId and takes the model from the conversation', () => {
		const result = parseCursorRows(
			[
				{ key: 'bubbleId:c1:b2', value: bubble('b2', [1200, 340]) },
				{ key: 'composerData:c1', value: JSON.stringify({ composerId: 'c1', modelConfig: { modelName: 'claude-4-sonnet' } }) },
			],
			'state.vscdb',
		);
		assert.equal(result.events.length, 1);
		const [event] = result.events;
		assert.deepEqual(
			[event?.key, event?.estimated, event?.model, event?.sessionId, event?.inputTokens, event?.outputTokens, event?.cacheReadTokens, event?.reportedCostUSD],
			['cursor:b2', true, 'claude-4-sonnet', 'c1', 1200, 340, 0, null],
		);
	});

	it('skips bubbles with zero or missing token counts, and counts them', () => {
		const result = parseCursorRows(
			[
				{ key: 'bubbleId:c1:z1', value: bubble('z1', [0, 0]) },
				{ key: 'bubbleId:c1:z2', value: bubble('z2', null) },
				{ key: 'bubbleId:c1:t1', value: bubble('t1', [0, 9]) },
			],
			'f',
		);
		assert.deepEqual([result.events.length, result.zeroTokenBubbles, result.malformed], [1, 2, 0]);
	});

	it('reads createdAt as ISO text, epoch milliseconds or seconds, else the conversation time', () => {
		const result = parseCursorRows(
			[
				{ key: 'bubbleId:c1:iso', value: bubble('iso', [1, 1]) },
				{ key: 'bubbleId:c1:ms', value: bubble('ms', [1, 1], { createdAt: 1777715520000 }) },
				{ key: 'bubbleId:c1:s', value: bubble('s', [1, 1], { createdAt: 1777715520 }) },
				{ key: 'bubbleId:c1:none', value: bubble('none', [1, 1], { createdAt: undefined }) },
				{ key: 'bubbleId:c9:orphan', value: bubble('orphan', [1, 1], { createdAt: undefined }) },
				{ key: 'composerData:c1', value: new Uint8Array(Buffer.from(JSON.stringify({ lastUpdatedAt: 1777716600000 }))) },
			],
			'f',
		);
		assert.deepEqual(
			result.events.map((event) => [event.key, new Date(event.timestamp).toISOString()]),
			[
				['cursor:iso', '2026-05-02T09:50:05.000Z'],
				['cursor:ms', '2026-05-02T09:52:00.000Z'],
				['cursor:s', '2026-05-02T09:52:00.000Z'],
				['cursor:none', '2026-05-02T10:10:00.000Z'],
			],
		);
		assert.equal(result.malformed, 1);
		assert.match(result.issues[0]?.reason ?? '', /orphan: no createdAt/);
	});

	it('counts damaged values and keeps going', () => {
		const result = parseCursorRows(
			[
				{ key: 'bubbleId:c1:bad', value: '{"tokenCount":{"inputTokens":5' },
				{ key: 'composerData:c2', value: 'not json' },
				{ key: 'bubbleId:c1:ok', value: bubble('ok', [2, 3]) },
			],
			'f',
		);
		assert.deepEqual([result.events.length, result.malformed, result.issues.map((issue) => issue.line)], [1, 2, [1, 2]]);
	});
});

describe('Cursor database', () => {
	it('reads bubbles from state.vscdb and its write-ahead log, and the older inline conversations', () => {
		const result = readCursorDatabase(fixtureDb);
		// b2, b4 (own model), b6 (no model, no time), b8 (inline in composerData:c3), and b10 (only in
		// the log). b1, b3, b5, b9 carry no tokens; b7 is damaged.
		assert.deepEqual(totals(result.events), { inputTokens: 1200 + 800 + 50 + 300 + 70, outputTokens: 340 + 0 + 25 + 120 + 30, cacheTokens: 0, requests: 5 });
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model]).sort(),
			[
				['cursor:b10', 'claude-4-sonnet'],
				['cursor:b2', 'claude-4-sonnet'],
				['cursor:b4', 'gpt-5'],
				['cursor:b6', ''],
				['cursor:b8', 'gpt-4.1'],
			],
		);
		assert.ok(result.events.every((event) => event.estimated));
		assert.equal(result.zeroTokenBubbles, 4);
		assert.equal(result.malformed, 1);
		assert.match(result.issues[0]?.reason ?? '', /bubbleId:c1:b7: invalid JSON/);
	});
});

describe('Cursor discovery', () => {
	it("finds the User folder on each platform", () => {
		assert.equal(cursorUserDir({ home: '/home/u', env: {}, platform: 'linux' }), '/home/u/.config/Cursor/User');
		assert.equal(cursorUserDir({ home: '/home/u', env: { XDG_CONFIG_HOME: '/cfg' }, platform: 'linux' }), '/cfg/Cursor/User');
		assert.equal(cursorUserDir({ home: '/Users/u', env: {}, platform: 'darwin' }), '/Users/u/Library/Application Support/Cursor/User');
		assert.equal(cursorUserDir({ home: '/c/u', env: { APPDATA: '/c/u/AppData/Roaming' }, platform: 'win32' }), path.join('/c/u/AppData/Roaming', 'Cursor', 'User'));
	});

	it('accepts a database file or any folder above it as an extra path', () => {
		const candidates = cursorDatabaseCandidates({ home: '/h', env: {}, platform: 'linux' }, ['/x/state.vscdb', '/y/User']);
		assert.deepEqual(candidates, [
			'/h/.config/Cursor/User/globalStorage/state.vscdb',
			'/x/state.vscdb',
			'/y/User/state.vscdb',
			'/y/User/globalStorage/state.vscdb',
			'/y/User/User/globalStorage/state.vscdb',
		]);
		const { environment, dbFile } = cursorHome();
		assert.deepEqual(cursorSources(environment, ['/nowhere'])[0]?.listFiles(), [dbFile]);
	});
});

describe('Cursor through the ledger', () => {
	it('counts each bubble once and picks up tokens written later to the log', () => {
		const { dbFile, ledgerDir, environment } = cursorHome();
		const ledger = new Ledger({ home: ledgerDir, sources: cursorSources(environment, []) });

		const first = ledger.refresh();
		assert.deepEqual([first.filesRead, first.malformedLines], [1, 1]);
		assert.deepEqual(totals(ledger.counted()), { inputTokens: 2420, outputTokens: 515, cacheTokens: 0, requests: 5 });

		assert.equal(ledger.refresh().filesRead, 0);

		// Cursor writes on: b3's counts arrive (it was 0/0), b11 is new; only the log changes.
		fs.copyFileSync(path.join(fixture, 'update', 'state.vscdb-wal'), `${dbFile}-wal`);
		const second = ledger.refresh();
		assert.deepEqual([second.filesRead, second.eventsStored], [1, 2]);
		assert.deepEqual(totals(ledger.counted()), { inputTokens: 2420 + 400 + 10, outputTokens: 515 + 100 + 5, cacheTokens: 0, requests: 7 });
		assert.ok(ledger.counted().every((event) => event.source === 'cursor' && event.estimated));
	});
});
