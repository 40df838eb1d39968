import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { parseContinueLines } from './parseContinueLines';

/** The local dev-data schema Continue writes (`LOCAL_DEV_DATA_VERSION`). */
const schemaVersion = '0.2.0';
const fileName = 'tokensGenerated.jsonl';

/**
 * Continue's global folder: `CONTINUE_GLOBAL_DIR` (a relative value is taken from the current
 * folder, as Continue does), otherwise `~/.continue`.
 */
export function continueGlobalDir(environment: Environment): string {
	const configured = environment.env['CONTINUE_GLOBAL_DIR']?.trim();
	return configured !== undefined && configured !== '' ? path.resolve(configured) : path.join(environment.home, '.continue');
}

/**
 * The token logs to read: the global folder's, plus `extraPaths` (each a Continue global folder,
 * its `dev_data` or `dev_data/0.2.0` folder, or a `tokensGenerated.jsonl` file).
 */
export function continueTokenFiles(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const files = [continueGlobalDir(environment), ...extraPaths.filter((entry) => entry.trim() !== '')].map((entry) => {
		const resolved = path.resolve(entry.trim());
		if (resolved.endsWith('.jsonl')) return resolved;
		const base = path.basename(resolved);
		if (base === schemaVersion) return path.join(resolved, fileName);
		if (base === 'dev_data') return path.join(resolved, schemaVersion, fileName);
		return path.join(resolved, 'dev_data', schemaVersion, fileName);
	});
	return [...new Set(files)];
}

export function continueSources(environment: Environment, extraPaths: readonly string[]): LogSource[] {
	const candidates = continueTokenFiles(environment, extraPaths);
	return [
		{
			id: 'continue',
			// A schema folder holds only Continue's own event logs: cheap to watch. A file given elsewhere
			// is left to the poll, since its folder may be large and is watched recursively.
			roots: [...new Set(candidates.map((file) => path.dirname(file)).filter((dir) => path.basename(dir) === schemaVersion))],
			listFiles: () => candidates.filter((file) => isFile(file)),
			reader: { kind: 'lines', parse: (bytes, position) => parseContinueLines(bytes, position) },
		},
	];
}

function isFile(file: string): boolean {
	try {
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}
