import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint128 } from '../../src/core/usage/fingerprint';

function hex(text: string, seed: number): string {
	const bytes = Buffer.from(text, 'utf8');
	const out = new Uint32Array(4);
	fingerprint128(bytes, 0, bytes.length, out, 0, seed);
	return Buffer.from(out.buffer).toString('hex');
}

describe('fingerprint128', () => {
	it('is MurmurHash3 x86 128-bit: published vectors', () => {
		// Vectors for seed 2538058380 as other implementations publish them (digest bytes, little-endian words).
		assert.equal(hex('', 2538058380), 'a1d5bef71c6a575b1c6a575b1c6a575b');
		assert.equal(hex('The quick brown fox jumps over the lazy dog', 2538058380), '5ed5d48a7161b84c9c3aa78e3e79b6cd');
	});

	it('reads only its range, and every tail length the same way', () => {
		const text = 'claude-code:msg_01ABCDEFGHIJKLMNOPQRSTUV:req_01ABCDEFGHIJKLMNOPQRSTUV';
		const padded = Buffer.from(`xx${text}yy`, 'utf8');
		const inRange = new Uint32Array(8);
		fingerprint128(padded, 2, 2 + text.length, inRange, 4);
		assert.equal(Buffer.from(inRange.buffer, 16).toString('hex'), hex(text, 0));
		// Each length from 0 to 40 (every tail size, across block edges) gives its own fingerprint.
		const seen = new Set<string>();
		for (let length = 0; length <= 40; length++) seen.add(hex(text.slice(0, length), 0));
		assert.equal(seen.size, 41);
	});
});
