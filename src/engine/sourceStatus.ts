import * as fs from 'node:fs';
import type { Accuracy } from '../core/report/sourceSummary';
import { accuracyOf, activityBySource } from '../core/report/sourceSummary';
import type { SourceId } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';
import type { Ledger } from '../ledger/ledger';
import type { Environment } from '../sources/logSource';
import type { EditorContext } from '../sources/registry';
import { createSource, supportedSourceIds } from '../sources/registry';
import type { EngineSettings } from './settings';

/** One source as `token-ledger sources` and the editor's doctor show it. */
export interface SourceStatus {
	id: SourceId;
	/** This build can read the source. */
	supported: boolean;
	enabled: boolean;
	/** Records were found on this machine (or requests are in the ledger from earlier). */
	found: boolean;
	/** Where it looked, and which of those places exist. */
	locations: Array<{ path: string; exists: boolean }>;
	/** Record files present now. */
	files: number;
	/** Requests from this source in the ledger. */
	requests: number;
	/** ISO time of the newest request, or null. */
	newestActivity: string | null;
	/** Whether the numbers are provider usage or tokenizer estimates. */
	accuracy: Accuracy | null;
	malformedLines: number;
	/** Lines or files that could not be used, with where and why (the first few per file). */
	problems: Array<{ file: string; line: number; reason: string }>;
}

export function describeSources(ledger: Ledger, environment: Environment, settings: EngineSettings, editor: EditorContext): SourceStatus[] {
	// One request at a time: a long history's requests as objects all at once would be a hundred MB.
	const activity = activityBySource(ledger.eachCounted());
	const diagnostics = ledger.diagnostics();
	return sourceIds.map((id) => {
		const supported = supportedSourceIds.includes(id);
		const enabled = !settings.disabledSources.has(id);
		const sources = supported ? createSource(id, environment, settings.extraPaths[id] ?? [], editor) : [];
		const roots = [...new Set(sources.flatMap((source) => source.roots))];
		const files = enabled ? new Set(sources.flatMap((source) => source.listFiles())).size : 0;
		const seen = activity.get(id);
		const ownDiagnostics = diagnostics.filter((diagnostic) => diagnostic.source === id);
		return {
			id,
			supported,
			enabled,
			found: files > 0 || (seen?.requests ?? 0) > 0,
			locations: roots.map((root) => ({ path: root, exists: fs.existsSync(root) })),
			files,
			requests: seen?.requests ?? 0,
			newestActivity: seen?.newest == null ? null : new Date(seen.newest).toISOString(),
			accuracy: seen === undefined ? null : accuracyOf(seen),
			malformedLines: ownDiagnostics.reduce((sum, diagnostic) => sum + diagnostic.malformed, 0),
			problems: ownDiagnostics.flatMap((diagnostic) =>
				diagnostic.issues.map((issue) => ({ file: diagnostic.file, line: issue.line, reason: issue.reason })),
			),
		};
	});
}
