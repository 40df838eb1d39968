import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { systemTimeZone } from './localTime';
import { aiderLaunchTimes, parseAiderAnalyticsLines } from './parseAiderAnalytics';
import { parseAiderHistoryLines } from './parseAiderHistory';

export interface AiderSourceOptions {
	/** IANA zone the chat histories were written in; the system zone when absent (tests pin one). */
	readonly timeZone?: string;
}

export interface AiderFiles {
	readonly history: string[];
	readonly analytics: string[];
}

const defaultHistoryName = '.aider.chat.history.md';
const configName = '.aider.conf.yml';
/** A run is covered when the analytics log saw a process launch this close after its header. */
const launchBeforeHeaderMs = 5_000;
const launchAfterHeaderMs = 5 * 60_000;

/**
 * Aider's records on this machine, from `extraPaths` (history files, analytics logs ending in
 * `.jsonl`, or folders holding a `.aider.chat.history.md`, directly or one level down) and the
 * absolute `AIDER_CHAT_HISTORY_FILE` / `AIDER_ANALYTICS_LOG`. Aider writes into each repository, so
 * without workspace folders only these are known: see `aiderSourcesForWorkspaces`.
 *
 * Two readers: the analytics log (exact numbers) and the chat histories (rounded). A history run
 * whose start the analytics log also recorded is left to the analytics log, so no reply counts twice.
 */
export function aiderSources(environment: Environment, extraPaths: readonly string[], options: AiderSourceOptions = {}): LogSource[] {
	return buildAiderSources(environment, [], extraPaths, options);
}

/**
 * As `aiderSources`, also looking where Aider writes by default for these workspace folders: each
 * folder and its git root (Aider puts its files in the root of the repository it runs in).
 */
export function aiderSourcesForWorkspaces(
	environment: Environment,
	workspaceFolders: readonly string[],
	extraPaths: readonly string[],
	options: AiderSourceOptions = {},
): LogSource[] {
	return buildAiderSources(environment, workspaceFolders, extraPaths, options);
}

function buildAiderSources(
	environment: Environment,
	workspaceFolders: readonly string[],
	extraPaths: readonly string[],
	options: AiderSourceOptions,
): LogSource[] {
	const timeZone = options.timeZone ?? systemTimeZone();
	const launches = new LaunchIndex();
	const discover = (): AiderFiles => discoverAiderFiles(environment, workspaceFolders, extraPaths);
	// No roots: the files sit in repository roots and arbitrary places, and the watcher watches roots
	// recursively; the poll picks the files up instead.
	return [
		{
			id: 'aider',
			roots: [],
			listFiles: () => discover().analytics,
			reader: { kind: 'lines', parse: (bytes, position, state) => parseAiderAnalyticsLines(bytes, position, state) },
		},
		{
			id: 'aider',
			roots: [],
			listFiles: () => {
				const found = discover();
				launches.update(found.analytics);
				return found.history;
			},
			reader: {
				kind: 'lines',
				parse: (bytes, position, state) =>
					parseAiderHistoryLines(bytes, position, state, { timeZone, coveredByAnalytics: (starts) => launches.covers(starts) }),
			},
		},
	];
}

/** The Aider history files and analytics logs that exist now, each once (by real path). */
export function discoverAiderFiles(environment: Environment, workspaceFolders: readonly string[], extraPaths: readonly string[]): AiderFiles {
	const repoDirs: string[] = [];
	for (const folder of workspaceFolders) {
		const resolved = path.resolve(expandHome(folder, environment.home));
		repoDirs.push(resolved);
		const root = gitRoot(resolved);
		if (root !== null) repoDirs.push(root);
	}

	const historyNames = new Set([defaultHistoryName]);
	const historyFiles: string[] = [];
	const analyticsFiles: string[] = [];
	const lookIn = [...repoDirs];

	// A relative path is relative to where Aider runs, the repository: from the environment or the
	// home config it applies to every repository looked in, from a repository's config to that one.
	const addConfigured = (value: string | undefined, relativeTo: readonly string[], names: Set<string> | null, files: string[]): void => {
		const trimmed = value?.trim();
		if (trimmed === undefined || trimmed === '') return;
		const expanded = expandHome(trimmed, environment.home);
		if (path.isAbsolute(expanded)) files.push(expanded);
		else if (names !== null) names.add(expanded);
		else for (const dir of relativeTo) files.push(path.join(dir, expanded));
	};

	addConfigured(environment.env['AIDER_CHAT_HISTORY_FILE'], repoDirs, historyNames, historyFiles);
	addConfigured(environment.env['AIDER_ANALYTICS_LOG'], repoDirs, null, analyticsFiles);
	// Aider also reads its options from `.aider.conf.yml` in the home folder and the repository.
	for (const dir of [environment.home, ...repoDirs]) {
		const config = readAiderConfig(path.join(dir, configName));
		const relativeTo = dir === environment.home ? repoDirs : [dir];
		addConfigured(config['chat-history-file'], relativeTo, dir === environment.home ? historyNames : null, historyFiles);
		addConfigured(config['analytics-log'], relativeTo, null, analyticsFiles);
	}

	for (const entry of extraPaths) {
		if (entry.trim() === '') continue;
		const resolved = path.resolve(expandHome(entry.trim(), environment.home));
		const stat = statOrNull(resolved);
		if (stat?.isDirectory() === true) {
			lookIn.push(resolved, ...childDirectories(resolved));
		} else if (resolved.endsWith('.jsonl')) {
			analyticsFiles.push(resolved);
		} else if (stat !== null || resolved.endsWith('.md')) {
			historyFiles.push(resolved);
		}
	}
	for (const dir of lookIn) {
		for (const name of historyNames) historyFiles.push(path.join(dir, name));
	}
	return { history: existingFiles(historyFiles), analytics: existingFiles(analyticsFiles) };
}

