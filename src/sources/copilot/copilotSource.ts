import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFilesRecursive } from '../listFiles';
import type { Environment, LogSource } from '../logSource';
import { parseCopilotOtelLines } from './parseCopilotOtelLines';

/**
 * `~/.copilot/otel` (or under `COPILOT_CONFIG_DIR`): the folder the ccusage and Tokscale guides tell
 * users to point both Copilot exporters at. It holds nothing else, so it is safe to list and watch.
 */
export function copilotOtelFolder(environment: Environment): string {
	const configured = environment.env['COPILOT_CONFIG_DIR']?.trim();
	const base = configured !== undefined && configured !== '' ? path.resolve(configured) : path.join(environment.home, '.copilot');
	return path.join(base, 'otel');
}

/**
 * Copilot's OpenTelemetry files: the one `COPILOT_OTEL_FILE_EXPORTER_PATH` names (used by the
 * Copilot CLI and, when set, by Copilot Chat in VS Code), every `.jsonl` under `~/.copilot/otel`,
 * and `extraPaths` (OTel files, or folders whose `.jsonl` files are OTel exports). Copilot keeps
 * no token counts unless one of its exporters writes such a file.
 */
export function copilotSources(environment: Environment, extraPaths: readonly string[]): LogSource[] {
	const explicitFiles: string[] = [];
	const folders = [copilotOtelFolder(environment)];
	const configured = environment.env['COPILOT_OTEL_FILE_EXPORTER_PATH']?.trim();
	if (configured !== undefined && configured !== '') explicitFiles.push(path.resolve(configured));
	for (const entry of extraPaths) {
		if (entry.trim() === '') continue;
		const resolved = path.resolve(entry.trim());
		if (isDirectory(resolved) || (!fs.existsSync(resolved) && path.extname(resolved) === '')) folders.push(resolved);
		else explicitFiles.push(resolved);
	}
	const uniqueFolders = [...new Set(folders)];
	return [
		{
			id: 'copilot',
			// Files named one by one may sit in large folders (the home folder, a workspace); the watcher
			// watches roots recursively, so those are left to the poll.
			roots: uniqueFolders,
			listFiles: () => [
				...new Set([...explicitFiles.filter((file) => isFile(file)), ...uniqueFolders.flatMap((folder) => listFilesRecursive(folder, '.jsonl'))]),
			],
			reader: { kind: 'lines', parse: (bytes, position, state) => parseCopilotOtelLines(bytes, position, state) },
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

function isDirectory(file: string): boolean {
	try {
		return fs.statSync(file).isDirectory();
	} catch {
		return false;
	}
}
