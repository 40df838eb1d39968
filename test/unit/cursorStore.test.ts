import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CursorStore } from '../../src/ledger/cursorState';
import type { FileCursor } from '../../src/ledger/cursorTable';
import { CursorTable, newCursor } from '../../src/ledger/cursorTable';
import { tempDir } from './helpers';

const cursorAt = (offset: number, more: Partial<FileCursor> = {}): FileCursor => ({
	...newCursor('claude-code', { dev: 1, ino: 2, size: offset, mtimeMs: 1.5 }),
	offset,
	lines: 1,
	...more,
});

const tableOf = (files: Record<string, FileCursor>): CursorTable => {
	const table = new CursorTable();
	for (const file in files) table.set(file, files[file]!);
	return table;
};

/** Every file's cursor, as plain objects, to compare two tables. */
const entriesOf = (table: CursorTable): Record<string, FileCursor> => {
	const entries: Record<string, FileCursor> = {};
	for (let row = 0; row < table.size; row++) entries[table.pathAt(row)] = table.get(table.pathAt(row))!;
	return entries;
};

describe('Cursor table', () => {
	it('keeps each file cursor as it was set, whatever else is added or removed', () => {
		const table = new CursorTable();
		const expected: Record<string, FileCursor> = {};
		for (let i = 0; i < 200; i++) {
			const file = `/logs/${i}.jsonl`;
			expected[file] = cursorAt(i * 10, {
				source: i % 3 === 0 ? 'codex' : 'claude-code',
				ino: 1000 + i,
				mtimeMs: 1_700_000_000_000.25 + i,
				headLength: i % 1024,
				headHash: 0xfffffff0 + (i % 16),
				...(i % 5 === 0 ? { malformed: 2, issues: [{ line: i, reason: 'bad' }] } : {}),
				...(i % 7 === 0 ? { state: { total: i } } : {}),
				...(i % 11 === 0 ? { walSize: i, walMtimeMs: i + 0.5 } : {}),
			});
			table.set(file, expected[file]!);
		}
		assert.deepEqual(entriesOf(table), expected);

		// A changed copy changes nothing until set; set again, it replaces the row.
		const copy = table.get('/logs/5.jsonl')!;
		copy.offset = 1;
		copy.issues.push({ line: 1, reason: 'more' });
		assert.deepEqual(table.get('/logs/5.jsonl'), expected['/logs/5.jsonl']);
		table.set('/logs/5.jsonl', copy);
		expected['/logs/5.jsonl'] = copy;
		delete copy.state;
		table.set('/logs/7.jsonl', { ...expected['/logs/7.jsonl']!, issues: [] });
		expected['/logs/7.jsonl'] = { ...expected['/logs/7.jsonl']!, issues: [] };
		assert.deepEqual(entriesOf(table), expected);

		// A listing that names every third file: the others go, the rest keep their cursors, issues and state.
		table.beginListing();
		for (let i = 0; i < 200; i += 3) {
			assert.equal(table.markListed(table.rowOf(`/logs/${i}.jsonl`), 1), true);
			assert.equal(table.markListed(table.rowOf(`/logs/${i}.jsonl`), 2), false, 'the first source to list it keeps it');
		}
		assert.equal(table.removeUnlisted(), 200 - 67);
		for (let i = 0; i < 200; i++) if (i % 3 !== 0) delete expected[`/logs/${i}.jsonl`];
		assert.deepEqual(entriesOf(table), expected);
		assert.equal(table.size, 67);
		for (let row = 0; row < table.size; row++) assert.equal(table.listedSource(row), 1);
		assert.deepEqual(
			[...table.malformed()].map((file) => file.file).sort(),
			Object.keys(expected)
				.filter((file) => expected[file]!.malformed > 0)
				.sort(),
		);
	});

	it('tells a file unchanged only with the same device, inode, size, time and write-ahead log', () => {
		const table = new CursorTable();
		const cursor = cursorAt(10, { size: 10, mtimeMs: 5, walSize: 3, walMtimeMs: 4 });
		table.set('/db.sqlite', cursor);
		const row = table.rowOf('/db.sqlite');
		const stat = { dev: 1, ino: 2, size: 10, mtimeMs: 5 };
		assert.equal(table.unchanged(row, stat, { size: 3, mtimeMs: 4 }), true);
		assert.equal(table.unchanged(row, stat, undefined), false);
		assert.equal(table.unchanged(row, stat, { size: 3, mtimeMs: 6 }), false);
		assert.equal(table.unchanged(row, { ...stat, ino: 3 }, { size: 3, mtimeMs: 4 }), false);
		assert.equal(table.unchanged(row, { ...stat, dev: 9 }, { size: 3, mtimeMs: 4 }), false);
		assert.equal(table.unchanged(row, { ...stat, size: 11 }, { size: 3, mtimeMs: 4 }), false);
		assert.equal(table.unchanged(row, { ...stat, mtimeMs: 5.5 }, { size: 3, mtimeMs: 4 }), false);
		table.set('/a.jsonl', cursorAt(7, { size: 7, mtimeMs: 5 }));
		assert.equal(table.unchanged(table.rowOf('/a.jsonl'), { ...stat, size: 7 }, undefined), true);
	});

	it('takes over which source listed each file from the table it replaces', () => {
		const before = tableOf({ '/a': cursorAt(1), '/b': cursorAt(2) });
		before.beginListing();
		before.markListed(before.rowOf('/b'), 3);
		const after = tableOf({ '/b': cursorAt(5), '/c': cursorAt(6), '/a': cursorAt(1) });
		after.adoptListing(before);
		assert.equal(after.listedSource(after.rowOf('/b')), 3);
		assert.equal(after.listedSource(after.rowOf('/a')), -1);
		assert.equal(after.listedSource(after.rowOf('/c')), -1);
	});
});

