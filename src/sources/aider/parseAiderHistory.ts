import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult, LineIssue } from '../lineParse';
import { isRecord, maxIssuesKept } from '../lineParse';
import type { WallTime } from './localTime';
import { wallTimeToUtc } from './localTime';

/** Carried between chunks: the run the next lines belong to. JSON-serialisable. */
export interface AiderHistoryState {
	/** The header's own text (`2026-05-02 11:14:03`), '' before the first header. */
	readonly runHeader: string;
	/** The UTC instants the header's local time may stand for (two in a repeated hour). */
	readonly runStarts: readonly number[];
	readonly model: string;
}

export interface AiderHistoryOptions {
	/** IANA zone the history was written in: Aider writes local time with no zone. */
	readonly timeZone: string;
	/**
	 * True when the analytics log has the exact numbers of the run that started at one of these
	 * instants: its usage lines are then left to the analytics log. Asked at every usage line, not at
	 * the header, because Aider logs its `launched` event only after it has written the header.
	 */
	readonly coveredByAnalytics?: (runStarts: readonly number[]) => boolean;
}

const newline = 0x0a;
const emptyState: AiderHistoryState = { runHeader: '', runStarts: [], model: '' };

const headerPattern = /^# aider chat started at ((\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}))\s*$/i;
const modelPattern = /^> (?:Main model|Model): (\S+)/;
const amount = '(\\d+(?:\\.\\d+)?k?)';
const costPart = 'Cost: \\$(\\d+(?:\\.\\d+)?) message, \\$(\\d+(?:\\.\\d+)?) session\\.';
const usagePattern = new RegExp(
	`^> Tokens: ${amount} sent(?:, ${amount} cache write)?(?:, ${amount} cache hit)?, ${amount} received\\.(?: ${costPart})?\\s*$`,
);
/** When a reply has both cache writes and hits, Aider puts its cost on the next line, unquoted. */
const costLinePattern = new RegExp(`^(?:> )?${costPart}\\s*$`);

/**
 * Turns `.aider.chat.history.md` text into usage events. Pure: bytes in, events out.
 *
 * Aider prints one `> Tokens: …` line per model reply, with numbers rounded for display (`8.4k`),
 * so every event is `estimated`. Lines are keyed by (file, run header, line number): the file is
 * only ever appended to, so a line keeps its number. "sent" is split into uncached input, cache
 * writes and hits following the LiteLLM version that wrote it (see `splitSent`).
 */
