import type { SourceId } from '../core/usage/usageEvent';
import { aiderSourcesForWorkspaces } from './aider/aiderSource';
import { ampSources } from './amp/ampSource';
import { continueSources } from './continue/continueSource';
import { copilotSources } from './copilot/copilotSource';
import { claudeCodeSource } from './claudeCode/claudeCodeSource';
import { clineSources, kiloCodeSources, rooCodeSources } from './clineFamily/clineFamilySource';
import { codexSources } from './codex/codexSource';
import { geminiCliSources } from './geminiCli/geminiCliSource';
import { cursorSources } from './cursor/cursorSource';
import { opencodeSources } from './opencode/opencodeSource';
import type { Environment, LogSource } from './logSource';

/** What the running editor knows beyond the environment (the CLI passes nothing). */
export interface EditorContext {
	/** Workspace folders, where per-repository records live (Aider). */
	readonly workspaceFolders: readonly string[];
	/** The running editor's own globalStorage folder, where its extensions keep their tasks. */
	readonly globalStorage: readonly string[];
	/** OpenTelemetry files the editor's Copilot Chat was pointed at (an opt-in export). */
	readonly copilotOtelFiles?: readonly string[];
}

export const noEditor: EditorContext = { workspaceFolders: [], globalStorage: [], copilotOtelFiles: [] };

/** The CLI's view: the current folder is the workspace (Aider keeps its history per repository). */
export function cliEditorContext(cwd: string): EditorContext {
	return { ...noEditor, workspaceFolders: [cwd] };
}

type SourceFactory = (environment: Environment, extraPaths: readonly string[], editor: EditorContext) => LogSource[];

/** Every assistant this build can read, by source id. */
const factories: Partial<Record<SourceId, SourceFactory>> = {
	'claude-code': (environment, extraPaths) => [claudeCodeSource(environment, extraPaths)],
	codex: (environment, extraPaths) => codexSources(environment, extraPaths),
	'gemini-cli': (environment, extraPaths) => geminiCliSources(environment, extraPaths),
	opencode: (environment, extraPaths) => opencodeSources(environment, extraPaths),
	amp: (environment, extraPaths) => ampSources(environment, extraPaths),
	cline: (environment, extraPaths, editor) => clineSources(environment, extraPaths, editor.globalStorage),
	'roo-code': (environment, extraPaths, editor) => rooCodeSources(environment, extraPaths, editor.globalStorage),
	'kilo-code': (environment, extraPaths, editor) => kiloCodeSources(environment, extraPaths, editor.globalStorage),
	aider: (environment, extraPaths, editor) => aiderSourcesForWorkspaces(environment, editor.workspaceFolders, extraPaths),
	continue: (environment, extraPaths) => continueSources(environment, extraPaths),
	copilot: (environment, extraPaths, editor) => copilotSources(environment, [...extraPaths, ...(editor.copilotOtelFiles ?? [])]),
	cursor: (environment, extraPaths) => cursorSources(environment, extraPaths),
};

/** The ids this build has readers for, in the order they are scanned. */
export const supportedSourceIds = Object.keys(factories) as SourceId[];

export function createSource(id: SourceId, environment: Environment, extraPaths: readonly string[], editor: EditorContext): LogSource[] {
	return factories[id]?.(environment, extraPaths, editor) ?? [];
}
