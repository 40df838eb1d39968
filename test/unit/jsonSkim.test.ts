import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textWithoutKey } from '../../src/sources/jsonSkim';

/** Skims a JSON text placed inside a larger buffer, so that range bounds are exercised too. */
function skim(text: string, key = 'content'): string | undefined {
	const body = Buffer.from(text);
	const bytes = Buffer.concat([Buffer.from('garbage"content":[\n'), body, Buffer.from('\n"content":1}')]);
	return textWithoutKey(bytes, 19, 19 + body.length, key);
}

describe('textWithoutKey', () => {
	it('removes the key at any level and position, keeping everything else equal to JSON.parse', () => {
		const record = {
			content: 'top',
			a: 1,
			message: { id: 'msg_1', content: [{ type: 'text', text: 'has "content": inside, and } ] { [' }, { type: 'tool_use', input: { content: 'x' } }], usage: { input_tokens: 3 } },
			last: { content: null },
		};
		assert.deepEqual(JSON.parse(skim(JSON.stringify(record))!), { a: 1, message: { id: 'msg_1', usage: { input_tokens: 3 } }, last: {} });
	});

	it('handles escapes, unpaired surrogates and multi-byte characters', () => {
		const line = '{"message":{"content":[{"text":"a\\\\","t":"\\"content\\":\\"no\\"","u":"\\ud83d","v":"naïve → 日本"}],"id":"m","w":"é"},"x":"\\\\\\""}';
		assert.deepEqual(JSON.parse(skim(line)!), { message: { id: 'm', w: 'é' }, x: '\\"' });
	});

	it('works with blanks around tokens (pretty-printed JSON) and with numbers and literals', () => {
		const text = JSON.stringify({ content: 12.5e3, b: { content: true }, c: [1, { content: false }], d: 'ok' }, null, 2);
		assert.deepEqual(JSON.parse(skim(text)!), { b: {}, c: [1, {}], d: 'ok' });
	});

	it('returns the text as it is when the key is absent', () => {
		assert.equal(skim('{"a":"日本","b":[1,2]}'), '{"a":"日本","b":[1,2]}');
	});

	it('gives up (undefined) on text cut short, so the caller parses it whole', () => {
		assert.equal(skim('{"a":1,"content":[{"text":"never closed'), undefined);
	});
});
