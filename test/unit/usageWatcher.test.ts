import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/extension/logger';
import { UsageWatcher } from '../../src/extension/usageWatcher';
import { tempDir } from './helpers';

const quietLogger = { debug: () => undefined, warn: () => undefined } as unknown as Logger;

/** Calls the watcher makes, collected; `next` waits for the next one. */
function recorder(): {
	onChange: (changed: readonly string[] | undefined) => void;
	next: (timeoutMs: number) => Promise<readonly string[] | undefined>;
	quiet: (forMs: number) => Promise<void>;
} {
	const calls: Array<readonly string[] | undefined> = [];
	let wake: (() => void) | undefined;
	return {
		onChange: (changed) => {
			calls.push(changed);
			wake?.();
		},
		next: async (timeoutMs) => {
			const deadline = Date.now() + timeoutMs;
			while (calls.length === 0) {
				if (Date.now() > deadline) throw new Error('no change reported');
				await new Promise<void>((resolve) => {
					wake = resolve;
					setTimeout(resolve, 50);
				});
			}
			return calls.shift();
		},
		quiet: async (forMs) => {
			do {
				calls.length = 0;
				await new Promise((resolve) => setTimeout(resolve, forMs));
			} while (calls.length > 0);
		},
	};
}

describe('Usage watcher', () => {
	it('names the files that changed, debounced into one call, and asks for a full look when it polls', async () => {
		const root = tempDir();
		const project = path.join(root, 'projects', 'p');
		fs.mkdirSync(project, { recursive: true });
		const first = path.join(project, 'a.jsonl');
		const second = path.join(project, 'b.jsonl');
		fs.writeFileSync(first, '');
		fs.writeFileSync(second, '');
		const calls = recorder();
		// A look at every file due at every tick (1 s): the test below waits for the timer's first.
		const watcher = new UsageWatcher(calls.onChange, quietLogger, 100, 1);
		try {
			watcher.watch([root], 3600);
			// The watch is set up, then asks for a look at every file (files may have come before it).
			assert.equal(await calls.next(3_000), undefined);
			fs.appendFileSync(first, 'x\n');
			fs.appendFileSync(second, 'y\n');
			fs.appendFileSync(first, 'z\n');
			const named = await calls.next(3_000);
			assert.deepEqual([...(named ?? ['(all)'])].sort(), [first, second]);

			// The poll asks for a look at every file.
			watcher.watch([root], 1);
			assert.equal(await calls.next(3_000), undefined);
		} finally {
			watcher.dispose();
		}
	});

	it('asks for a look at every file once a minute while every folder is watched, and at once for a folder that appears', async () => {
		const root = tempDir();
		const later = path.join(tempDir(), 'later');
		const calls: Array<readonly string[] | undefined> = [];
		const watcher = new UsageWatcher((changed) => calls.push(changed), quietLogger, 100, 60);
		try {
			// Polling every 5 s: the ticks between full looks ask for nothing (the watcher reports changes).
			watcher.watch([root, later], 5);
			for (let tick = 1; tick < 12; tick++) watcher.tick();
			assert.deepEqual(calls, []);
			watcher.tick();
			assert.deepEqual(calls, [undefined]);
			// A folder that did not exist is watched once it does, and looked at in full at once: files
			// may have come before its watcher.
			fs.mkdirSync(later);
			watcher.tick();
			assert.deepEqual(calls, [undefined, undefined]);
			watcher.tick();
			assert.equal(calls.length, 2);
		} finally {
			watcher.dispose();
		}
	});

	it('watches a folder again after it was deleted and made anew', async () => {
		const root = path.join(tempDir(), 'projects');
		fs.mkdirSync(root);
		const calls = recorder();
		const watcher = new UsageWatcher(calls.onChange, quietLogger, 50, 3600);
		try {
			watcher.watch([root], 3600);
			assert.equal(await calls.next(3_000), undefined); // watched
			fs.rmSync(root, { recursive: true });
			watcher.tick(); // gone: no longer watched
			fs.mkdirSync(root);
			watcher.tick(); // back: watched afresh, and looked at in full
			// Whatever the deletion reported, and the look in full once the new folder is watched; until
			// quiet (a change in the same moment would be part of that look, not named).
			assert.equal(await calls.next(3_000), undefined);
			await calls.quiet(300);
			const file = path.join(root, 'new.jsonl');
			fs.writeFileSync(file, 'x\n');
			let named = await calls.next(3_000);
			while (named === undefined || !named.includes(file)) named = await calls.next(3_000);
			assert.deepEqual(named, [file]);
		} finally {
			watcher.dispose();
		}
	});
});
