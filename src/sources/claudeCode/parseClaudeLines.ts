import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult } from '../lineParse';
import { textWithoutKey } from '../jsonSkim';
import { count, intern, isRecord, text, walkLines } from '../lineParse';

const usageNeedle = Buffer.from('"usage"');

/**
 * Turns Claude Code transcript bytes into usage events. Pure: bytes in, events out.
 *
 * Only lines that contain a `"usage"` key are parsed in full (about a quarter of the bytes); the rest
 * get a structural check so that damaged lines are still counted. A line is consumed only once its
 * newline has arrived, so a half-written last line is read on a later pass.
 */
export function parseClaudeLines(bytes: Buffer, position: ChunkPosition): ChunkResult {
	const events: UsageEvent[] = [];
	const walk = walkLines(bytes, position, usageNeedle, (line) => {
		const outcome = parseUsageLine(bytes, line.start, line.end, position);
		if (typeof outcome === 'string') line.fail(outcome);
		else if (outcome !== null) events.push(outcome);
	});
	return { events, ...walk };
}

/** An event, null for a line that carries no billable usage, or the reason the line is malformed. */
function parseUsageLine(bytes: Buffer, start: number, end: number, position: ChunkPosition): UsageEvent | null | string {
	const lineOffset = position.offset + start;
	let record: unknown;
	try {
		// The message content (text, thinking, tool input) is most of the line and none of the usage:
		// it is cut out before decoding, and JSON.parse sees only the rest.
		record = JSON.parse(textWithoutKey(bytes, start, end, 'content') ?? bytes.toString('utf8', start, end));
	} catch {
		return looksTruncated(bytes.toString('utf8', start, end)) ? 'truncated JSON' : 'invalid JSON';
	}
	if (!isRecord(record)) {
		return 'not a JSON object';
	}
	const message = record['message'];
	if (!isRecord(message) || !isRecord(message['usage'])) {
		return null; // "usage" appeared elsewhere, e.g. in a tool result
	}
	const usage = message['usage'];
	const model = text(message['model']);
	if (model === '<synthetic>') {
		return null; // written by Claude Code itself (errors, interruptions): no tokens billed
	}
	const timestamp = Date.parse(text(record['timestamp']));
	if (Number.isNaN(timestamp)) {
		return 'usage without a valid timestamp';
	}

	const messageId = text(message['id']);
	const requestId = text(record['requestId']);
	const breakdown = usage['cache_creation'];
	let cacheWrite5mTokens: number;
	let cacheWrite1hTokens: number;
	if (isRecord(breakdown) && ('ephemeral_5m_input_tokens' in breakdown || 'ephemeral_1h_input_tokens' in breakdown)) {
		cacheWrite5mTokens = count(breakdown['ephemeral_5m_input_tokens']);
		cacheWrite1hTokens = count(breakdown['ephemeral_1h_input_tokens']);
	} else {
		cacheWrite5mTokens = count(usage['cache_creation_input_tokens']);
		cacheWrite1hTokens = 0;
	}

	return {
		source: 'claude-code',
		key: eventKey(messageId, requestId, record, position.file, lineOffset),
		messageId,
		timestamp,
		model: intern(model),
		sessionId: intern(text(record['sessionId']) || sessionIdFromPath(position.file)),
		project: intern(text(record['cwd'])),
		branch: intern(text(record['gitBranch'])),
		sidechain: record['isSidechain'] === true,
		hasSpeed: typeof usage['speed'] === 'string',
		estimated: false,
		file: position.file,
		reportedCostUSD: typeof record['costUSD'] === 'number' ? record['costUSD'] : null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: count(usage['input_tokens']),
		outputTokens: count(usage['output_tokens']),
		cacheWrite5mTokens,
		cacheWrite1hTokens,
		cacheReadTokens: count(usage['cache_read_input_tokens']),
		reasoningTokens: 0,
	};
}

/**
 * One API response keeps its key in every file it is copied to: `message.id` with `requestId`, or the
 * message id alone. Lines without a message id are never merged with others: they are keyed by their
 * own entry uuid, or failing that by where they stand.
 */
function eventKey(
	messageId: string,
	requestId: string,
	record: Record<string, unknown>,
	file: string,
	lineOffset: number,
): string {
	if (messageId !== '') {
		return `claude-code:${messageId}:${requestId}`;
	}
	const uuid = text(record['uuid']);
	return uuid !== '' ? `claude-code:uuid:${uuid}` : `claude-code:at:${file}:${lineOffset}`;
}

/** `<project>/<session>.jsonl`, or `<project>/<session>/subagents/agent-x.jsonl` for sub-agents. */
export function sessionIdFromPath(file: string): string {
	const parts = file.split(/[\\/]/);
	const name = parts[parts.length - 1] ?? '';
	if (parts.length >= 3 && parts[parts.length - 2] === 'subagents') {
		return parts[parts.length - 3] ?? '';
	}
	return name.replace(/\.jsonl$/, '');
}

function looksTruncated(line: string): boolean {
	return !line.trimEnd().endsWith('}');
}
