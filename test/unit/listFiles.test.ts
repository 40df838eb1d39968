import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { listFilesRecursive } from '../../src/sources/listFiles';
import { tempDir } from './helpers';

describe('listFilesRecursive', () => {
	it('lists matching files at every depth, as path.join spells them, however the root is written', () => {
		const root = tempDir();
		const files = ['a.jsonl', 'p1/b.jsonl', 'p1/deep/er/c.jsonl', 'p2/d.jsonl'].map((name) => path.join(root, name));
		for (const file of files) {
			fs.mkdirSync(path.dirname(file), { recursive: true });
			fs.writeFileSync(file, '');
		}
		fs.writeFileSync(path.join(root, 'p1', 'notes.txt'), '');
		fs.symlinkSync(path.join(root, 'p1', 'b.jsonl'), path.join(root, 'p2', 'linked.jsonl'));
		fs.symlinkSync(path.join(root, 'p1'), path.join(root, 'p2', 'loop')); // a folder link is not followed
		const expected = [...files, path.join(root, 'p2', 'linked.jsonl')].sort();
		assert.deepEqual(listFilesRecursive(root, '.jsonl'), expected);
		assert.deepEqual(listFilesRecursive(`${root}${path.sep}`, '.jsonl'), expected);
		assert.deepEqual(listFilesRecursive(path.join(root, 'p1') + `${path.sep}..${path.sep}.${path.sep}`, '.jsonl'), expected);
		assert.deepEqual(listFilesRecursive(path.join(root, 'missing'), '.jsonl'), []);
	});
});
