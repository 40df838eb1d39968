/**
 * The normalized usage record every source produces and the ledger stores.
 *
 * Token conventions (see ARCHITECTURE.md): `inputTokens` is uncached input; cache reads and cache
 * writes are separate and disjoint from it; `outputTokens` includes reasoning, and `reasoningTokens`
 * is an informational subset of it. Each source converts its own tool's convention into this one.
 */
export type SourceId =
	| 'claude-code'
	| 'codex'
	| 'gemini-cli'
	| 'opencode'
	| 'amp'
	| 'cline'
	| 'roo-code'
	| 'kilo-code'
	| 'aider'
	| 'continue'
	| 'copilot'
	| 'cursor'
	| 'proxy';

export const sourceIds: readonly SourceId[] = [
	'claude-code',
	'codex',
	'gemini-cli',
	'opencode',
	'amp',
	'cline',
	'roo-code',
	'kilo-code',
	'aider',
	'continue',
	'copilot',
	'cursor',
	'proxy',
];

export function isSourceId(value: string): value is SourceId {
	return (sourceIds as readonly string[]).includes(value);
}

export interface TokenCounts {
	/** Uncached input. */
	readonly inputTokens: number;
	/** Output, reasoning included. */
	readonly outputTokens: number;
	/** Cache writes with the 5-minute lifetime (or of unknown lifetime). */
	readonly cacheWrite5mTokens: number;
	/** Cache writes with the 1-hour lifetime, priced separately. */
	readonly cacheWrite1hTokens: number;
	readonly cacheReadTokens: number;
	/** Informational: the part of `outputTokens` spent on reasoning, when the tool reports it. */
	readonly reasoningTokens: number;
}

export interface UsageEvent extends TokenCounts {
	readonly source: SourceId;
	/**
	 * Identifies one billed request across files and re-reads. Two events with the same key are the
	 * same request; the source's dedupe rule decides which copy is kept.
	 */
	readonly key: string;
	/**
	 * The provider's message id, set only by sources whose dedupe needs it (Claude's sidechain-replay
	 * rule groups by it, across files). Empty otherwise.
	 */
	readonly messageId: string;
	/** UTC milliseconds. */
	readonly timestamp: number;
	/** The model id as the tool wrote it. */
	readonly model: string;
	readonly sessionId: string;
	/** The working directory of the session, when known. */
	readonly project: string;
	readonly branch: string;
	/** Sub-agent or side-question traffic (Claude's `isSidechain`). */
	readonly sidechain: boolean;
	/** Whether the tool recorded the speed tier (Claude's `usage.speed`): a tie-breaker in dedupe. */
	readonly hasSpeed: boolean;
	/** True when the numbers come from a tokenizer estimate rather than provider usage. */
	readonly estimated: boolean;
	/** The file the event was read from, for diagnostics. */
	readonly file: string;
	/** Cost the tool itself wrote, if any (older Claude Code versions wrote `costUSD`). */
	readonly reportedCostUSD: number | null;
	/** Credits the tool itself charged (Amp), reported beside the USD estimate. */
	readonly reportedCredits: number | null;
	/** True when the tool wrote no model and the source assumed one (Codex's early builds). */
	readonly modelInferred: boolean;
}

/**
 * What a report reads of a counted request: everything but the identities (key, message id) that
 * the ledger's index keeps only as fingerprints.
 */
export type CountedUsage = Omit<UsageEvent, 'key' | 'messageId'>;

export function cacheCreationTokens(counts: TokenCounts): number {
	return counts.cacheWrite5mTokens + counts.cacheWrite1hTokens;
}

export function totalTokens(counts: TokenCounts): number {
	return counts.inputTokens + counts.outputTokens + cacheCreationTokens(counts) + counts.cacheReadTokens;
}
