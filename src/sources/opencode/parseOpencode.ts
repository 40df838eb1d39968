import type { UsageEvent } from '../../core/usage/usageEvent';
import type { LineIssue } from '../lineParse';
import { count, isRecord, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';

/**
 * Turns OpenCode assistant messages into usage events. Pure: JSON in, events out.
 *
 * One event per assistant MESSAGE: its `tokens`/`cost` are the aggregate of its steps, so the
 * `step-finish` parts (stored separately, in the `part` table or `storage/part/`) are never added on
 * top. Messages are rewritten in place while they stream, and the database and the legacy JSON files
 * can hold the same message: both are keyed `opencode:<message id>`, so every copy is one request.
 */

/** What the row or the file's place says about a message whose JSON may omit it. */
export interface MessageContext {
	readonly file: string;
	readonly id?: string;
	readonly sessionId?: string;
	/** Epoch milliseconds, from the row's `time_created` column. */
	readonly timeCreated?: number;
	/** The session's working directory (the `session.directory` column). */
	readonly directory?: string;
}

/** An event, null for a message that bills nothing (user messages, no usage yet), or why it is unusable. */
export function opencodeMessageEvent(message: unknown, context: MessageContext): UsageEvent | null | string {
	if (!isRecord(message)) return 'not a JSON object';
	if (message['role'] !== 'assistant') return null;
	const tokens = message['tokens'];
	if (!isRecord(tokens)) return null; // failed before any usage arrived

	const cache = isRecord(tokens['cache']) ? tokens['cache'] : {};
	const input = count(tokens['input']);
	const output = count(tokens['output']);
	const reasoning = count(tokens['reasoning']);
	const cacheRead = count(cache['read']);
	const cacheWrite = count(cache['write']);
	const total = count(tokens['total']);

	let inputTokens = input;
	let outputTokens = outputWithReasoning(output, reasoning, input + cacheRead + cacheWrite, total);
	let estimated = false;
	if (input + output + reasoning + cacheRead + cacheWrite === 0) {
		if (total === 0) return null; // still streaming, or aborted before usage: nothing billed yet
		// Only a total, no split: counted as input (the cheapest plain bucket) and flagged as not exact.
		inputTokens = total;
		outputTokens = 0;
		estimated = true;
	}

	const id = text(message['id']) || (context.id ?? '');
	if (id === '') return 'assistant message without an id';
	const time = isRecord(message['time']) ? message['time'] : {};
	const created = time['created'];
	const timestamp = typeof created === 'number' && Number.isFinite(created) && created > 0 ? created : context.timeCreated;
	if (timestamp === undefined) return `message ${id}: no valid time.created`;
	const paths = isRecord(message['path']) ? message['path'] : {};
	const cost = message['cost'];

	return {
		source: 'opencode',
		key: `opencode:${id}`,
		messageId: '',
		timestamp,
		model: text(message['modelID']),
		sessionId: text(message['sessionID']) || (context.sessionId ?? ''),
		project: text(paths['cwd']) || text(paths['root']) || (context.directory ?? ''),
		branch: '',
		sidechain: false,
		hasSpeed: false,
		estimated,
		file: context.file,
		// OpenCode prices with models.dev; 0 means subscription, OAuth or free, i.e. "price it yourself".
		reportedCostUSD: typeof cost === 'number' && Number.isFinite(cost) && cost > 0 ? cost : null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens,
		outputTokens,
		cacheWrite5mTokens: cacheWrite,
		cacheWrite1hTokens: 0,
		cacheReadTokens: cacheRead,
		reasoningTokens: Math.min(reasoning, outputTokens),
	};
}

/**
 * Our `outputTokens` include reasoning. Current OpenCode stores `output` WITHOUT reasoning
 * (`output: outputTokens - reasoningTokens`, and it charges `reasoning` at the output price on top);
 * older builds stored the SDK's `outputTokens`, which for some providers already included reasoning.
 * When `total` is written it tells the two apart: a total that balances without `reasoning` means
 * `output` already holds it. Otherwise the current convention applies.
 */
function outputWithReasoning(output: number, reasoning: number, allInput: number, total: number): number {
	if (reasoning > 0 && total > 0 && total === allInput + output) return output;
	return output + reasoning;
}

/** A legacy `storage/message/<session>/<message>.json` file: one message. */
export function parseOpencodeMessageFile(bytes: Buffer, file: string): ParsedRecords {
	let message: unknown;
	try {
		message = JSON.parse(bytes.toString('utf8'));
	} catch {
		return { events: [], malformed: 1, issues: [{ line: 1, reason: 'invalid JSON' }] };
	}
	const parts = file.split(/[\\/]/);
	const outcome = opencodeMessageEvent(message, {
		file,
		id: (parts[parts.length - 1] ?? '').replace(/\.json$/, ''),
		sessionId: parts[parts.length - 2] ?? '',
	});
	if (typeof outcome === 'string') return { events: [], malformed: 1, issues: [{ line: 1, reason: outcome }] };
	return { events: outcome === null ? [] : [outcome], malformed: 0, issues: [] };
}

/** One row of the `message` table, as read. */
export interface MessageRow {
	readonly id: unknown;
	readonly sessionId: unknown;
	readonly timeCreated: unknown;
	readonly data: unknown;
}

/**
 * Rows of `message(id, session_id, time_created, data)`. `directories` maps session ids to the
 * session's working directory, used when a message has no `path`. Issues carry the row's position.
 */
export function parseOpencodeRows(rows: readonly MessageRow[], directories: ReadonlyMap<string, string>, file: string): ParsedRecords {
	const events: UsageEvent[] = [];
	const issues: LineIssue[] = [];
	let malformed = 0;
	rows.forEach((row, index) => {
		const id = typeof row.id === 'string' ? row.id : '';
		const sessionId = typeof row.sessionId === 'string' ? row.sessionId : '';
		const data = row.data instanceof Uint8Array ? Buffer.from(row.data).toString('utf8') : row.data;
		let outcome: UsageEvent | null | string;
		if (typeof data !== 'string') {
			outcome = 'data is not JSON text';
		} else if (!data.includes('"assistant"')) {
			outcome = null; // user messages: skip the parse
		} else {
			let message: unknown;
			try {
				message = JSON.parse(data);
			} catch {
				message = undefined;
			}
			const directory = directories.get(sessionId);
			outcome =
				message === undefined
					? 'invalid JSON in data'
					: opencodeMessageEvent(message, {
							file,
							id,
							sessionId,
							...(typeof row.timeCreated === 'number' && row.timeCreated > 0 ? { timeCreated: row.timeCreated } : {}),
							...(directory === undefined ? {} : { directory }),
						});
		}
		if (typeof outcome === 'string') {
			malformed++;
			if (issues.length < maxIssuesKept) issues.push({ line: index + 1, reason: id === '' ? outcome : `${id}: ${outcome}` });
		} else if (outcome !== null) {
			events.push(outcome);
		}
	});
	return { events, malformed, issues };
}
