import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { clineDataFolder, editorGlobalStorageRoots } from './editorStorage';
import type { ClineFlavor } from './parseClineTask';
import { parseClineTask } from './parseClineTask';
import type { SessionManifest } from './parseClineSession';
import { emptyManifest, parseClineSession, parseSessionManifest } from './parseClineSession';
import type { ClineHistoryEntry, TaskContext } from './parseTaskContext';
import { emptyTaskContext, parseClineTaskHistory, parseClineTaskMetadata, parseClineWriteback, parseRooHistoryItem, parseRooModelStamps } from './parseTaskContext';

export { editorGlobalStorageRoots } from './editorStorage';

/** Each extension's globalStorage folder name: VS Code lower-cases `publisher.name`. */
export const extensionFolders: Record<ClineFlavor, string> = {
	cline: 'saoudrizwan.claude-dev',
	'roo-code': 'rooveterinaryinc.roo-cline',
	'kilo-code': 'kilocode.kilo-code',
};

/**
 * Cline's tasks: `tasks/<taskId>/ui_messages.json` under the extension's globalStorage folder in
 * every editor, and under Cline's own data folder (CLI, JetBrains); plus, for Cline 4.1 and later,
 * SDK sessions under `<data>/sessions` (or `CLINE_SESSION_DATA_DIR`).
 *
 * `extraPaths` are the user's extra locations: a `tasks` folder, a folder holding one (a storage or
 * data folder), a `sessions` folder, or a `globalStorage` folder. `extraGlobalStorage` lists
 * globalStorage folders the running editor knows about (its own `User/globalStorage`).
 */
export function clineSources(environment: Environment, extraPaths: readonly string[] = [], extraGlobalStorage: readonly string[] = []): LogSource[] {
	const dataFolder = clineDataFolder(environment);
	const taskRoots = familyTaskRoots('cline', environment, extraPaths, extraGlobalStorage, [path.join(dataFolder, 'tasks')]);
	const sessionsFolder = environment.env['CLINE_SESSION_DATA_DIR']?.trim() || path.join(dataFolder, 'sessions');
	const sessionRoots = unique([
		sessionsFolder,
		...extraPaths.filter((extra) => !isTasksOrStorageFolder(extra)).map((extra) => (path.basename(path.resolve(extra)) === 'sessions' ? extra : path.join(extra, 'sessions'))),
	]);
	return [taskSource('cline', taskRoots), sessionSource(sessionRoots)];
}

/**
 * Roo Code's tasks, laid out like Cline's. Its `roo-cline.customStoragePath` setting moves them, but
 * that is an editor setting this module cannot read: the user (or the extension, from the setting)
 * passes that folder in `extraPaths`. Roo's CLI keeps its tasks under `~/.vscode-mock/global-storage`.
 */
export function rooCodeSources(environment: Environment, extraPaths: readonly string[] = [], extraGlobalStorage: readonly string[] = []): LogSource[] {
	const cliTasks = path.join(environment.home, '.vscode-mock', 'global-storage', 'tasks');
	return [taskSource('roo-code', familyTaskRoots('roo-code', environment, extraPaths, extraGlobalStorage, [cliTasks]))];
}

/**
 * Kilo Code's tasks (Kilo 5 and earlier, a Roo fork; `kilo-code.customStoragePath` goes in
 * `extraPaths`). Kilo 7 keeps its sessions in a database this source does not read.
 */
export function kiloCodeSources(environment: Environment, extraPaths: readonly string[] = [], extraGlobalStorage: readonly string[] = []): LogSource[] {
	return [taskSource('kilo-code', familyTaskRoots('kilo-code', environment, extraPaths, extraGlobalStorage, []))];
}

/** Every `tasks` folder of one extension, existing or not. */
export function familyTaskRoots(
	flavor: ClineFlavor,
	environment: Environment,
	extraPaths: readonly string[],
	extraGlobalStorage: readonly string[],
	ownFolders: readonly string[],
): string[] {
	const extension = extensionFolders[flavor];
	const fromEditors = [...editorGlobalStorageRoots(environment), ...extraGlobalStorage].map((root) => path.join(root, extension, 'tasks'));
	const fromUser = extraPaths.map((extra) => {
		const base = path.basename(path.resolve(extra));
		if (base === 'tasks') return extra;
		if (base === 'globalStorage') return path.join(extra, extension, 'tasks');
		return path.join(extra, 'tasks');
	});
	return unique([...fromEditors, ...ownFolders, ...fromUser]);
}