export function parseAiderHistoryLines(
	bytes: Buffer,
	position: ChunkPosition,
	state: unknown,
	options: AiderHistoryOptions,
): ChunkResult & { readonly state: AiderHistoryState } {
	const events: UsageEvent[] = [];
	const issues: LineIssue[] = [];
	let malformed = 0;
	let lines = 0;
	let start = 0;
	let run = readState(state);

	const fail = (lineNumber: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line: lineNumber, reason });
	};

	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) break; // partial last line: wait for its newline
		const first = bytes[start];
		// Only headers (`#`) and tool output (`>`) matter; prose is skipped without decoding it.
		if (first !== 0x23 && first !== 0x3e) {
			lines++;
			start = end + 1;
			continue;
		}
		const line = lineText(bytes, start, end);
		const lineNumber = position.line + lines + 1;

		const header = headerPattern.exec(line);
		if (header !== null) {
			const wall: WallTime = {
				year: Number(header[2]),
				month: Number(header[3]),
				day: Number(header[4]),
				hour: Number(header[5]),
				minute: Number(header[6]),
				second: Number(header[7]),
			};
			run = { runHeader: header[1]!, runStarts: wallTimeToUtc(wall, options.timeZone), model: '' };
			lines++;
			start = end + 1;
			continue;
		}
		const model = modelPattern.exec(line);
		if (model !== null) {
			run = { ...run, model: model[1]! };
			lines++;
			start = end + 1;
			continue;
		}
		if (!line.startsWith('> Tokens:')) {
			lines++;
			start = end + 1;
			continue;
		}

		const usage = usagePattern.exec(line);
		if (usage === null) {
			fail(lineNumber, 'unrecognised usage line');
			lines++;
			start = end + 1;
			continue;
		}
		let messageCost = usage[5];
		let consumedEnd = end;
		if (messageCost === undefined && usage[2] !== undefined && usage[3] !== undefined) {
			const nextEnd = bytes.indexOf(newline, end + 1);
			if (nextEnd === -1) {
				// The cost line is written with this one; hold the usage back until it is complete.
				break;
			}
			const cost = costLinePattern.exec(lineText(bytes, end + 1, nextEnd));
			if (cost !== null) {
				messageCost = cost[1];
				consumedEnd = nextEnd;
			}
		}
		const linesUsed = consumedEnd === end ? 1 : 2;
		lines += linesUsed;
		start = consumedEnd + 1;

		const runStart = run.runStarts[0];
		if (runStart === undefined) {
			fail(lineNumber, 'usage line before any "aider chat started" header');
			continue;
		}
		if (options.coveredByAnalytics?.(run.runStarts) === true) continue;

		const split = splitSent(parseAmount(usage[1]!), parseAmount(usage[2]), parseAmount(usage[3]));
		events.push({
			source: 'aider',
			key: `aider:history:${position.file}:${run.runHeader}:${lineNumber}`,
			messageId: '',
			timestamp: runStart,
			model: run.model,
			sessionId: run.runHeader,
			project: directoryOf(position.file),
			branch: '',
			sidechain: false,
			hasSpeed: false,
			estimated: true,
			file: position.file,
			reportedCostUSD: messageCost === undefined ? null : Number(messageCost),
			reportedCredits: null,
			modelInferred: false,
			inputTokens: split.input,
			outputTokens: parseAmount(usage[4]),
			cacheWrite5mTokens: split.cacheWrite,
			cacheWrite1hTokens: 0,
			cacheReadTokens: split.cacheRead,
			reasoningTokens: 0,
		});
	}
	return { events, consumed: start, lines, malformed, issues, state: run };
}

/**
 * "sent" is LiteLLM's `prompt_tokens` plus the cache writes (when the reply has Anthropic-style
 * cache fields). Whether `prompt_tokens` already holds the cache hits depends on the LiteLLM version
 * Aider ran with: older ones left them out, newer ones add them. When "sent" is smaller than writes
 * plus hits the hits cannot be inside it; otherwise they are taken to be, so that a cache-heavy
 * reply is not counted twice at the full input price.
 */
export function splitSent(sent: number, cacheWrite: number, cacheHit: number): { input: number; cacheWrite: number; cacheRead: number } {
	const withoutWrites = Math.max(0, sent - cacheWrite);
	const input = sent >= cacheWrite + cacheHit ? withoutWrites - cacheHit : withoutWrites;
	return { input, cacheWrite, cacheRead: cacheHit };
}

/** Aider's `format_tokens`: the integer below 1000, `8.4k` below 10,000, `12k` above. */
export function parseAmount(value: string | undefined): number {
	if (value === undefined) return 0;
	return value.endsWith('k') ? Math.round(Number(value.slice(0, -1)) * 1000) : Number(value);
}

function lineText(bytes: Buffer, start: number, end: number): string {
	const last = end > start && bytes[end - 1] === 0x0d ? end - 1 : end; // Aider can write CRLF
	return bytes.toString('utf8', start, last);
}

function directoryOf(file: string): string {
	const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
	return cut > 0 ? file.slice(0, cut) : '';
}

function readState(state: unknown): AiderHistoryState {
	if (!isRecord(state)) return emptyState;
	const runStarts = Array.isArray(state['runStarts']) ? state['runStarts'].filter((value): value is number => typeof value === 'number') : [];
	return {
		runHeader: typeof state['runHeader'] === 'string' ? state['runHeader'] : '',
		runStarts,
		model: typeof state['model'] === 'string' ? state['model'] : '',
	};
}
