import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatabaseReader, Environment, LogSource } from '../logSource';
import { readSqlite } from '../sqlite/readOnlySqlite';
import type { CursorRecords } from './parseCursor';
import { bubblePrefix, composerPrefix, CursorRowParser } from './parseCursor';

const databaseName = 'state.vscdb';

/** Cursor's `User` folder, where Electron keeps VS Code-style state on each platform. */
export function cursorUserDir(environment: Environment): string {
	const { env, home, platform } = environment;
	if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Cursor', 'User');
	if (platform === 'win32') return path.join(env['APPDATA']?.trim() || path.join(home, 'AppData', 'Roaming'), 'Cursor', 'User');
	return path.join(env['XDG_CONFIG_HOME']?.trim() || path.join(home, '.config'), 'Cursor', 'User');
}

/**
 * The global state databases to read: `<User>/globalStorage/state.vscdb`, plus extra paths, each a
 * `state.vscdb` file, a `globalStorage` folder, a `User` folder or the Cursor folder above it.
 */
export function cursorDatabaseCandidates(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const candidates = [path.join(cursorUserDir(environment), 'globalStorage', databaseName)];
	for (const entry of extraPaths) {
		const resolved = path.resolve(entry);
		if (resolved.endsWith('.vscdb')) {
			candidates.push(resolved);
		} else {
			candidates.push(
				path.join(resolved, databaseName),
				path.join(resolved, 'globalStorage', databaseName),
				path.join(resolved, 'User', 'globalStorage', databaseName),
			);
		}
	}
	return [...new Set(candidates)];
}

export function cursorSources(environment: Environment, extraPaths: readonly string[] = []): LogSource[] {
	const candidates = cursorDatabaseCandidates(environment, extraPaths);
	return [
		{
			id: 'cursor',
			roots: [...new Set(candidates.map((file) => path.dirname(file)))],
			listFiles: () => candidates.filter((file) => fs.existsSync(file)),
			reader: cursorDatabaseReader,
		},
	];
}

export const cursorDatabaseReader: DatabaseReader = {
	kind: 'database',
	read: readCursorDatabase,
};

/**
 * Reads the conversation rows of `cursorDiskKV`. The table also holds large unrelated values
 * (checkpoints, code-block diffs): the key filter skips them before their overflow pages are read.
 */
export function readCursorDatabase(file: string): CursorRecords {
	return readSqlite(file, (db) => {
		const parser = new CursorRowParser(file);
		if (db.hasTable('cursorDiskKV')) {
			db.scan('cursorDiskKV', { columns: ['key', 'value'], where: { column: 'key', startsWith: [bubblePrefix, composerPrefix] } }, (row) => {
				if (typeof row['key'] === 'string') parser.add(row['key'], row['value']);
			});
		}
		return parser.finish();
	});
}
