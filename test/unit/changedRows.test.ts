import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangedRows } from '../../src/ledger/changedRows';

describe('ChangedRows', () => {
	it('gives each marked row once, in the order first marked, then starts empty', () => {
		const changed = new ChangedRows();
		for (const row of [5, 3, 5, 0, 3, 5000, 7]) changed.add(row);
		assert.equal(changed.size, 5);
		assert.deepEqual([...changed.take()], [5, 3, 0, 5000, 7]);
		assert.equal(changed.size, 0);
		// Forgotten after `take`: marking them again lists them again.
		for (const row of [3, 5000, 3]) changed.add(row);
		assert.deepEqual([...changed.take()], [3, 5000]);
	});

	it('holds more rows than it started with room for', () => {
		const changed = new ChangedRows();
		for (let row = 2999; row >= 0; row--) changed.add(row);
		for (let row = 0; row < 3000; row++) changed.add(row);
		const rows = changed.take();
		assert.equal(rows.length, 3000);
		assert.equal(rows[0], 2999);
		assert.equal(rows[2999], 0);
	});
});
