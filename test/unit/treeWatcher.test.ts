import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { TreeWatch } from '../../src/extension/treeWatcher';
import { watchTree } from '../../src/extension/treeWatcher';
import { tempDir } from './helpers';

/** Events a tree watch reported, and a wait for one that satisfies a test. */
function events(): { changed: (file: string | undefined) => void; failed: (error: unknown) => void; seen: Array<string | undefined>; until: (test: (seen: ReadonlyArray<string | undefined>) => boolean) => Promise<void> } {
	const seen: Array<string | undefined> = [];
	return {
		seen,
		changed: (file) => seen.push(file),
		failed: (error) => seen.push(`failed: ${String(error)}`),
		until: async (test) => {
			const deadline = Date.now() + 5_000;
			while (!test(seen)) {
				if (Date.now() > deadline) throw new Error(`not seen; seen: ${JSON.stringify(seen)}`);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		},
	};
}

/** The inotify watches this process holds (Linux). */
function inotifyWatches(): number {
	let watches = 0;
	for (const fd of fs.readdirSync('/proc/self/fd')) {
		try {
			watches += (fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify /gm) ?? []).length;
		} catch {
			// closed meanwhile
		}
	}
	return watches;
}

describe('Tree watcher', { skip: process.platform !== 'linux' && 'folder by folder only on Linux' }, () => {
	it('reports changes in folders at any depth, with one watch per folder, not per file', async () => {
		const root = tempDir();
		const folders = ['projects/a', 'projects/b', 'sessions/2026/11/28'].map((folder) => path.join(root, folder));
		for (const folder of folders) {
			fs.mkdirSync(folder, { recursive: true });
			for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(folder, `${i}.jsonl`), '');
		}
		const before = inotifyWatches();
		const seen = events();
		const watch = watchTree(root, seen);
		try {
			await seen.until((all) => all.includes(undefined)); // every folder watched
			// root, projects, projects/a, projects/b, sessions, 2026, 11, 28: 8 folders, 120 files.
			assert.equal(inotifyWatches() - before, 8);
			assert.equal(watch.complete, true);
			const deep = path.join(folders[2]!, '7.jsonl');
			const shallow = path.join(folders[0]!, '3.jsonl');
			fs.appendFileSync(deep, 'x\n');
			fs.appendFileSync(shallow, 'y\n');
			await seen.until((all) => all.includes(deep) && all.includes(shallow));
		} finally {
			watch.close();
		}
		assert.equal(inotifyWatches(), before, 'closed: no watch left');
	});

	it('watches a folder that appears, and one deleted and made again', async () => {
		const root = tempDir();
		const seen = events();
		const watch: TreeWatch = watchTree(root, seen);
		try {
			await seen.until((all) => all.includes(undefined));
			// A new project folder, with a file written into it before its watch could exist.
			const project = path.join(root, 'projects', 'new');
			fs.mkdirSync(project, { recursive: true });
			fs.writeFileSync(path.join(project, 'early.jsonl'), 'x\n');
			await seen.until((all) => all.filter((file) => file === undefined).length >= 2); // a look at everything
			const later = path.join(project, 'later.jsonl');
			fs.writeFileSync(later, 'y\n');
			await seen.until((all) => all.includes(later));

			// Deleted, then made again under the same name: watched afresh (a look at everything says when).
			fs.rmSync(project, { recursive: true });
			await seen.until((all) => all.includes(project));
			const looks = (all: ReadonlyArray<string | undefined>): number => all.filter((file) => file === undefined).length;
			const looksBefore = looks(seen.seen);
			fs.mkdirSync(project);
			await seen.until((all) => looks(all) > looksBefore);
			const again = path.join(project, 'again.jsonl');
			fs.writeFileSync(again, 'z\n');
			await seen.until((all) => all.includes(again));
			assert.equal(watch.complete, true);
		} finally {
			watch.close();
		}
	});

	it('throws, as fs.watch does, for a folder that does not exist', () => {
		assert.throws(() => watchTree(path.join(tempDir(), 'missing'), events()), /ENOENT/);
	});
});
