import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { after, describe, it } from 'node:test';
import { parseCreateTable } from '../../src/sources/sqlite/createTable';
import type { SqliteRow } from '../../src/sources/sqlite/readOnlySqlite';
import { readSqlite, SqliteFormatError } from '../../src/sources/sqlite/readOnlySqlite';
import { fixturesDir, tempDir } from './helpers';

/**
 * The reader is checked against real SQLite: a Python process (its sqlite3 module) writes the
 * databases and keeps its connection open, as OpenCode and Cursor do while they run.
 */
const python = spawnSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore' }).status === 0 ? 'python3' : undefined;
const needsPython = python === undefined ? 'python3 with sqlite3 is not available' : false;

const writerScript = `
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
print('ready', flush=True)
for line in sys.stdin:
    command = json.loads(line)
    try:
        rows = connection.execute(command['sql'], command.get('params', [])).fetchall()
        print(json.dumps({'rows': rows}), flush=True)
    except Exception as error:
        print(json.dumps({'error': str(error)}), flush=True)
`;

/** A SQLite connection in another process that stays open until closed or killed. */
class Writer {
	private readonly replies: ((line: string) => void)[] = [];

	private constructor(private readonly child: ChildProcessWithoutNullStreams) {
		readline.createInterface({ input: child.stdout }).on('line', (line) => this.replies.shift()?.(line));
	}

	static async open(file: string): Promise<Writer> {
		const child = spawn(python!, ['-c', writerScript, file]);
		const writer = new Writer(child);
		await new Promise<string>((resolve) => writer.replies.push(resolve));
		return writer;
	}

	async run(sql: string, params: unknown[] = []): Promise<unknown[][]> {
		const reply = new Promise<string>((resolve) => this.replies.push(resolve));
		this.child.stdin.write(`${JSON.stringify({ sql, params })}\n`);
		const result = JSON.parse(await reply) as { rows?: unknown[][]; error?: string };
		if (result.error !== undefined) throw new Error(`${sql}: ${result.error}`);
		return result.rows!;
	}

	/** Ends the process without closing the connection, so nothing is checkpointed. */
	kill(): void {
		this.child.kill('SIGKILL');
	}
}

const writers: Writer[] = [];
after(() => {
	for (const writer of writers) writer.kill();
});

async function walDatabase(dir: string, name = 'live.db'): Promise<{ file: string; writer: Writer }> {
	const file = path.join(dir, name);
	const writer = await Writer.open(file);
	writers.push(writer);
	await writer.run('pragma journal_mode=wal');
	await writer.run('create table t(id integer primary key, name text, payload text)');
	return { file, writer };
}

function rowsOf(file: string, table = 't'): SqliteRow[] {
	return readSqlite(file, (db) => {
		const rows: SqliteRow[] = [];
		db.scan(table, {}, (row) => rows.push(row));
		return rows;
	});
}

