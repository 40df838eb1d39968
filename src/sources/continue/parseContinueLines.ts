import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult } from '../lineParse';
import { count, isRecord, text, walkLines } from '../lineParse';

const tokensNeedle = Buffer.from('Tokens"');

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
	const walk = walkLines(bytes, position, tokensNeedle, (line) => {
		const outcome = parseRow(bytes.toString('utf8', line.start, line.end), position.file);
		if (typeof outcome === 'string') line.fail(outcome);
		else if (outcome !== null) events.push(outcome);
	});
	return { events, ...walk };
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
