import * as path from 'node:path';
import type { UsageEvent } from '../../core/usage/usageEvent';
import type { LineIssue } from '../lineParse';
import { count, isRecord, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';

interface Tokens {
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheWriteTokens: number;
	readonly cacheReadTokens: number;
	/** True when only a total was recorded and it stands in for the split. */
	readonly fromTotal: boolean;
}

/**
 * Turns one Amp thread (`threads/T-<uuid>.json`, rewritten whole) into usage events. Pure.
 *
 * Two schemas, as ccusage reads them: the older `usageLedger.events[]` (one billed call each, with
 * credits; the cache split is joined from the assistant message it points to) takes precedence over
 * the current `messages[].usage`. Amp's buckets are disjoint (Anthropic style): `inputTokens`
 * excludes the cache. Keys are `(thread id, ledger event id)` and `(thread id, messageId)`.
 */
export function parseAmpThread(bytes: Buffer, file: string): ParsedRecords {
	const issues: LineIssue[] = [];
	let malformed = 0;
	const fail = (line: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line, reason });
	};

	let source = bytes.toString('utf8');
	if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
	let document: unknown;
	try {
		document = JSON.parse(source);
	} catch {
		fail(0, source.trimEnd().endsWith('}') ? 'invalid JSON' : 'truncated JSON');
		return { events: [], malformed, issues };
	}
	if (!isRecord(document)) {
		fail(0, 'not a JSON object');
		return { events: [], malformed, issues };
	}

	const threadId = text(document['id']) || path.basename(file).replace(/\.json$/, '');
	const messages = Array.isArray(document['messages']) ? document['messages'] : [];
	const ledger = document['usageLedger'];
	const ledgerEvents = isRecord(ledger) && Array.isArray(ledger['events']) ? ledger['events'] : undefined;
	const events: UsageEvent[] = [];

	const event = (key: string, timestamp: number, model: string, tokens: Tokens, credits: unknown): UsageEvent => ({
		source: 'amp',
		key,
		messageId: '',
		timestamp,
		model,
		sessionId: threadId,
		project: '',
		branch: '',
		sidechain: false,
		hasSpeed: false,
		estimated: tokens.fromTotal,
		file,
		reportedCostUSD: null,
		reportedCredits: typeof credits === 'number' && Number.isFinite(credits) ? credits : null,
		modelInferred: false,
		inputTokens: tokens.inputTokens,
		outputTokens: tokens.outputTokens,
		cacheWrite5mTokens: tokens.cacheWriteTokens,
		cacheWrite1hTokens: 0,
		cacheReadTokens: tokens.cacheReadTokens,
		reasoningTokens: 0,
	});

	if (ledgerEvents !== undefined) {
		const cacheByMessage = cacheSplitByMessageId(messages);
		ledgerEvents.forEach((entry: unknown, index) => {
			const position = index + 1;
			if (!isRecord(entry)) {
				fail(position, 'ledger event is not an object');
				return;
			}
			const timestamp = Date.parse(text(entry['timestamp']));
			if (Number.isNaN(timestamp)) {
				fail(position, 'ledger event without a valid timestamp');
				return;
			}
			const recorded = isRecord(entry['tokens']) ? entry['tokens'] : {};
			const cache = cacheByMessage.get(messageIdText(entry['toMessageId'])) ?? { write: 0, read: 0 };
			const tokens = split(count(recorded['input']), count(recorded['output']), cache.write, cache.read, count(recorded['total']));
			if (tokens === undefined) return;
			const id = text(entry['id']) || `#${index}`;
			events.push(event(`amp:${threadId}:event:${id}`, timestamp, text(entry['model']), tokens, entry['credits']));
		});
		return { events, malformed, issues };
	}

	messages.forEach((message: unknown, index) => {
		const position = index + 1;
		if (!isRecord(message)) {
			fail(position, 'message is not an object');
			return;
		}
		const usage = message['usage'];
		if (message['role'] !== 'assistant' || !isRecord(usage)) return;
		const timestamp = Date.parse(text(usage['timestamp']) || text(message['timestamp']));
		if (Number.isNaN(timestamp)) {
			fail(position, 'usage without a valid timestamp');
			return;
		}
		const tokens = split(
			count(usage['inputTokens']),
			count(usage['outputTokens']),
			count(usage['cacheCreationInputTokens']),
			count(usage['cacheReadInputTokens']),
			count(usage['totalTokens']),
		);
		if (tokens === undefined) return;
		const id = messageIdText(message['messageId']) || `#${index}`;
		const model = text(usage['model']) || text(message['model']);
		events.push(event(`amp:${threadId}:message:${id}`, timestamp, model, tokens, usage['credits']));
	});
	return { events, malformed, issues };
}

/**
 * The token split, or undefined when nothing was billed. A record with only a total (ccusage's
 * fallback) counts the total as output and is flagged as an estimate: the split is unknown.
 */
function split(input: number, output: number, cacheWrite: number, cacheRead: number, total: number): Tokens | undefined {
	if (input + output + cacheWrite + cacheRead > 0) {
		return { inputTokens: input, outputTokens: output, cacheWriteTokens: cacheWrite, cacheReadTokens: cacheRead, fromTotal: false };
	}
	if (total > 0) {
		return { inputTokens: 0, outputTokens: total, cacheWriteTokens: 0, cacheReadTokens: 0, fromTotal: true };
	}
	return undefined;
}

function cacheSplitByMessageId(messages: readonly unknown[]): Map<string, { write: number; read: number }> {
	const byId = new Map<string, { write: number; read: number }>();
	for (const message of messages) {
		if (!isRecord(message) || message['role'] !== 'assistant') continue;
		const id = messageIdText(message['messageId']);
		const usage = message['usage'];
		if (id === '' || !isRecord(usage)) continue;
		byId.set(id, { write: count(usage['cacheCreationInputTokens']), read: count(usage['cacheReadInputTokens']) });
	}
	return byId;
}

/** `messageId` is an integer in Amp's files; a string is accepted as well. */
function messageIdText(value: unknown): string {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return text(value);
}
