import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NeedleCursor } from '../../src/sources/lineParse';
import { parseContinueLines } from '../../src/sources/continue/parseContinueLines';

describe('NeedleCursor', () => {
	it('answers per line in one forward pass', () => {
		const bytes = Buffer.from('aaa\nbXb\nccc\nXdd\n');
		const cursor = new NeedleCursor(bytes, Buffer.from('X'));
		assert.deepEqual([cursor.inLine(0, 3), cursor.inLine(4, 7), cursor.inLine(8, 11), cursor.inLine(12, 15)], [false, true, false, true]);
	});

	it('keeps a chunk whose needle is rare linear (a quarter of a million plain lines)', () => {
		// Searching from each line's start would scan ~4 MB for each of 250k lines; this walks it once.
		const plain = '{"eventName":"chat","x":1}\n'.repeat(250_000);
		const result = parseContinueLines(Buffer.from(plain), { file: '/f.jsonl', offset: 0, line: 0 });
		assert.equal(result.lines, 250_000);
		assert.equal(result.events.length, 0);
		assert.equal(result.malformed, 0);
	});
});
