import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import type { Totals } from '../../src/core/report/totals';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { clineSources, kiloCodeSources, rooCodeSources } from '../../src/sources/clineFamily/clineFamilySource';
import type { Environment } from '../../src/sources/logSource';
import { fixturesDir, tempDir } from './helpers';

const family = path.join(fixturesDir, 'cline-family');
const options = { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() };
const clineTaskId = '1777713600000';

interface Bucket {
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	requests: number;
}

/** The fixtures' exact totals per source (worked out in clineFamily.test.ts). */
const expected: Record<'cline' | 'roo-code' | 'kilo-code', Bucket> = {
	// classic tasks (2478, 797, 16430, 20420, 6) + SDK sessions (1978, 457, 15430, 14820, 3)
	// + a classic task resumed on Cline 4.x: its own requests (325, 35, 0, 0, 2) and the new SDK call (40, 4, 0, 300, 1)
	cline: { inputTokens: 4821, outputTokens: 1293, cacheCreationTokens: 31860, cacheReadTokens: 35540, requests: 12 },
	// current task (1378, 457, 15430, 16820, 4) + pre-3.29.5 task (10240, 455, 14820, 2000, 3)
	'roo-code': { inputTokens: 11618, outputTokens: 912, cacheCreationTokens: 30250, cacheReadTokens: 18820, requests: 7 },
	'kilo-code': { inputTokens: 1500, outputTokens: 180, cacheCreationTokens: 100, cacheReadTokens: 4000, requests: 2 },
};