/** The nearest folder at or above `folder` that holds `.git` (a folder, or a file in worktrees). */
export function gitRoot(folder: string): string | null {
	let dir = folder;
	for (;;) {
		if (statOrNull(path.join(dir, '.git')) !== null) return dir;
		const parent = path.dirname(dir);
		if (parent === dir) return null;
		dir = parent;
	}
}

/** The two path options of a YAML config, read without a YAML parser (they are plain scalars). */
export function parseAiderConfig(text: string): Record<string, string> {
	const options: Record<string, string> = {};
	for (const line of text.split(/\r?\n/)) {
		const match = /^(chat-history-file|analytics-log)\s*:\s*(.*?)\s*$/.exec(line);
		if (match === null) continue;
		let value = match[2]!.replace(/\s+#.*$/, '');
		if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
		if (value !== '') options[match[1]!] = value;
	}
	return options;
}

function readAiderConfig(file: string): Record<string, string> {
	try {
		return parseAiderConfig(fs.readFileSync(file, 'utf8'));
	} catch {
		return {};
	}
}

/**
 * When each Aider run that wrote an analytics log started, read incrementally (only new complete
 * lines), so a history run can be matched to the log that already has its exact numbers.
 */
class LaunchIndex {
	private readonly files = new Map<string, { identity: string; offset: number; times: number[] }>();

	update(analyticsFiles: readonly string[]): void {
		const listed = new Set(analyticsFiles);
		for (const file of this.files.keys()) {
			if (!listed.has(file)) this.files.delete(file);
		}
		for (const file of analyticsFiles) {
			const stat = statOrNull(file);
			if (stat === null) continue;
			const identity = `${stat.dev}:${stat.ino}`;
			let entry = this.files.get(file);
			if (entry === undefined || entry.identity !== identity || stat.size < entry.offset) {
				entry = { identity, offset: 0, times: [] };
				this.files.set(file, entry);
			}
			if (stat.size <= entry.offset) continue;
			try {
				const bytes = readRange(file, entry.offset, stat.size - entry.offset);
				const found = aiderLaunchTimes(bytes);
				entry.times.push(...found.times);
				entry.offset += found.consumed;
			} catch {
				// Unreadable now: try again at the next refresh.
			}
		}
	}

	covers(runStarts: readonly number[]): boolean {
		for (const entry of this.files.values()) {
			for (const time of entry.times) {
				for (const start of runStarts) {
					if (time >= start - launchBeforeHeaderMs && time <= start + launchAfterHeaderMs) return true;
				}
			}
		}
		return false;
	}
}

function readRange(file: string, offset: number, length: number): Buffer {
	const fd = fs.openSync(file, 'r');
	try {
		const buffer = Buffer.alloc(length);
		const read = fs.readSync(fd, buffer, 0, length, offset);
		return buffer.subarray(0, read);
	} finally {
		fs.closeSync(fd);
	}
}

function existingFiles(candidates: readonly string[]): string[] {
	const found = new Set<string>();
	for (const candidate of candidates) {
		const stat = statOrNull(candidate);
		if (stat === null || !stat.isFile()) continue;
		try {
			found.add(fs.realpathSync(candidate)); // a repository reached through a link is still one file
		} catch {
			found.add(candidate);
		}
	}
	return [...found].sort();
}

function childDirectories(dir: string): string[] {
	try {
		return fs
			.readdirSync(dir, { withFileTypes: true })
			.filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
			.map((entry) => path.join(dir, entry.name));
	} catch {
		return [];
	}
}

function statOrNull(file: string): fs.Stats | null {
	try {
		return fs.statSync(file);
	} catch {
		return null;
	}
}

function expandHome(value: string, home: string): string {
	return value === '~' || value.startsWith('~/') || value.startsWith('~\\') ? path.join(home, value.slice(1)) : value;
}
