import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { listFilesRecursive } from '../listFiles';
import type { GeminiFileContext } from './parseGeminiChats';
import { parseGeminiDocument, parseGeminiLines } from './parseGeminiChats';

/**
 * Gemini CLI's temp folder, where each project keeps `<project-id>/chats/`. `GEMINI_CLI_HOME`
 * replaces the home directory itself (Gemini's `homedir()`), so it moves `.gemini` with it.
 */
export function geminiTmpRoot(environment: Environment): string {
	const home = environment.env['GEMINI_CLI_HOME']?.trim() || environment.home;
	return path.resolve(home, '.gemini', 'tmp');
}

/**
 * Where an extra path keeps its chats. It may be a GEMINI_CLI_HOME-like folder (holding `.gemini`),
 * a `.gemini` folder (holding `tmp`), a `tmp` folder, one project's folder (holding `chats`), or a
 * folder of chat files itself.
 */
function extraChatFolders(extraPath: string): string[] {
	const full = path.resolve(extraPath);
	for (const tmp of [path.join(full, '.gemini', 'tmp'), path.join(full, 'tmp')]) {
		if (isDirectory(tmp)) return projectChatFolders(tmp);
	}
	if (path.basename(full) === 'tmp') return projectChatFolders(full);
	const chats = path.join(full, 'chats');
	return [isDirectory(chats) ? chats : full];
}

/** `<tmp>/<project-id>/chats` for every project folder. */
function projectChatFolders(tmpRoot: string): string[] {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(tmpRoot, { withFileTypes: true });
	} catch {
		return [];
	}
	return entries
		.filter((entry) => entry.isDirectory())
		.map((entry) => path.join(tmpRoot, entry.name, 'chats'))
		.sort();
}

function isDirectory(dir: string): boolean {
	try {
		return fs.statSync(dir).isDirectory();
	} catch {
		return false;
	}
}

/**
 * The project root of a chat file: newer Gemini CLI builds write the root into
 * `<tmp>/<project-id>/.project_root`. Older folders are named by a hash of the root and have none.
 */
class ProjectRoots {
	private readonly known = new Map<string, string>();

	context(file: string): GeminiFileContext {
		const parts = path.resolve(file).split(path.sep);
		const chatsAt = parts.lastIndexOf('chats');
		if (chatsAt < 1) return { project: '' };
		const projectDir = parts.slice(0, chatsAt).join(path.sep) || path.sep;
		let project = this.known.get(projectDir);
		if (project === undefined) {
			try {
				project = fs.readFileSync(path.join(projectDir, '.project_root'), 'utf8').trim();
			} catch {
				project = '';
			}
			// Only found roots are remembered: a marker written later is still picked up.
			if (project !== '') this.known.set(projectDir, project);
		}
		return { project };
	}
}

/**
 * Two readers over the same folders: `.jsonl` recordings are append-only (read on from a cursor),
 * legacy `.json` recordings are whole documents. Both key requests by session id and message id, so a
 * resumed legacy session migrated to `.jsonl`, or a recording rewritten whole, is not counted twice.
 */
export function geminiCliSources(environment: Environment, extraPaths: readonly string[] = []): LogSource[] {
	const tmpRoot = geminiTmpRoot(environment);
	const extras = [...new Set(extraPaths.map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => path.resolve(entry)))];
	const roots = [...new Set([tmpRoot, ...extras])];
	const chatFolders = (): string[] => [...new Set([...projectChatFolders(tmpRoot), ...extras.flatMap(extraChatFolders)])];
	const list = (suffix: string) => (): string[] => [...new Set(chatFolders().flatMap((folder) => listFilesRecursive(folder, suffix)))];
	const projects = new ProjectRoots();
	return [
		{
			id: 'gemini-cli',
			roots,
			listFiles: list('.jsonl'),
			reader: { kind: 'lines', parse: (bytes, position, state) => parseGeminiLines(bytes, position, state, projects.context(position.file)) },
		},
		{
			id: 'gemini-cli',
			roots,
			listFiles: list('.json'),
			reader: { kind: 'document', parse: (bytes, file) => parseGeminiDocument(bytes, file, projects.context(file)) },
		},
	];
}
