import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { parseAmpThread } from './parseAmpThread';

/**
 * Amp's data folders, found the way ccusage finds them: `AMP_DATA_DIR` (a comma-separated list),
 * otherwise `$XDG_DATA_HOME/amp` or `~/.local/share/amp` (the macOS and Windows defaults are not
 * confirmed: put them in `extraPaths`). Each holds `threads/T-<uuid>.json`; an extra path may name
 * the data folder or its `threads` folder.
 */
export function ampThreadRoots(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const configured = environment.env['AMP_DATA_DIR']?.trim();
	const dataDirs =
		configured !== undefined && configured !== ''
			? configured.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
			: [
					path.join(environment.env['XDG_DATA_HOME']?.trim() || path.join(environment.home, '.local', 'share'), 'amp'),
					path.join(environment.home, '.local', 'share', 'amp'),
				];
	const roots = [...dataDirs, ...extraPaths].map((dir) =>
		path.basename(path.resolve(dir)) === 'threads' ? path.resolve(dir) : path.resolve(dir, 'threads'),
	);
	return [...new Set(roots)];
}

export function ampSources(environment: Environment, extraPaths: readonly string[] = []): LogSource[] {
	const roots = ampThreadRoots(environment, extraPaths);
	return [
		{
			id: 'amp',
			roots,
			listFiles: () => [...new Set(roots.flatMap(threadFiles))].sort(),
			reader: { kind: 'document', parse: (bytes, file) => parseAmpThread(bytes, file) },
		},
	];
}

/** `T-*.json` directly in the folder; temporary files written beside them are not threads. */
function threadFiles(root: string): string[] {
	try {
		return fs
			.readdirSync(root, { withFileTypes: true })
			.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && /^T-.+\.json$/.test(entry.name))
			.map((entry) => path.join(root, entry.name));
	} catch {
		return [];
	}
}
