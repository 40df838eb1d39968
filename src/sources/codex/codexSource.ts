import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { listFilesRecursive } from '../listFiles';
import { parseCodexLines } from './parseCodexLines';

const liveFolder = 'sessions';
const archiveFolder = 'archived_sessions';

/**
 * The Codex home folders to read: `CODEX_HOME` (a comma-separated list is accepted, as ccusage does),
 * else `~/.codex`, plus the user's extra folders. Each entry may also name its `sessions` or
 * `archived_sessions` folder directly.
 */
export function codexHomes(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const configured = environment.env['CODEX_HOME']?.trim();
	const homes =
		configured !== undefined && configured !== ''
			? configured.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
			: [path.join(environment.home, '.codex')];
	const resolved = [...homes, ...extraPaths.map((entry) => entry.trim()).filter((entry) => entry !== '')].map((dir) => {
		const full = path.resolve(dir);
		const name = path.basename(full);
		return name === liveFolder || name === archiveFolder ? path.dirname(full) : full;
	});
	return [...new Set(resolved)];
}

/**
 * Rollout files under `sessions/` and `archived_sessions/`. When the same relative path exists in
 * both, only the `sessions/` copy is listed (ccusage's rule); the keys do not name the folder either,
 * so a file moved into the archive later is not counted again.
 */
export function listCodexFiles(homes: readonly string[]): string[] {
	const files: string[] = [];
	for (const home of homes) {
		const liveRoot = path.join(home, liveFolder);
		const live = listFilesRecursive(liveRoot, '.jsonl');
		const liveRelative = new Set(live.map((file) => path.relative(liveRoot, file)));
		const archiveRoot = path.join(home, archiveFolder);
		const archived = listFilesRecursive(archiveRoot, '.jsonl').filter((file) => !liveRelative.has(path.relative(archiveRoot, file)));
		files.push(...live, ...archived);
	}
	return [...new Set(files)];
}

export function codexSources(environment: Environment, extraPaths: readonly string[] = []): LogSource[] {
	const homes = codexHomes(environment, extraPaths);
	return [
		{
			id: 'codex',
			roots: homes.flatMap((home) => [path.join(home, liveFolder), path.join(home, archiveFolder)]),
			listFiles: () => listCodexFiles(homes),
			reader: { kind: 'lines', parse: (bytes, position, state) => parseCodexLines(bytes, position, state) },
		},
	];
}
