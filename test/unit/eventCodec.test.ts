import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventDecoder, EventEncoder } from '../../src/ledger/eventCodec';
import { usageEvent } from './helpers';

describe('Ledger line format', () => {
	it('reads back every event as written: awkward strings, large and fractional numbers, absent costs', () => {
		const events = [
			usageEvent(),
			usageEvent({ key: 'a"b\\c\u0001ñ😀\n', messageId: '\ud800x', reportedCostUSD: 0.1 + 0.2, reportedCredits: 12.5, cacheReadTokens: 2 ** 53, timestamp: Date.parse('2026-05-02T10:00:00.123Z') }),
			usageEvent({ key: 'k3', file: '/x "quoted".jsonl', model: 'm', sessionId: 's', project: '', branch: '', sidechain: true, hasSpeed: true, estimated: true, modelInferred: true, source: 'codex' }),
		];
		const text = new EventEncoder().encode(events);
		const lines = text.split('\n');
		assert.equal(lines.pop(), '');
		// Each line is the JSON of one array, strings defined before their first use.
		for (const line of lines) assert.ok(Array.isArray(JSON.parse(line)));
		const decoder = new EventDecoder();
		assert.deepEqual(lines.map((line) => decoder.decodeLine(line)).filter((event) => event !== null), events);
		assert.equal(decoder.damaged, 0);
	});
});
