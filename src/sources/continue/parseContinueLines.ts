import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult, LineIssue } from '../lineParse';
import { NeedleCursor, count, isRecord, looksLikeJsonObject, maxIssuesKept, text } from '../lineParse';

const tokensNeedle = Buffer.from('Tokens"');
const newline = 0x0a;

/**
 * Turns Continue's `dev_data/0.2.0/tokensGenerated.jsonl` into usage events. Pure: bytes in,
 * events out.
 *
 * Continue counts `promptTokens` and `generatedTokens` with its own tokenizer over the prompt and
 * completion text, not from the provider's usage, so every event is `estimated` and there is no
 * cache split. Rows carry no id: the key is (timestamp, model, promptTokens, generatedTokens).
 */
export function parseContinueLines(bytes: Buffer, position: ChunkPosition): ChunkResult {
	const events: UsageEvent[] = [];
	const issues: LineIssue[] = [];
	let malformed = 0;
	let lines = 0;
	let start = 0;
	const withTokens = new NeedleCursor(bytes, tokensNeedle);

	const fail = (lineNumber: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line: lineNumber, reason });
	};

	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) break; // partial last line: wait for its newline
		lines++;
		const lineNumber = position.line + lines;
		if (!withTokens.inLine(start, end)) {
			if (!looksLikeJsonObject(bytes, start, end)) fail(lineNumber, 'not a JSON object');
			start = end + 1;
			continue;
		}
		const outcome = parseRow(bytes.toString('utf8', start, end), position.file);
		if (typeof outcome === 'string') fail(lineNumber, outcome);
		else if (outcome !== null) events.push(outcome);
		start = end + 1;
	}
	return { events, consumed: start, lines, malformed, issues };
}

function parseRow(line: string, file: string): UsageEvent | null | string {
	let record: unknown;
	try {
		record = JSON.parse(line);
	} catch {
		return line.trimEnd().endsWith('}') ? 'invalid JSON' : 'truncated JSON';
	}
	if (!isRecord(record)) return 'not a JSON object';
	const eventName = text(record['eventName']);
	if (eventName !== '' && eventName !== 'tokensGenerated') return null;
	if (!('promptTokens' in record) && !('generatedTokens' in record)) return null;
	// `timestamp` in current schemas; some 0.2.0 builds named the base field `createdAt`.
	const when = text(record['timestamp']) || text(record['createdAt']);
	const timestamp = Date.parse(when);
	if (Number.isNaN(timestamp)) return 'row without a valid timestamp';
	const model = text(record['model']);
	const promptTokens = count(record['promptTokens']);
	const generatedTokens = count(record['generatedTokens']);
	if (promptTokens === 0 && generatedTokens === 0) return null;
	return {
		source: 'continue',
		key: `continue:${when}:${model}:${promptTokens}:${generatedTokens}`,
		messageId: '',
		timestamp,
		model,
		sessionId: '',
		project: '',
		branch: '',
		sidechain: false,
		hasSpeed: false,
		estimated: true,
		file,
		reportedCostUSD: null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: promptTokens,
		outputTokens: generatedTokens,
		cacheWrite5mTokens: 0,
		cacheWrite1hTokens: 0,
		cacheReadTokens: 0,
		reasoningTokens: 0,
	};
}
