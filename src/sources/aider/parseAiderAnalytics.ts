import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult } from '../lineParse';
import { count, isRecord, text, walkJsonLines } from '../lineParse';

/** Carried between chunks: the last `launched` event seen in this log, to group messages into sessions. */
export interface AiderAnalyticsState {
	readonly launchedAt: number | null;
}

const eventNeedle = Buffer.from('"event"');
const newline = 0x0a;

/**
 * Events Aider logs once per process, right after it writes the chat-history run header: they mark
 * which runs the analytics log covers (see `aiderLaunchTimes`).
 */
const launchEvents = new Set(['launched', 'cli session', 'gui session']);

/**
 * Turns Aider's `--analytics-log` JSONL into usage events. Pure: bytes in, events out.
 *
 * Each line is `{event, properties, user_id, time}` (time in epoch seconds). `message_send` carries
 * one reply's exact usage: `prompt_tokens` is what Aider shows as "sent" (the provider's prompt
 * tokens plus Anthropic-style cache writes; there is no cache breakdown), `completion_tokens` the
 * output, `cost` Aider's own price for the message.
 */
export function parseAiderAnalyticsLines(
	bytes: Buffer,
	position: ChunkPosition,
	state: unknown,
): ChunkResult & { readonly state: AiderAnalyticsState } {
	const events: UsageEvent[] = [];
	let launchedAt = readState(state).launchedAt;
	const walk = walkJsonLines(bytes, position, eventNeedle, (record, line) => {
		const name = text(record['event']);
		const time = record['time'];
		if (launchEvents.has(name)) {
			if (name === 'launched' && typeof time === 'number' && Number.isFinite(time)) launchedAt = time * 1000;
			return;
		}
		if (name !== 'message_send') return;
		const properties = record['properties'];
		if (!isRecord(properties)) {
			line.fail('message_send without properties');
			return;
		}
		if (typeof time !== 'number' || !Number.isFinite(time)) {
			line.fail('message_send without a valid time');
			return;
		}
		const promptTokens = count(numeric(properties['prompt_tokens']));
		const completionTokens = count(numeric(properties['completion_tokens']));
		const model = text(properties['main_model']);
		const userId = text(record['user_id']);
		const cost = numeric(properties['cost']);
		events.push({
			source: 'aider',
			// No request id exists; the session's running cost (full float) makes the tuple unique.
			key: `aider:analytics:${userId}:${time}:${model}:${promptTokens}:${completionTokens}:${String(properties['total_cost'])}`,
			messageId: '',
			timestamp: time * 1000,
			model,
			sessionId: launchedAt === null ? '' : `aider@${new Date(launchedAt).toISOString()}`,
			project: '',
			branch: '',
			sidechain: false,
			hasSpeed: false,
			estimated: false,
			file: position.file,
			reportedCostUSD: cost ?? null,
			reportedCredits: null,
			modelInferred: false,
			inputTokens: promptTokens,
			outputTokens: completionTokens,
			cacheWrite5mTokens: 0,
			cacheWrite1hTokens: 0,
			cacheReadTokens: 0,
			reasoningTokens: 0,
		});
	});
	return { events, ...walk, state: { launchedAt } };
}

/**
 * When each Aider run that wrote this log started (UTC ms), read from complete lines only.
 * `consumed` says how far the lines were complete, so a caller can read on from there.
 */
export function aiderLaunchTimes(bytes: Buffer): { readonly times: number[]; readonly consumed: number } {
	const times: number[] = [];
	let start = 0;
	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) break;
		const line = bytes.toString('utf8', start, end);
		start = end + 1;
		if (!line.includes('launched') && !line.includes('session"')) continue;
		try {
			const record: unknown = JSON.parse(line);
			if (isRecord(record) && launchEvents.has(text(record['event'])) && typeof record['time'] === 'number') {
				times.push(record['time'] * 1000);
			}
		} catch {
			// A damaged line is counted by the usage parser; here it just marks no run.
		}
	}
	return { times, consumed: start };
}

/** Aider stringifies non-numeric properties; a number that arrives as text is still read. */
function numeric(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
	return undefined;
}

function readState(state: unknown): AiderAnalyticsState {
	if (isRecord(state) && (typeof state['launchedAt'] === 'number' || state['launchedAt'] === null)) {
		return { launchedAt: state['launchedAt'] };
	}
	return { launchedAt: null };
}
