import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { claudeCodeSource } from '../../src/sources/claudeCode/claudeCodeSource';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { tempDir } from './helpers';

describe('generated Claude corpus', () => {
	it('is counted exactly: streamed fragments and resumed copies once, damaged lines skipped', () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		const truth = generateClaudeCorpus({ configDir, sessions: 12, responsesPerSession: 40, end: Date.parse('2026-11-28T12:00:00Z'), days: 14, resumedShare: 0.5, truncateEvery: 50 });
		assert.ok(truth.malformedLines > 0);
		const ledger = new Ledger({
			home: path.join(root, 'ledger'),
			sources: [claudeCodeSource({ home: root, env: { CLAUDE_CONFIG_DIR: configDir }, platform: 'linux' })],
		});
		const stats = ledger.refresh();
		assert.equal(stats.filesRead, truth.files.length);
		assert.equal(stats.malformedLines, truth.malformedLines);
		const { totals } = dailyReport(ledger.counted(), { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() });
		assert.equal(totals.requests, truth.requests);
		assert.equal(totals.inputTokens, truth.inputTokens);
		assert.equal(totals.outputTokens, truth.outputTokens);
		assert.equal(totals.cacheCreationTokens, truth.cacheCreationTokens);
		assert.equal(totals.cacheReadTokens, truth.cacheReadTokens);
		assert.equal(totals.unpricedRequests, 0);
	});
});
