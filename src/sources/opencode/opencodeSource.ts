import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatabaseReader, Environment, LogSource, ParsedRecords } from '../logSource';
import { listFilesRecursive } from '../listFiles';
import { readSqlite } from '../sqlite/readOnlySqlite';
import type { MessageRow } from './parseOpencode';
import { parseOpencodeMessageFile, parseOpencodeRows } from './parseOpencode';

/**
 * OpenCode's data folders: `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode` on every
 * platform (it uses xdg-basedir, which does not follow macOS or Windows conventions). Each extra path
 * is a data folder or one database file.
 */
export function opencodeDataDirs(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const xdgData = environment.env['XDG_DATA_HOME']?.trim() || path.join(environment.home, '.local', 'share');
	const dirs = [path.join(xdgData, 'opencode'), ...extraPaths.filter((entry) => !isDatabaseFile(entry))].map((dir) => path.resolve(dir));
	return [...new Set(dirs)];
}

/** `opencode.db`, or a channel's `opencode-<channel>.db`. */
const databaseName = /^opencode(-[^\\/]+)?\.db$/;

function isDatabaseFile(entry: string): boolean {
	return entry.endsWith('.db');
}

export function opencodeSources(environment: Environment, extraPaths: readonly string[] = []): LogSource[] {
	const dirs = opencodeDataDirs(environment, extraPaths);
	const extraDatabases = extraPaths.filter(isDatabaseFile).map((file) => path.resolve(file));
	const messageRoots = dirs.map((dir) => path.join(dir, 'storage', 'message'));
	// Listed first: within one refresh the database's copy of a message is met before the JSON copy.
	const database: LogSource = {
		id: 'opencode',
		roots: [...new Set([...dirs, ...extraDatabases.map((file) => path.dirname(file))])],
		listFiles: () => [...new Set([...dirs.flatMap(listDatabases), ...extraDatabases.filter((file) => fs.existsSync(file))])],
		reader: opencodeDatabaseReader,
	};
	const legacy: LogSource = {
		id: 'opencode',
		roots: messageRoots,
		listFiles: () => [...new Set(messageRoots.flatMap((root) => listFilesRecursive(root, '.json')))],
		reader: { kind: 'document', parse: parseOpencodeMessageFile },
	};
	return [database, legacy];
}

function listDatabases(dir: string): string[] {
	try {
		return fs
			.readdirSync(dir)
			.filter((name) => databaseName.test(name))
			.map((name) => path.join(dir, name))
			.sort();
	} catch {
		return [];
	}
}

export const opencodeDatabaseReader: DatabaseReader = {
	kind: 'database',
	read: readOpencodeDatabase,
};

/** Reads `message` (and `session` for working directories) from a snapshot of the database. */
export function readOpencodeDatabase(file: string): ParsedRecords {
	const { rows, directories } = readSqlite(file, (db) => {
		const rows: MessageRow[] = [];
		const directories = new Map<string, string>();
		if (!db.hasTable('message')) return { rows, directories };
		const has = (table: string, column: string): boolean => db.columnNames(table).some((name) => name.toLowerCase() === column);
		if (db.hasTable('session') && has('session', 'id') && has('session', 'directory')) {
			db.scan('session', { columns: ['id', 'directory'] }, (row) => {
				if (typeof row['id'] === 'string' && typeof row['directory'] === 'string') directories.set(row['id'], row['directory']);
			});
		}
		const columns = ['id', 'session_id', 'time_created', 'data'].filter((column) => has('message', column));
		if (!columns.includes('data')) throw new Error(`${file}: the message table has no data column`);
		db.scan('message', { columns }, (row) => {
			rows.push({ id: row['id'], sessionId: row['session_id'], timeCreated: row['time_created'], data: row['data'] });
		});
		return { rows, directories };
	});
	return parseOpencodeRows(rows, directories, file);
}
