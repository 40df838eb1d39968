import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutKeys } from '../../src/sources/jsonSkim';

const skim = (value: unknown, keys: string[]): unknown => JSON.parse(withoutKeys(JSON.stringify(value), keys)!);

describe('withoutKeys', () => {
	it('removes a key at any level and position, keeping everything else equal to JSON.parse', () => {
		const record = {
			content: 'top',
			a: 1,
			message: { id: 'msg_1', content: [{ type: 'text', text: 'has "content": inside, and } ] { [' }, { type: 'tool_use', input: { content: 'x' } }], usage: { input_tokens: 3 } },
			last: { content: null },
		};
		assert.deepEqual(skim(record, ['content']), { a: 1, message: { id: 'msg_1', usage: { input_tokens: 3 } }, last: {} });
	});

	it('handles escapes: quotes and backslashes inside strings, unpaired surrogates', () => {
		const line = '{"message":{"content":[{"text":"a\\\\","t":"\\"content\\":\\"no\\"","u":"\\ud83d"}],"id":"m"},"x":"\\\\\\""}';
		assert.deepEqual(JSON.parse(withoutKeys(line, ['content'])!), { message: { id: 'm' }, x: '\\"' });
	});

	it('works with blanks around tokens (pretty-printed JSON) and with numbers and literals', () => {
		const text = JSON.stringify({ content: 12.5e3, b: { content: true }, c: [1, { content: false }], d: 'ok' }, null, 2);
		assert.deepEqual(JSON.parse(withoutKeys(text, ['content'])!), { b: {}, c: [1, {}], d: 'ok' });
	});

	it('gives up (undefined) on text cut short, so the caller parses it whole', () => {
		assert.equal(withoutKeys('{"a":1,"content":[{"text":"never closed', ['content']), undefined);
	});
});
