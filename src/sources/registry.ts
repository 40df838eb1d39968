import type { SourceId } from '../core/usage/usageEvent';
import { ampSources } from './amp/ampSource';
import { claudeCodeSource } from './claudeCode/claudeCodeSource';
import { clineSources, kiloCodeSources, rooCodeSources } from './clineFamily/clineFamilySource';
import type { Environment, LogSource } from './logSource';

/** What the running editor knows beyond the environment (the CLI passes nothing). */
export interface EditorContext {
	/** Workspace folders, where per-repository records live (Aider). */
	readonly workspaceFolders: readonly string[];
	/** The running editor's own globalStorage folder, where its extensions keep their tasks. */
	readonly globalStorage: readonly string[];
}

export const noEditor: EditorContext = { workspaceFolders: [], globalStorage: [] };

type SourceFactory = (environment: Environment, extraPaths: readonly string[], editor: EditorContext) => LogSource[];

/** Every assistant this build can read, by source id. */
const factories: Partial<Record<SourceId, SourceFactory>> = {
	'claude-code': (environment, extraPaths) => [claudeCodeSource(environment, extraPaths)],
	amp: (environment, extraPaths) => ampSources(environment, extraPaths),
	cline: (environment, extraPaths, editor) => clineSources(environment, extraPaths, editor.globalStorage),
	'roo-code': (environment, extraPaths, editor) => rooCodeSources(environment, extraPaths, editor.globalStorage),
	'kilo-code': (environment, extraPaths, editor) => kiloCodeSources(environment, extraPaths, editor.globalStorage),
};

/** The ids this build has readers for, in the order they are scanned. */
export const supportedSourceIds = Object.keys(factories) as SourceId[];

export function createSource(id: SourceId, environment: Environment, extraPaths: readonly string[], editor: EditorContext): LogSource[] {
	return factories[id]?.(environment, extraPaths, editor) ?? [];
}
