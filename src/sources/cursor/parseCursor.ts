import type { UsageEvent } from '../../core/usage/usageEvent';
import type { LineIssue } from '../lineParse';
import { count, isRecord, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';

/**
 * Turns rows of Cursor's `cursorDiskKV` table into usage events. Pure: key/value pairs in, events out.
 *
 * Layout (community reverse-engineering, reference §12; it changes between Cursor versions):
 * `bubbleId:<composerId>:<bubbleId>` holds one message with `tokenCount{inputTokens, outputTokens}`;
 * `composerData:<composerId>` holds the conversation's metadata (`modelConfig.modelName`, times) and,
 * in older builds, the messages themselves inline in `conversation[]`.
 *
 * Cursor's counts are partial: newer builds often write zeros, there is no cache split and real
 * billing is server-side. So every event is `estimated`, and bubbles with no tokens are skipped and
 * counted (`zeroTokenBubbles`) rather than reported as free requests.
 */

export const bubblePrefix = 'bubbleId:';
export const composerPrefix = 'composerData:';

export interface CursorRecords extends ParsedRecords {
	/** Bubbles read that carried no token counts (user messages, or builds that leave them at 0). */
	readonly zeroTokenBubbles: number;
}

interface Composer {
	readonly model: string;
	/** Epoch ms: when a bubble has no time of its own. */
	readonly fallbackTime: number | undefined;
	readonly inline: readonly unknown[];
}

/** Only what an event needs from a bubble: bubbles hold whole messages and tool output. */
interface PendingBubble {
	readonly composerId: string;
	readonly bubbleId: string;
	readonly createdAt: unknown;
	readonly model: string;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly position: number;
}

/**
 * Accumulates rows in any order (bubbles may come before their conversation's metadata) and keeps
 * only what it needs from each, so a large database is not held in memory.
 */
export class CursorRowParser {
	private readonly composers = new Map<string, Composer>();
	private readonly bubbles: PendingBubble[] = [];
	private readonly issues: LineIssue[] = [];
	private malformed = 0;
	private zeroTokenBubbles = 0;
	private position = 0;

	constructor(private readonly file: string) {}

	add(key: string, value: unknown): void {
		this.position++;
		const json = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : null;
		if (key.startsWith(bubblePrefix)) {
			if (json !== null && !json.includes('"tokenCount"')) {
				this.zeroTokenBubbles++; // no counts at all: skip the parse
				return;
			}
			const [composerId = '', bubbleId = ''] = key.slice(bubblePrefix.length).split(':');
			const bubble = this.parse(json, key);
			if (bubble !== undefined) this.keepIfCounted(composerId, bubbleId || text(bubble['bubbleId']), bubble);
		} else if (key.startsWith(composerPrefix)) {
			const composerId = key.slice(composerPrefix.length);
			const composer = this.parse(json, key);
			if (composer === undefined) return;
			const modelConfig = isRecord(composer['modelConfig']) ? composer['modelConfig'] : {};
			this.composers.set(composerId, {
				model: text(modelConfig['modelName']),
				fallbackTime: epochMs(composer['lastUpdatedAt']) ?? epochMs(composer['createdAt']),
				inline: Array.isArray(composer['conversation']) ? composer['conversation'] : [],
			});
		}
	}

	finish(): CursorRecords {
		for (const [composerId, composer] of this.composers) {
			for (const bubble of composer.inline) {
				if (isRecord(bubble)) this.keepIfCounted(composerId, text(bubble['bubbleId']), bubble);
			}
		}
		const events: UsageEvent[] = [];
		for (const pending of this.bubbles) {
			const outcome = this.event(pending);
			if (typeof outcome === 'string') {
				this.fail(pending.position, `${pending.bubbleId}: ${outcome}`);
			} else {
				events.push(outcome);
			}
		}
		return { events, malformed: this.malformed, issues: this.issues, zeroTokenBubbles: this.zeroTokenBubbles };
	}

	private keepIfCounted(composerId: string, bubbleId: string, bubble: Record<string, unknown>): void {
		const tokenCount = isRecord(bubble['tokenCount']) ? bubble['tokenCount'] : {};
		const inputTokens = count(tokenCount['inputTokens']);
		const outputTokens = count(tokenCount['outputTokens']);
		if (inputTokens + outputTokens === 0) {
			this.zeroTokenBubbles++;
			return;
		}
		if (bubbleId === '') {
			this.fail(this.position, 'bubble with tokens but no bubbleId');
			return;
		}
		const modelInfo = isRecord(bubble['modelInfo']) ? bubble['modelInfo'] : {};
		this.bubbles.push({ composerId, bubbleId, createdAt: bubble['createdAt'], model: text(modelInfo['modelName']), inputTokens, outputTokens, position: this.position });
	}

	private event({ composerId, bubbleId, createdAt, model, inputTokens, outputTokens }: PendingBubble): UsageEvent | string {
		const composer = this.composers.get(composerId);
		const timestamp = epochMs(createdAt) ?? composer?.fallbackTime;
		if (timestamp === undefined) return 'no createdAt on the bubble or its conversation';
		return {
			source: 'cursor',
			key: `cursor:${bubbleId}`,
			messageId: '',
			timestamp,
			model: model || (composer?.model ?? ''),
			sessionId: composerId,
			project: '',
			branch: '',
			sidechain: false,
			hasSpeed: false,
			estimated: true,
			file: this.file,
			reportedCostUSD: null,
			reportedCredits: null,
			modelInferred: false,
			inputTokens,
			outputTokens,
			cacheWrite5mTokens: 0,
			cacheWrite1hTokens: 0,
			cacheReadTokens: 0,
			reasoningTokens: 0,
		};
	}

	private parse(json: string | null, key: string): Record<string, unknown> | undefined {
		let value: unknown;
		try {
			value = json === null ? undefined : JSON.parse(json);
		} catch {
			value = undefined;
		}
		if (isRecord(value)) return value;
		this.fail(this.position, `${key}: ${json === null ? 'value is not text' : 'invalid JSON'}`);
		return undefined;
	}

	private fail(position: number, reason: string): void {
		this.malformed++;
		if (this.issues.length < maxIssuesKept) this.issues.push({ line: position, reason });
	}
}

/** Rows in table order; `line` in issues is the row's position among the rows given. */
export function parseCursorRows(rows: Iterable<{ readonly key: string; readonly value: unknown }>, file: string): CursorRecords {
	const parser = new CursorRowParser(file);
	for (const row of rows) parser.add(row.key, row.value);
	return parser.finish();
}

/** `createdAt` is an ISO string in some builds and epoch milliseconds (or seconds) in others. */
function epochMs(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		return value < 1e11 ? value * 1000 : value;
	}
	if (typeof value === 'string' && value !== '') {
		const parsed = /^\d+$/.test(value) ? epochMs(Number(value)) : Date.parse(value);
		return parsed !== undefined && Number.isFinite(parsed) ? parsed : undefined;
	}
	return undefined;
}
