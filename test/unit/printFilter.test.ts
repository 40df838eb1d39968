import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprint128 } from '../../src/core/usage/fingerprint';
import { PrintFilter } from '../../src/core/usage/printFilter';

function prints(prefix: string, count: number): Uint32Array {
	const out = new Uint32Array(count * 4);
	const encoder = new TextEncoder();
	for (let i = 0; i < count; i++) {
		const bytes = encoder.encode(`${prefix}${i}`);
		fingerprint128(bytes, 0, bytes.length, out, i * 4);
	}
	return out;
}

describe('PrintFilter', () => {
	it('holds every member, and answers "maybe" for about 1 % of the rest', () => {
		const members = prints('claude-code:msg_', 20_000);
		const filter = new PrintFilter(20_000);
		for (let i = 0; i < 20_000; i++) filter.add(members, i * 4);
		for (let i = 0; i < 20_000; i++) assert.ok(filter.mayHold(members, i * 4), `member ${i}`);
		const others = prints('codex:other_', 20_000);
		let maybe = 0;
		for (let i = 0; i < 20_000; i++) if (filter.mayHold(others, i * 4)) maybe++;
		assert.ok(maybe > 20 && maybe < 500, `${maybe} of 20,000 absent fingerprints answered "maybe"`);
		// 2^18 bits: the power of two at or above 10 bits a member.
		assert.equal(filter.byteLength, 2 ** 18 / 8);
	});

	it('works with no members at all', () => {
		const filter = new PrintFilter(0);
		assert.equal(filter.mayHold(prints('x', 1), 0), false);
	});
});
