import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult } from '../lineParse';
import { textWithoutKey } from '../jsonSkim';
import { count, intern, isRecord, text, walkLines } from '../lineParse';
import type { ClaudeUsageLine } from './readClaudeUsageLine';
import { readClaudeUsageLine } from './readClaudeUsageLine';

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
	// The byte reader answers for nearly every line; the few it cannot vouch for are parsed in full.
	const fast = readClaudeUsageLine(bytes, start, end);
	const line = fast !== undefined ? fast : usageLineFromJson(bytes, start, end);
	if (line === null || typeof line === 'string') {
		return line;
	}
	return usageEvent(line, position, position.offset + start);
}

/**
 * Reads a usage line with JSON.parse: the reference meaning of a line, used for the lines the byte
 * reader leaves (and by the tests that hold the two readers to the same answers).
 */
export function usageLineFromJson(bytes: Buffer, start: number, end: number): ClaudeUsageLine | null | string {
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
	const breakdown = usage['cache_creation'];
	const splitsCacheWrites = isRecord(breakdown) && ('ephemeral_5m_input_tokens' in breakdown || 'ephemeral_1h_input_tokens' in breakdown);
	const messageId = text(message['id']);
	return {
		timestamp: Date.parse(text(record['timestamp'])),
		requestId: text(record['requestId']),
		sessionId: text(record['sessionId']),
		cwd: text(record['cwd']),
		gitBranch: text(record['gitBranch']),
		uuid: messageId === '' ? text(record['uuid']) : '',
		sidechain: record['isSidechain'] === true,
		costUSD: typeof record['costUSD'] === 'number' ? record['costUSD'] : null,
		messageId,
		model: text(message['model']),
		hasSpeed: typeof usage['speed'] === 'string',
		inputTokens: count(usage['input_tokens']),
		outputTokens: count(usage['output_tokens']),
		cacheCreationTokens: count(usage['cache_creation_input_tokens']),
		cacheReadTokens: count(usage['cache_read_input_tokens']),
		splitsCacheWrites,
		cacheWrite5mTokens: isRecord(breakdown) ? count(breakdown['ephemeral_5m_input_tokens']) : 0,
		cacheWrite1hTokens: isRecord(breakdown) ? count(breakdown['ephemeral_1h_input_tokens']) : 0,
	};
}

function usageEvent(line: ClaudeUsageLine, position: ChunkPosition, lineOffset: number): UsageEvent | null | string {
	if (line.model === '<synthetic>') {
		return null; // written by Claude Code itself (errors, interruptions): no tokens billed
	}
	if (Number.isNaN(line.timestamp)) {
		return 'usage without a valid timestamp';
	}
	return {
		source: 'claude-code',
		key: eventKey(line, position.file, lineOffset),
		messageId: line.messageId,
		timestamp: line.timestamp,
		model: intern(line.model),
		sessionId: intern(line.sessionId || sessionIdFromPath(position.file)),
		project: intern(line.cwd),
		branch: intern(line.gitBranch),
		sidechain: line.sidechain,
		hasSpeed: line.hasSpeed,
		estimated: false,
		file: position.file,
		reportedCostUSD: line.costUSD,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: line.inputTokens,
		outputTokens: line.outputTokens,
		// The 5-minute / 1-hour split when the record gives one; otherwise all writes are 5-minute ones.
		cacheWrite5mTokens: line.splitsCacheWrites ? line.cacheWrite5mTokens : line.cacheCreationTokens,
		cacheWrite1hTokens: line.splitsCacheWrites ? line.cacheWrite1hTokens : 0,
		cacheReadTokens: line.cacheReadTokens,
		reasoningTokens: 0,
	};
}

/**
 * One API response keeps its key in every file it is copied to: `message.id` with `requestId`, or the
 * message id alone. Lines without a message id are never merged with others: they are keyed by their
 * own entry uuid, or failing that by where they stand.
 */
function eventKey(line: ClaudeUsageLine, file: string, lineOffset: number): string {
	if (line.messageId !== '') {
		return `claude-code:${line.messageId}:${line.requestId}`;
	}
	return line.uuid !== '' ? `claude-code:uuid:${line.uuid}` : `claude-code:at:${file}:${lineOffset}`;
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