function taskSource(flavor: ClineFlavor, roots: readonly string[]): LogSource {
	const histories = new FileCache<Map<string, ClineHistoryEntry>>(parseClineTaskHistory);
	return {
		id: flavor,
		roots,
		// One directory listing per root: each task folder is assumed to hold its ui_messages.json
		// (the ledger skips any that does not), so discovery costs no stat per task.
		listFiles: () => unique(roots.flatMap((root) => subfolders(root).map((task) => path.join(task, 'ui_messages.json')))).sort(),
		reader: {
			kind: 'document',
			parse: (bytes, file) => {
				const taskDir = path.dirname(file);
				return parseClineTask(bytes, file, flavor, path.basename(taskDir), taskContext(flavor, taskDir, histories));
			},
		},
	};
}

function sessionSource(roots: readonly string[]): LogSource {
	return {
		id: 'cline',
		roots,
		listFiles: () =>
			unique(roots.flatMap((root) => subfolders(root).flatMap((session) => filesEndingWith(session, '.messages.json')))).sort(),
		reader: {
			kind: 'document',
			parse: (bytes, file) => {
				const sessionDir = path.dirname(file);
				const manifestText = readText(path.join(sessionDir, `${path.basename(sessionDir)}.json`));
				const manifest: SessionManifest = manifestText === undefined ? emptyManifest : parseSessionManifest(manifestText);
				return parseClineSession(bytes, file, manifest);
			},
		},
	};
}

/**
 * The side files that say which model served each request and where the task ran. Read when the
 * task's ui_messages.json changes (they are written alongside it).
 */
function taskContext(flavor: ClineFlavor, taskDir: string, histories: FileCache<Map<string, ClineHistoryEntry>>): TaskContext {
	if (flavor === 'cline') {
		const metadata = readText(path.join(taskDir, 'task_metadata.json'));
		const writeback = readText(path.join(taskDir, 'sdk_writeback.json'));
		const storage = path.dirname(path.dirname(taskDir));
		const history = histories.get(path.join(storage, 'state', 'taskHistory.json'))?.get(path.basename(taskDir));
		return {
			models: metadata === undefined ? [] : parseClineTaskMetadata(metadata),
			fallbackModel: history?.model ?? '',
			project: history?.project ?? '',
			writtenBack: writeback === undefined ? null : parseClineWriteback(writeback),
		};
	}
	const conversation = readText(path.join(taskDir, 'api_conversation_history.json'));
	const historyItem = readText(path.join(taskDir, 'history_item.json'));
	return {
		...emptyTaskContext,
		models: conversation === undefined ? [] : parseRooModelStamps(conversation),
		project: historyItem === undefined ? '' : parseRooHistoryItem(historyItem),
	};
}

/** Parses a shared side file once per version of it (Cline's task history covers every task). */
class FileCache<T> {
	private readonly entries = new Map<string, { signature: string; value: T }>();

	constructor(private readonly parse: (source: string) => T) {}

	get(file: string): T | undefined {
		let stat: fs.Stats;
		try {
			stat = fs.statSync(file);
		} catch {
			this.entries.delete(file);
			return undefined;
		}
		const signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
		const cached = this.entries.get(file);
		if (cached?.signature === signature) return cached.value;
		const source = readText(file);
		if (source === undefined) return undefined;
		const value = this.parse(source);
		this.entries.set(file, { signature, value });
		return value;
	}
}

function isTasksOrStorageFolder(folder: string): boolean {
	const base = path.basename(path.resolve(folder));
	return base === 'tasks' || base === 'globalStorage';
}

function subfolders(root: string): string[] {
	let entries: fs.Dirent[];
	try {
		entries = fs.readdirSync(root, { withFileTypes: true });
	} catch {
		return [];
	}
	return entries.filter((entry) => entry.isDirectory() || entry.isSymbolicLink()).map((entry) => path.join(root, entry.name));
}

function filesEndingWith(folder: string, suffix: string): string[] {
	try {
		return fs
			.readdirSync(folder, { withFileTypes: true })
			.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith(suffix))
			.map((entry) => path.join(folder, entry.name));
	} catch {
		return [];
	}
}

function readText(file: string): string | undefined {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return undefined;
	}
}

function unique(paths: readonly string[]): string[] {
	return [...new Set(paths.map((entry) => path.resolve(entry)))];
}
