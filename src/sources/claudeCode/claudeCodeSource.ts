import * as path from 'node:path';
import type { Environment, LogSource } from '../logSource';
import { listFilesRecursive } from '../listFiles';
import { parseClaudeLines } from './parseClaudeLines';

/**
 * Where Claude Code keeps its transcripts, found the way the tool (and ccusage) finds them:
 * `CLAUDE_CONFIG_DIR` (also a comma-separated list, each entry a config folder or its `projects`
 * folder), otherwise both `~/.config/claude` and `~/.claude`.
 */
export function claudeProjectRoots(environment: Environment, extraPaths: readonly string[] = []): string[] {
	const configured = environment.env['CLAUDE_CONFIG_DIR']?.trim();
	const configDirs =
		configured !== undefined && configured !== ''
			? configured.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
			: [
					path.join(environment.env['XDG_CONFIG_HOME']?.trim() || path.join(environment.home, '.config'), 'claude'),
					path.join(environment.home, '.claude'),
				];
	const roots = [...configDirs, ...extraPaths].map((dir) =>
		path.basename(path.resolve(dir)) === 'projects' ? path.resolve(dir) : path.resolve(dir, 'projects'),
	);
	return [...new Set(roots)];
}

export function claudeCodeSource(environment: Environment, extraPaths: readonly string[] = []): LogSource {
	const roots = claudeProjectRoots(environment, extraPaths);
	return {
		id: 'claude-code',
		roots,
		listFiles: () => [...new Set(roots.flatMap((root) => listFilesRecursive(root, '.jsonl')))],
		reader: { kind: 'lines', parse: (bytes, position) => parseClaudeLines(bytes, position) },
	};
}