describe('Cursor store', () => {
	it('keeps the table in memory while nobody else writes, and reads what another process wrote', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const mine = new CursorStore(file);
		assert.equal(mine.load().size, 0);
		mine.save(tableOf({ '/f.jsonl': cursorAt(10) }));
		const loaded = mine.load();
		assert.equal(loaded.get('/f.jsonl')?.offset, 10);
		assert.equal(mine.load(), loaded, 'not parsed again while unchanged');

		// Another process replaces the file (as it does: a sibling renamed over it).
		const other = new CursorStore(file);
		assert.equal(other.load().get('/f.jsonl')?.offset, 10);
		other.save(tableOf({ '/f.jsonl': cursorAt(20) }));
		assert.equal(mine.load().get('/f.jsonl')?.offset, 20);

		// Damaged, inconsistent or deleted: an empty table.
		fs.writeFileSync(file, '{"version":2,"files":');
		assert.equal(mine.load().size, 0);
		const text = (() => {
			new CursorStore(file).save(tableOf({ '/f.jsonl': cursorAt(20), '/g.jsonl': cursorAt(30) }));
			return fs.readFileSync(file, 'utf8');
		})();
		assert.equal(new CursorStore(file).load().size, 2);
		fs.writeFileSync(file, text.replace('"offset":[20,30]', '"offset":[20]'));
		assert.equal(mine.load().size, 0, 'a column shorter than the files');
		fs.writeFileSync(file, text.replace('"files":["/f.jsonl","/g.jsonl"]', '"files":["/f.jsonl","/f.jsonl"]'));
		assert.equal(mine.load().size, 0, 'a file named twice');
		fs.rmSync(file);
		assert.equal(mine.load().size, 0);
	});

	it('reads the file again after being told to forget what it holds', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const store = new CursorStore(file);
		store.save(tableOf({ '/f.jsonl': cursorAt(5) }));
		const held = store.load();
		held.set('/f.jsonl', cursorAt(999)); // changed in memory by a refresh that then failed
		store.forget();
		assert.equal(store.load().get('/f.jsonl')?.offset, 5);
	});

	it('reads back what it wrote, however many files, written a part at a time', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const many: Record<string, FileCursor> = {};
		// Some 600 KB of JSON (several parts), with names, issues and states that need escaping.
		for (let i = 0; i < 3000; i++) {
			const name = `/home/dév/"quoted"\\project ${i}/session-${i}.jsonl`;
			many[name] = cursorAt(i, {
				source: i % 2 === 0 ? 'codex' : 'gemini-cli',
				ino: 2 ** 40 + i,
				mtimeMs: 1_700_000_000_000 + i / 3,
				headHash: (i * 2654435761) >>> 0,
				...(i % 7 === 0 ? { malformed: 1, issues: [{ line: i, reason: 'bad "line"\n' }] } : {}),
				state: { total: i / 3, name: 'ü"\n' },
			});
		}
		new CursorStore(file).save(tableOf(many));
		assert.ok(fs.statSync(file).size > 300_000);
		const interned: string[] = [];
		const loaded = new CursorStore(file).load((name) => {
			interned.push(name);
			return name;
		});
		assert.deepEqual(entriesOf(loaded), many);
		assert.deepEqual(interned.sort(), Object.keys(many).sort(), 'each name offered once to be held as another copy');
		new CursorStore(file).save(new CursorTable());
		assert.equal(new CursorStore(file).load().size, 0);
	});

	it('reads the cursors of the first version, and reads again a file whose signature had changed', () => {
		const file = path.join(tempDir(), 'cursors.json');
		const old = (identity: string, signature: string, more: object = {}): object => ({
			source: 'cursor',
			identity,
			signature,
			offset: 100,
			lines: 3,
			size: 100,
			mtimeMs: 1700000000000.5,
			headLength: 64,
			headHash: '0a0b0c0d',
			malformed: 0,
			issues: [],
			...more,
		});
		fs.writeFileSync(
			file,
			JSON.stringify({
				version: 1,
				files: {
					'/state.vscdb': old('65024:77', '65024:77:100:1700000000000.5|4096:1700000000001.25', { readAt: 9, issues: [{ line: 0, reason: 'x' }], malformed: 1 }),
					'/lines.jsonl': old('3:4', '3:4:100:1700000000000.5', { source: 'codex', state: { total: 7 } }),
					'/stale.jsonl': old('3:5', '3:5:90:1700000000000.5', { source: 'codex' }),
				},
			}),
		);
		const table = new CursorStore(file).load();
		assert.deepEqual(table.get('/state.vscdb'), {
			...newCursor('cursor', { dev: 65024, ino: 77, size: 100, mtimeMs: 1700000000000.5 }),
			offset: 100,
			lines: 3,
			walSize: 4096,
			walMtimeMs: 1700000000001.25,
			headLength: 64,
			headHash: 0x0a0b0c0d,
			malformed: 1,
			issues: [{ line: 0, reason: 'x' }],
			readAt: 9,
		});
		const stat = { dev: 3, ino: 4, size: 100, mtimeMs: 1700000000000.5 };
		assert.equal(table.unchanged(table.rowOf('/lines.jsonl'), stat, undefined), true);
		assert.deepEqual(table.get('/lines.jsonl')?.state, { total: 7 });
		assert.equal(table.unchanged(table.rowOf('/stale.jsonl'), { ...stat, ino: 5 }, undefined), false, 'read again');
		assert.equal(table.get('/stale.jsonl')?.offset, 100, 'from where it was');

		// Marked to be written again, in the columns of this version.
		assert.equal(table.stale, true);
		new CursorStore(file).save(table);
		assert.equal(table.stale, false);
		assert.match(fs.readFileSync(file, 'utf8'), /^\{"version":2,/);
		assert.deepEqual(entriesOf(new CursorStore(file).load()), entriesOf(table));
	});
});
