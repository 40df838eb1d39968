import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefreshQueue } from '../../src/extension/refreshQueue';

/** Refreshes that end when the test says so; each records what it was asked to look at. */
function refreshes(): { run: (changed: readonly string[] | undefined) => Promise<number>; asked: Array<readonly string[] | 'all'>; finish: (fail?: boolean) => void } {
	const asked: Array<readonly string[] | 'all'> = [];
	const pending: Array<{ resolve: (n: number) => void; reject: (e: Error) => void }> = [];
	return {
		run: (changed) => {
			asked.push(changed === undefined ? 'all' : [...changed].sort());
			return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
		},
		asked,
		finish: (fail = false) => {
			const next = pending.shift()!;
			if (fail) next.reject(new Error('refresh failed'));
			else next.resolve(asked.length);
		},
	};
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Refresh queue', () => {
	it('folds the requests made while one runs into one follow-up with the files they named', async () => {
		const r = refreshes();
		const queue = new RefreshQueue(r.run);
		const first = queue.request(['a']);
		const second = queue.request(['b']);
		const third = queue.request(['c', 'b']);
		assert.equal(second, third, 'one follow-up for both');
		assert.deepEqual(r.asked, [['a']]);
		r.finish();
		assert.equal(await first, 1);
		await tick();
		assert.deepEqual(r.asked, [['a'], ['b', 'c']]);
		r.finish();
		assert.equal(await second, 2);
	});

	it('looks at every file when any folded request named none, and goes on after a failure', async () => {
		const r = refreshes();
		const queue = new RefreshQueue(r.run);
		const first = queue.request(['a']);
		const followUp = queue.request(['b']);
		queue.request();
		queue.request(['d']);
		r.finish(true);
		await assert.rejects(first);
		await tick();
		assert.deepEqual(r.asked, [['a'], 'all']);
		r.finish();
		assert.equal(await followUp, 2);
		// Idle again: the next request runs at once, and `settled` waits for it.
		let settled = false;
		void queue.request(['e']).then(() => undefined);
		void queue.settled().then(() => (settled = true));
		await tick();
		assert.equal(settled, false);
		r.finish();
		await tick();
		await tick();
		assert.equal(settled, true);
		assert.deepEqual(r.asked, [['a'], 'all', ['e']]);
	});
});
