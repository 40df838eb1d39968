import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeJson } from '../../src/cli/jsonOut';

function written(value: unknown): { text: string; parts: number } {
	const parts: string[] = [];
	writeJson(value, (text) => parts.push(text));
	return { text: parts.join(''), parts: parts.length };
}

describe('writeJson', () => {
	it('writes exactly what JSON.stringify(value, null, 2) does, and a newline', () => {
		const values: unknown[] = [
			{},
			[],
			null,
			0,
			-1.5e-7,
			Number.NaN,
			'text with "quotes", \\ backslashes, \n new lines, é and 🙂',
			true,
			{ a: 1, b: [1, 2, { c: [] }], d: {}, e: null, f: undefined, g: () => 1, h: [undefined, () => 1, Symbol('s')], i: new Date(Date.UTC(2026, 10, 29)) },
			[[[]], [{}], [[1, [2, [3]]]]],
			{ 'key with "quotes"': { nested: { deeper: ['x', { y: 'z' }] } } },
		];
		for (const value of values) assert.equal(written(value).text, `${JSON.stringify(value, null, 2)}\n`, JSON.stringify(value));
	});

	it('hands a long report on a part at a time', () => {
		const report = { sessions: Array.from({ length: 5000 }, (_, i) => ({ sessionId: `s-${i}`, costUSD: i / 7, byModel: { 'claude-sonnet-4-5': { requests: i } } })), totals: { requests: 5000 } };
		const { text, parts } = written(report);
		assert.equal(text, `${JSON.stringify(report, null, 2)}\n`);
		assert.ok(parts > 10, `${parts} parts`);
	});
});