function machine() {
	const root = tempDir();
	const home = path.join(root, 'home');
	const clineStorage = path.join(home, '.config', 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev');
	const rooStorage = path.join(home, '.config', 'Cursor', 'User', 'globalStorage', 'rooveterinaryinc.roo-cline');
	const kiloStorage = path.join(home, '.vscode-server', 'data', 'User', 'globalStorage', 'kilocode.kilo-code');
	fs.cpSync(path.join(family, 'cline'), clineStorage, { recursive: true });
	fs.cpSync(path.join(family, 'roo'), rooStorage, { recursive: true });
	fs.cpSync(path.join(family, 'kilo'), kiloStorage, { recursive: true });
	fs.cpSync(path.join(family, 'cline-data'), path.join(home, '.cline', 'data'), { recursive: true });
	const environment: Environment = { home, env: {}, platform: 'linux' };
	return { root, home, environment, clineStorage, rooStorage, ledgerDir: path.join(root, 'ledger') };
}

function open(environment: Environment, ledgerDir: string, extraGlobalStorage: readonly string[] = []): Ledger {
	return new Ledger({
		home: ledgerDir,
		sources: [
			...clineSources(environment, [], extraGlobalStorage),
			...rooCodeSources(environment, [], extraGlobalStorage),
			...kiloCodeSources(environment, [], extraGlobalStorage),
		],
	});
}

function bucket(totals: Totals | undefined): Bucket {
	assert.ok(totals);
	const { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, requests } = totals;
	return { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, requests };
}

function bySource(ledger: Ledger) {
	return dailyReport(ledger.counted(), options).totals.bySource;
}

function plus(base: Bucket, add: Partial<Bucket>): Bucket {
	return {
		inputTokens: base.inputTokens + (add.inputTokens ?? 0),
		outputTokens: base.outputTokens + (add.outputTokens ?? 0),
		cacheCreationTokens: base.cacheCreationTokens + (add.cacheCreationTokens ?? 0),
		cacheReadTokens: base.cacheReadTokens + (add.cacheReadTokens ?? 0),
		requests: base.requests + (add.requests ?? 0),
	};
}

type Message = Record<string, unknown>;
const readMessages = (file: string): Message[] => JSON.parse(fs.readFileSync(file, 'utf8')) as Message[];
/** Rewritten in place, as Cline and Roo do. */
const writeMessages = (file: string, messages: Message[]): void => fs.writeFileSync(file, JSON.stringify(messages));
const info = (message: Message | undefined): Record<string, unknown> => JSON.parse(String(message?.['text'])) as Record<string, unknown>;

describe('Cline family through the ledger', () => {
	it('counts every editor, the CLI data folder and the SDK sessions exactly, and reads nothing on an idle refresh', () => {
		const { environment, ledgerDir } = machine();
		const ledger = open(environment, ledgerDir);
		const stats = ledger.refresh();
		assert.equal(stats.malformedLines, 2);
		const totals = bySource(ledger);
		assert.deepEqual(bucket(totals['cline']), expected.cline);
		assert.deepEqual(bucket(totals['roo-code']), expected['roo-code']);
		assert.deepEqual(bucket(totals['kilo-code']), expected['kilo-code']);
		assert.deepEqual(
			ledger.diagnostics().map((diagnostic) => [path.basename(path.dirname(diagnostic.file)), diagnostic.malformed]).sort(),
			[['1777713600000', 1], ['1777800000000', 1]],
		);
		// Aggregates, condensing and model-less requests carry no model but the tool's own cost: that is the price.
		assert.equal(totals['cline']!.unpricedRequests, 0);
		assert.equal(totals['roo-code']!.unpricedRequests, 0);

		const idle = ledger.refresh();
		assert.equal(idle.bytesRead, 0);
		assert.equal(idle.eventsStored, 0);
	});

	it('picks up a request filled in by a later rewrite, once, and keeps the larger copy when a rewrite lowers it', () => {
		const { environment, ledgerDir, clineStorage, rooStorage } = machine();
		const ledger = open(environment, ledgerDir);
		ledger.refresh();

		// Cline fills the placeholder of its third request in place.
		const clineFile = path.join(clineStorage, 'tasks', clineTaskId, 'ui_messages.json');
		const messages = readMessages(clineFile);
		const placeholder = messages.find((message) => message['ts'] === 1777713620000)!;
		placeholder['text'] = JSON.stringify({ ...info(placeholder), tokensIn: 55, tokensOut: 120, cacheWrites: 300, cacheReads: 15430, cost: 0.0072 });
		writeMessages(clineFile, messages);
		const filled = ledger.refresh();
		assert.equal(filled.filesRead, 1);
		assert.equal(filled.eventsStored, 1);
		const afterFill = plus(expected.cline, { inputTokens: 55, outputTokens: 120, cacheCreationTokens: 300, cacheReadTokens: 15430, requests: 1 });
		assert.deepEqual(bucket(bySource(ledger)['cline']), afterFill);

		// Roo writes a placeholder (nothing to count yet), then fills it while streaming, then again.
		const rooFile = path.join(rooStorage, 'tasks', '0f9c3a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b', 'ui_messages.json');
		const rooMessages = readMessages(rooFile);
		const started: Message = { ts: 1777713750000, type: 'say', say: 'api_req_started', text: JSON.stringify({ apiProtocol: 'anthropic' }) };
		writeMessages(rooFile, [...rooMessages, started]);
		assert.equal(ledger.refresh().eventsStored, 0);
		started['text'] = JSON.stringify({ apiProtocol: 'anthropic', tokensIn: 1300, tokensOut: 10, cacheWrites: 0, cacheReads: 1200, cost: 0.001 });
		writeMessages(rooFile, [...rooMessages, started]);
		ledger.refresh();
		started['text'] = JSON.stringify({ apiProtocol: 'anthropic', tokensIn: 1500, tokensOut: 40, cacheWrites: 0, cacheReads: 1200, cost: 0.002 });
		writeMessages(rooFile, [...rooMessages, started]);
		ledger.refresh();
		const rooAfter = plus(expected['roo-code'], { inputTokens: 300, outputTokens: 40, cacheReadTokens: 1200, requests: 1 });
		assert.deepEqual(bucket(bySource(ledger)['roo-code']), rooAfter);

		// A rewrite that lowers a request's numbers: the ledger keeps the copy with the larger total.
		const first = messages.find((message) => message['ts'] === 1777713600450)!;
		first['text'] = JSON.stringify({ ...info(first), tokensOut: 300 });
		writeMessages(clineFile, messages);
		assert.equal(ledger.refresh().eventsStored, 0);
		assert.deepEqual(bucket(bySource(ledger)['cline']), afterFill);
		assert.deepEqual(bucket(bySource(ledger)['roo-code']), rooAfter);
	});

	it('counts a task found in two editors once, and finds tasks in the globalStorage the editor passes in', () => {
		const { root, environment, ledgerDir, clineStorage } = machine();
		// The same task copied to Windsurf's storage (a synced or migrated profile).
		const windsurf = path.join(environment.home, '.config', 'Windsurf', 'User', 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', clineTaskId);
		fs.cpSync(path.join(clineStorage, 'tasks', clineTaskId), windsurf, { recursive: true });
		// A portable editor's storage that no default location covers.
		const portable = path.join(root, 'portable', 'data', 'User', 'globalStorage');
		const extraTask = path.join(portable, 'kilocode.kilo-code', 'tasks', 'k-extra');
		fs.mkdirSync(extraTask, { recursive: true });
		fs.writeFileSync(
			path.join(extraTask, 'ui_messages.json'),
			JSON.stringify([{ ts: 1777713900000, type: 'say', say: 'api_req_started', text: JSON.stringify({ apiProtocol: 'openai', tokensIn: 90, tokensOut: 9, cacheReads: 30 }) }]),
		);
		const ledger = open(environment, ledgerDir, [portable]);
		ledger.refresh();
		const totals = bySource(ledger);
		assert.deepEqual(bucket(totals['cline']), expected.cline);
		assert.deepEqual(bucket(totals['kilo-code']), plus(expected['kilo-code'], { inputTokens: 60, outputTokens: 9, cacheReadTokens: 30, requests: 1 }));
	});

	it('keeps the requests a checkpoint restore removed, and counts the deleted_api_reqs aggregate written for them on top', () => {
		const { environment, ledgerDir, clineStorage } = machine();
		const ledger = open(environment, ledgerDir);
		ledger.refresh();

		// Restoring to the first request's tool call deletes everything after it and appends one
		// aggregate of what was deleted (Cline's getApiMetrics over the removed messages).
		const clineFile = path.join(clineStorage, 'tasks', clineTaskId, 'ui_messages.json');
		const messages = readMessages(clineFile);
		const restorePoint = messages.findIndex((message) => message['ts'] === 1777713604120);
		const aggregate = { tokensIn: 38 + 500 + 100, tokensOut: 92 + 200 + 50, cacheWrites: 610 + 1000 + 0, cacheReads: 14820 + 3000 + 2000, cost: 0.0091 + 0.02 + 0.005 };
		writeMessages(clineFile, [
			...messages.slice(0, restorePoint + 1),
			{ ts: 1777713700000, type: 'say', say: 'deleted_api_reqs', text: JSON.stringify(aggregate) },
		]);
		ledger.refresh();
		// The ledger never forgets a stored request, so the restored-away requests stay counted and
		// the aggregate adds to them: spend counted twice until the ledger can net an aggregate
		// against the requests it covers (see the report).
		const doubled = plus(expected.cline, { inputTokens: 638, outputTokens: 342, cacheCreationTokens: 1610, cacheReadTokens: 19820, requests: 1 });
		assert.deepEqual(bucket(bySource(ledger)['cline']), doubled);

		// A rebuild reads the file as it is now and drops what it no longer holds: the aggregate stands
		// in for the three events it sums, same tokens, two fewer requests. Refresh and rebuild differ.
		ledger.rebuild();
		assert.deepEqual(bucket(bySource(ledger)['cline']), { ...expected.cline, requests: expected.cline.requests - 2 });
	});
});
