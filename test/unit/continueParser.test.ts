import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import { continueGlobalDir, continueSources, continueTokenFiles } from '../../src/sources/continue/continueSource';
import { parseContinueLines } from '../../src/sources/continue/parseContinueLines';
import type { Environment } from '../../src/sources/logSource';
import { fixturesDir, tempDir } from './helpers';

const continueDir = path.join(fixturesDir, 'continue');
const tokensFile = path.join(continueDir, 'dev_data', '0.2.0', 'tokensGenerated.jsonl');

function totals(events: readonly CountedUsage[]) {
	return {
		requests: events.length,
		input: events.reduce((sum, event) => sum + event.inputTokens, 0),
		output: events.reduce((sum, event) => sum + event.outputTokens, 0),
		cache: events.reduce((sum, event) => sum + event.cacheReadTokens + event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0),
	};
}

describe('parseContinueLines', () => {
	const bytes = fs.readFileSync(tokensFile);
	const result = parseContinueLines(bytes, { file: tokensFile, offset: 0, line: 0 });

	it('reads every tokensGenerated row as an estimate, without cache', () => {
		// Four rows with tokens (one a copy of the first), one with zero tokens.
		assert.deepEqual(totals(result.events), { requests: 4, input: 6120 + 512 + 6120 + 2048, output: 388 + 24 + 388 + 512, cache: 0 });
		assert.ok(result.events.every((event) => event.estimated && event.source === 'continue' && event.reportedCostUSD === null));
		assert.deepEqual(
			result.events.map((event) => [event.model, new Date(event.timestamp).toISOString()]),
			[
				['claude-sonnet-4-5', '2026-05-02T09:40:12.311Z'],
				['qwen2.5-coder:1.5b', '2026-05-02T09:41:03.020Z'],
				['claude-sonnet-4-5', '2026-05-02T09:40:12.311Z'],
				['gpt-4.1', '2026-05-03T08:00:00.000Z'],
			],
		);
	});

	it('keys rows by timestamp, model and counts, so a repeated row is one request', () => {
		assert.deepEqual(
			result.events.map((event) => event.key),
			[
				'continue:2026-05-02T09:40:12.311Z:claude-sonnet-4-5:6120:388',
				'continue:2026-05-02T09:41:03.020Z:qwen2.5-coder:1.5b:512:24',
				'continue:2026-05-02T09:40:12.311Z:claude-sonnet-4-5:6120:388',
				'continue:2026-05-03T08:00:00.000Z:gpt-4.1:2048:512',
			],
		);
	});

	it('counts damaged and undated rows, and leaves a half-written last line', () => {
		assert.equal(result.malformed, 2);
		assert.deepEqual(result.issues, [
			{ line: 5, reason: 'truncated JSON' },
			{ line: 6, reason: 'row without a valid timestamp' },
		]);
		assert.equal(result.lines, 7);
		assert.ok(bytes.subarray(result.consumed).toString().endsWith('"promptTokens":300,"gen'));
	});
});

describe('Continue discovery', () => {
	it('uses CONTINUE_GLOBAL_DIR, else ~/.continue, and the 0.2.0 token log only', () => {
		assert.equal(continueGlobalDir({ home: '/home/dev', env: {}, platform: 'linux' }), path.join('/home/dev', '.continue'));
		assert.equal(continueGlobalDir({ home: '/home/dev', env: { CONTINUE_GLOBAL_DIR: '/opt/continue' }, platform: 'linux' }), '/opt/continue');
		const environment: Environment = { home: '/home/dev', env: {}, platform: 'linux' };
		assert.deepEqual(continueTokenFiles(environment, ['/a', '/b/dev_data', '/c/dev_data/0.2.0', '/d/tokens.jsonl']), [
			'/home/dev/.continue/dev_data/0.2.0/tokensGenerated.jsonl',
			'/a/dev_data/0.2.0/tokensGenerated.jsonl',
			'/b/dev_data/0.2.0/tokensGenerated.jsonl',
			'/c/dev_data/0.2.0/tokensGenerated.jsonl',
			'/d/tokens.jsonl',
		]);
		const [source] = continueSources(environment, ['/d/tokens.jsonl']);
		assert.deepEqual(source!.roots, ['/home/dev/.continue/dev_data/0.2.0']);
	});
});

describe('Continue source through the ledger', () => {
	it('counts each completion once across refreshes, appends and a rebuild', () => {
		const root = tempDir('continue-test-');
		const home = path.join(root, 'home');
		fs.cpSync(continueDir, path.join(home, '.continue'), { recursive: true });
		const file = path.join(home, '.continue', 'dev_data', '0.2.0', 'tokensGenerated.jsonl');
		const ledger = new Ledger({ home: path.join(root, 'ledger'), sources: continueSources({ home, env: {}, platform: 'linux' }, []) });

		const first = ledger.refresh();
		assert.equal(first.filesSeen, 1, 'the 0.1.0 log is not read');
		assert.equal(first.malformedLines, 2);
		assert.deepEqual(totals(ledger.counted()), { requests: 3, input: 8680, output: 924, cache: 0 });

		// The half-written row completes; a new completion and a copy of an old one are appended.
		fs.appendFileSync(file, 'eratedTokens":45}\n');
		fs.appendFileSync(
			file,
			`${JSON.stringify({ eventName: 'tokensGenerated', schema: '0.2.0', timestamp: '2026-05-03T09:00:00.000Z', model: 'gpt-4.1', provider: 'openai', promptTokens: 1000, generatedTokens: 100 })}\n` +
				`${JSON.stringify({ eventName: 'tokensGenerated', schema: '0.2.0', timestamp: '2026-05-02T09:41:03.020Z', model: 'qwen2.5-coder:1.5b', provider: 'ollama', promptTokens: 512, generatedTokens: 24 })}\n`,
		);
		const second = ledger.refresh();
		assert.equal(second.eventsStored, 2);
		assert.deepEqual(totals(ledger.counted()), { requests: 5, input: 8680 + 300 + 1000, output: 924 + 45 + 100, cache: 0 });
		assert.equal(ledger.refresh().bytesRead, 0);
		ledger.rebuild();
		assert.deepEqual(totals(ledger.counted()), { requests: 5, input: 9980, output: 1069, cache: 0 });
	});
});