/** Every file in the folder with its size, time and content hash: what "wrote nothing" means. */
function folderState(dir: string): string[] {
	return fs
		.readdirSync(dir)
		.sort()
		.map((name) => {
			const full = path.join(dir, name);
			const stat = fs.statSync(full);
			return `${name} ${stat.size} ${stat.mtimeMs} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
		});
}

describe('readSqlite', () => {
	it('sees rows committed to the write-ahead log while the writer keeps it open, and writes nothing', { skip: needsPython }, async () => {
		const dir = tempDir();
		const { file, writer } = await walDatabase(dir);
		for (const name of ['one', 'two', 'three']) await writer.run('insert into t(name) values (?)', [name]);
		await writer.run('pragma wal_checkpoint(TRUNCATE)');
		await writer.run('pragma wal_autocheckpoint=0');
		await writer.run("insert into t(name) values ('four')");
		await writer.run("update t set name = 'two, changed' where id = 2");
		await writer.run('delete from t where id = 3');
		assert.ok(fs.statSync(`${file}-wal`).size > 0);
		assert.ok(fs.existsSync(`${file}-shm`));

		const before = folderState(dir);
		const rows = rowsOf(file);
		assert.deepEqual(rows.map((row) => [row['id'], row['name']]), [[1, 'one'], [2, 'two, changed'], [4, 'four']]);
		assert.deepEqual(folderState(dir), before, 'no file beside the database was created or changed');

		// The database file alone still holds the checkpointed rows: the changes came from the log.
		const alone = path.join(tempDir(), 'alone.db');
		fs.copyFileSync(file, alone);
		assert.deepEqual(rowsOf(alone).map((row) => row['name']), ['one', 'two', 'three']);
	});

	it('ignores frames of a transaction that has not committed, then sees them once it has', { skip: needsPython }, async () => {
		const dir = tempDir();
		const { file, writer } = await walDatabase(dir);
		await writer.run("insert into t(name) values ('kept')");
		await writer.run('pragma wal_autocheckpoint=0');
		// A tiny page cache spills the open transaction's pages into the log before COMMIT.
		await writer.run('pragma cache_size=1');
		const walBefore = fs.statSync(`${file}-wal`).size;
		await writer.run('begin');
		for (let i = 0; i < 60; i++) await writer.run('insert into t(name, payload) values (?, ?)', [`pending ${i}`, 'x'.repeat(3000)]);
		assert.ok(fs.statSync(`${file}-wal`).size > walBefore, 'uncommitted frames reached the log');
		assert.deepEqual(rowsOf(file).map((row) => row['name']), ['kept']);

		await writer.run('commit');
		const rows = rowsOf(file);
		assert.equal(rows.length, 61);
		assert.equal(rows[60]!['payload'], 'x'.repeat(3000));
	});

	it('ignores stale frames left behind when the log restarts', { skip: needsPython }, async () => {
		const dir = tempDir();
		const { file, writer } = await walDatabase(dir);
		await writer.run('pragma wal_autocheckpoint=0');
		for (let i = 0; i < 40; i++) await writer.run('insert into t(name, payload) values (?, ?)', [`old ${i}`, 'y'.repeat(2000)]);
		const [[busy]] = (await writer.run('pragma wal_checkpoint(RESTART)')) as [[number]];
		assert.equal(busy, 0);
		const walSize = fs.statSync(`${file}-wal`).size;
		await writer.run('delete from t');
		await writer.run("insert into t(name) values ('new')");
		assert.equal(fs.statSync(`${file}-wal`).size, walSize, 'the log was rewritten from its start, old frames remain after');
		assert.deepEqual(rowsOf(file).map((row) => row['name']), ['new']);
	});

	it('reads what a writer that died left in the log (no -shm needed)', { skip: needsPython }, async () => {
		const dir = tempDir();
		const { file, writer } = await walDatabase(dir);
		await writer.run('pragma wal_autocheckpoint=0');
		await writer.run("insert into t(name) values ('survivor')");
		writer.kill();
		await new Promise((resolve) => setTimeout(resolve, 100));
		fs.rmSync(`${file}-shm`, { force: true });
		const before = folderState(dir);
		assert.deepEqual(rowsOf(file).map((row) => row['name']), ['survivor']);
		assert.deepEqual(folderState(dir), before);
		assert.ok(!fs.existsSync(`${file}-shm`), 'no -shm was created');
	});

	it('decodes every page size, text encoding and value type the way SQLite does', { skip: needsPython }, async () => {
		const dir = tempDir();
		const variants = [
			{ name: 'small.db', pageSize: 512, encoding: 'UTF-16le', wal: true },
			{ name: 'large.db', pageSize: 65536, encoding: 'UTF-16be', wal: true },
			{ name: 'rollback.db', pageSize: 1024, encoding: 'UTF-8', wal: false },
		];
		for (const variant of variants) {
			const file = path.join(dir, variant.name);
			const writer = await Writer.open(file);
			writers.push(writer);
			await writer.run(`pragma page_size=${variant.pageSize}`);
			await writer.run(`pragma encoding='${variant.encoding}'`);
			if (variant.wal) await writer.run('pragma journal_mode=wal');
			await writer.run('create table v(id INTEGER PRIMARY KEY, label text, data blob, ratio real, amount int)');
			const amounts = [0, 1, -1, 127, -129, 32767, 2 ** 31, -(2 ** 40), 2 ** 52];
			for (let i = 0; i < 120; i++) {
				const size = [0, 7, 600, 5000, 70000][i % 5]!;
				await writer.run('insert into v(label, data, ratio, amount) values (?, randomblob(?), ?, ?)', [`ключ ${i} 🔑`, size, i / 7, amounts[i % amounts.length]]);
			}
			await writer.run("alter table v add column note text default 'none'");
			await writer.run("insert into v(label, note) values ('late', 'set')");
			if (variant.wal) {
				await writer.run('pragma wal_checkpoint(TRUNCATE)');
				await writer.run('pragma wal_autocheckpoint=0');
				await writer.run("update v set label = 'changed' where id = 3");
			}
			const expected = await writer.run('select id, label, hex(data), ratio, amount, note from v order by id');
			const actual = rowsOf(file, 'v').map((row) => [
				row['id'],
				row['label'],
				row['data'] instanceof Uint8Array ? Buffer.from(row['data']).toString('hex').toUpperCase() : '',
				row['ratio'],
				row['amount'],
				row['note'],
			]);
			assert.deepEqual(actual, expected, variant.name);
		}
	});

	it('filters on a text prefix before reading overflow pages', () => {
		const file = path.join(fixturesDir, 'cursor', 'User', 'globalStorage', 'state.vscdb');
		const keys = readSqlite(file, (db) => {
			const found: string[] = [];
			db.scan('cursorDiskKV', { columns: ['key'], where: { column: 'key', startsWith: ['composerData:'] } }, (row) => found.push(String(row['key'])));
			return found;
		});
		assert.deepEqual(keys, ['composerData:c1', 'composerData:c2', 'composerData:c3']);
	});

	it('waits for an open rollback journal, then reports the database as busy', () => {
		const dir = tempDir();
		const file = path.join(dir, 'state.vscdb');
		fs.copyFileSync(path.join(fixturesDir, 'cursor', 'User', 'globalStorage', 'state.vscdb'), file);
		fs.writeFileSync(`${file}-journal`, Buffer.concat([Buffer.from('d9d505f920a163d7', 'hex'), Buffer.alloc(20)]));
		assert.throws(() => readSqlite(file, (db) => db.tableNames(), { attempts: 2 }), /kept changing/);
		fs.writeFileSync(`${file}-journal`, Buffer.alloc(28)); // a persisted journal whose header was zeroed: finished
		assert.deepEqual(readSqlite(file, (db) => db.tableNames()), ['ItemTable', 'cursorDiskKV']);
	});

	it('treats an empty file as an empty database and rejects files that are not SQLite', () => {
		const dir = tempDir();
		const empty = path.join(dir, 'empty.db');
		fs.writeFileSync(empty, '');
		assert.deepEqual(readSqlite(empty, (db) => [db.tableNames(), db.hasTable('message')]), [[], false]);
		const text = path.join(dir, 'text.db');
		fs.writeFileSync(text, 'not a database at all, just some text that is long enough to hold a header'.repeat(3));
		assert.throws(() => readSqlite(text, (db) => db.tableNames()), SqliteFormatError);
	});

	it('stops on a damaged b-tree instead of looping', () => {
		const dir = tempDir();
		const file = path.join(dir, 'loop.db');
		const bytes = Buffer.from(fs.readFileSync(path.join(fixturesDir, 'opencode', 'data', 'opencode.db')));
		// Page 2 becomes an interior page whose only child is itself.
		const page = 1024;
		bytes.writeUInt8(0x05, page);
		bytes.writeUInt16BE(0, page + 3);
		bytes.writeUInt32BE(2, page + 8);
		fs.writeFileSync(file, bytes);
		assert.throws(() => readSqlite(file, (db) => db.scan('session', {}, () => undefined)), /refers to itself/);
	});
});

describe('parseCreateTable', () => {
	it('finds column names, rowid aliases, stored positions and defaults', () => {
		const shape = parseCreateTable(
			'CREATE TABLE "odd ""name""" ( -- comment\n `id` INTEGER PRIMARY KEY, [key] TEXT UNIQUE ON CONFLICT REPLACE, value BLOB, ' +
				"total INT GENERATED ALWAYS AS (1 + 2) VIRTUAL, kept REAL AS (3) STORED, note TEXT DEFAULT 'n/a', score REAL DEFAULT -1.5, " +
				'CONSTRAINT pk UNIQUE (key), FOREIGN KEY (value) REFERENCES other(id))',
		);
		assert.deepEqual(
			shape?.columns.map((column) => [column.name, column.storedIndex, column.rowidAlias, column.defaultValue]),
			[
				['id', 0, true, null],
				['key', 1, false, null],
				['value', 2, false, null],
				['total', -1, false, null],
				['kept', 3, false, null],
				['note', 4, false, 'n/a'],
				['score', 5, false, -1.5],
			],
		);
		assert.equal(shape?.withoutRowid, false);
	});

	it('knows which primary keys alias the rowid', () => {
		const alias = (sql: string): boolean[] => parseCreateTable(sql)!.columns.map((column) => column.rowidAlias);
		assert.deepEqual(alias('create table a(x integer, y text, primary key (x))'), [true, false]);
		assert.deepEqual(alias('create table a(x int primary key, y text)'), [false, false]);
		assert.deepEqual(alias('create table a(x integer primary key desc, y text)'), [false, false]);
		assert.deepEqual(alias('create table a(x integer primary key, y text) without rowid'), [false, false]);
		assert.equal(parseCreateTable('create table a(x integer primary key) WITHOUT ROWID')?.withoutRowid, true);
		assert.equal(parseCreateTable('create table a as select 1'), null);
	});
});
