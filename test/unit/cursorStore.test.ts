import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CursorState } from '../../src/ledger/cursorState';
import { CursorStore } from '../../src/ledger/cursorState';
import { tempDir } from './helpers';

const state = (offset: number): CursorState => ({
	version: 1,
	files: { '/f.jsonl': { source: 'claude-code', identity: '1:2', signature: 's', offset, lines: 1, size: offset, mtimeMs: 0, headLength: 0, headHash: '', malformed: 0, issues: [] } },
});

describe('Cursor store', () => {
	it('keeps the state in memory while nobody else writes, and reads what another process wrote', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const mine = new CursorStore(file);
		assert.deepEqual(mine.load(), { version: 1, files: {} });
		mine.save(state(10));
		const loaded = mine.load();
		assert.equal(loaded.files['/f.jsonl']?.offset, 10);
		assert.equal(mine.load(), loaded, 'not parsed again while unchanged');

		// Another process replaces the file (as it does: a sibling renamed over it).
		const other = new CursorStore(file);
		assert.equal(other.load().files['/f.jsonl']?.offset, 10);
		other.save(state(20));
		assert.equal(mine.load().files['/f.jsonl']?.offset, 20);

		// Damaged or deleted: an empty state, as before.
		fs.writeFileSync(file, '{"version":1,"files":');
		assert.deepEqual(mine.load(), { version: 1, files: {} });
		fs.rmSync(file);
		assert.deepEqual(mine.load(), { version: 1, files: {} });
	});

	it('reads the file again after being told to forget what it holds', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const store = new CursorStore(file);
		store.save(state(5));
		const held = store.load();
		held.files['/f.jsonl']!.offset = 999; // changed in memory by a refresh that then failed
		store.forget();
		assert.equal(store.load().files['/f.jsonl']?.offset, 5);
	});

	it('writes the text JSON.stringify would, however many files, written a part at a time', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const many: CursorState = { version: 1, files: {} };
		// Some 600 KB of JSON (several parts), with names and issues that need escaping.
		for (let i = 0; i < 3000; i++) {
			const name = `/home/dév/"quoted"\\project ${i}/session-${i}.jsonl`;
			many.files[name] = { ...state(i).files['/f.jsonl']!, issues: i % 7 === 0 ? [{ line: i, reason: 'bad "line"\n' }] : [], state: { total: i / 3 } };
		}
		new CursorStore(file).save(many);
		assert.equal(fs.readFileSync(file, 'utf8'), JSON.stringify(many));
		assert.deepEqual(new CursorStore(file).load(), many);
		new CursorStore(file).save({ version: 1, files: {} });
		assert.equal(fs.readFileSync(file, 'utf8'), '{"version":1,"files":{}}');
	});
});
