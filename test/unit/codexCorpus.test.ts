import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PriceBook } from '../../src/core/pricing/pricing';
import { dailyReport } from '../../src/core/report/reports';
import { ZonedCalendar } from '../../src/core/time/zonedDate';
import { Ledger } from '../../src/ledger/ledger';
import { codexSources } from '../../src/sources/codex/codexSource';
import { generateCodexCorpus } from '../support/codexCorpus';
import { tempDir } from './helpers';

describe('generated Codex corpus', () => {
	it('is counted exactly: cumulative totals differenced, re-emits ignored, cached input split out', () => {
		const root = tempDir();
		const codexHome = path.join(root, 'codex');
		const truth = generateCodexCorpus({ codexHome, sessions: 8, callsPerSession: 30, end: Date.parse('2026-11-28T12:00:00Z'), days: 10, seed: 3 });
		const ledger = new Ledger({ home: path.join(root, 'ledger'), sources: codexSources({ home: root, env: { CODEX_HOME: codexHome }, platform: 'linux' }, []) });
		ledger.refresh();
		const { totals } = dailyReport(ledger.counted(), { calendar: new ZonedCalendar('UTC'), prices: new PriceBook() });
		assert.equal(totals.requests, truth.requests);
		assert.equal(totals.inputTokens, truth.inputTokens);
		assert.equal(totals.cacheReadTokens, truth.cacheReadTokens);
		assert.equal(totals.outputTokens, truth.outputTokens);
		assert.equal(totals.reasoningTokens, truth.reasoningTokens);
		assert.equal(totals.unpricedRequests, 0);
	});
});
