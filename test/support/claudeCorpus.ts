import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from './seededRandom';

/**
 * A deterministic generator of Claude Code transcripts with the real line mix: user prompts, tool
 * results (the bulk of the bytes), assistant responses streamed as several lines that share one
 * message id, and the odd synthetic line. It returns the ground truth it wrote, so tests (and the
 * demo) can check totals against it.
 */
export interface CorpusOptions {
	/** Folder that plays `~/.claude` (or any CLAUDE_CONFIG_DIR). */
	readonly configDir: string;
	readonly sessions: number;
	readonly responsesPerSession: number;
	/** Sessions are spread over the days before `end` (UTC ms). */
	readonly end: number;
	readonly days: number;
	readonly seed?: number;
	/** Size range of tool results, the bulk of real transcripts' bytes (default 200–3000). */
	readonly toolResultBytes?: readonly [number, number];
	/** Share of sessions that are resumed: their file starts with a copy of the previous session's lines. */
	readonly resumedShare?: number;
	/** Every n-th tool result line is cut short (a damaged line to count and skip); 0 for none. */
	readonly truncateEvery?: number;
}

export interface GroundTruth {
	inputTokens: number;
	outputTokens: number;
	cacheCreationTokens: number;
	cacheReadTokens: number;
	requests: number;
	files: string[];
	bytes: number;
	lines: number;
	usageLines: number;
	/** Lines deliberately cut short. */
	malformedLines: number;
}

const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'];
const projects = ['/home/dev/acme-api', '/home/dev/web-shop', '/home/dev/infra'];
const branches = ['main', 'feature/rate-limit', 'fix/login', 'chore/deps'];

export function generateClaudeCorpus(options: CorpusOptions): GroundTruth {
	const random = seededRandom(options.seed ?? 42);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
	const truth: GroundTruth = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, requests: 0, files: [], bytes: 0, lines: 0, usageLines: 0, malformedLines: 0 };
	const [toolMin, toolMax] = options.toolResultBytes ?? [200, 3000];
	let previousLines: string[] = [];
	let toolResults = 0;

	for (let s = 0; s < options.sessions; s++) {
		const project = pick(projects);
		const sessionId = uuid(random);
		const branch = pick(branches);
		const dir = path.join(options.configDir, 'projects', project.replace(/[^a-zA-Z0-9]/g, '-'));
		fs.mkdirSync(dir, { recursive: true });
		const file = path.join(dir, `${sessionId}.jsonl`);
		// Sessions end before `end`, spread across the requested days.
		let time = options.end - Math.floor(random() * options.days * 86_400_000) - options.responsesPerSession * 60_000;
		time = Math.max(time, options.end - options.days * 86_400_000);
		const lines: string[] = [];
		if (previousLines.length > 0 && random() < (options.resumedShare ?? 0)) {
			// A resumed session re-contains earlier messages with the same ids: they must count once.
			lines.push(...previousLines.slice(-Math.min(previousLines.length, 40)).filter((line) => line.endsWith('}')));
		}
		const base = { isSidechain: false, userType: 'external', cwd: project, sessionId, version: '2.1.86', gitBranch: branch };
		for (let r = 0; r < options.responsesPerSession; r++) {
			time += int(5_000, 60_000);
			lines.push(JSON.stringify({ ...base, type: 'user', message: { role: 'user', content: `step ${r}: keep going` }, uuid: uuid(random), timestamp: iso(time) }));
			const model = pick(models);
			const messageId = `msg_${uuid(random).replace(/-/g, '')}`;
			const requestId = `req_${uuid(random).replace(/-/g, '')}`;
			const usage = {
				input_tokens: int(1, 40),
				cache_creation_input_tokens: int(0, 4000),
				cache_read_input_tokens: int(5_000, 60_000),
				output_tokens: int(20, 1500),
			};
			const fragments = int(1, 3);
			for (let f = 0; f < fragments; f++) {
				const last = f === fragments - 1;
				const output = last ? usage.output_tokens : Math.max(1, Math.floor((usage.output_tokens * (f + 1)) / (fragments + 1)));
				time += 400;
				lines.push(
					JSON.stringify({
						...base,
						message: {
							id: messageId,
							type: 'message',
							role: 'assistant',
							model,
							content: [{ type: 'text', text: `Working on step ${r}.` }],
							stop_reason: last ? 'end_turn' : null,
							stop_sequence: null,
							usage: {
								...usage,
								output_tokens: output,
								cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
								service_tier: 'standard',
							},
						},
						requestId,
						type: 'assistant',
						uuid: uuid(random),
						timestamp: iso(time),
					}),
				);
			}
			truth.inputTokens += usage.input_tokens;
			truth.outputTokens += usage.output_tokens;
			truth.cacheCreationTokens += usage.cache_creation_input_tokens;
			truth.cacheReadTokens += usage.cache_read_input_tokens;
			truth.requests += 1;
			// A tool result: most of a real transcript's bytes, and no usage.
			let toolLine = JSON.stringify({
				...base,
				type: 'user',
				message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${r}`, content: filler(int(toolMin, toolMax), random) }] },
				uuid: uuid(random),
				timestamp: iso(time + 100),
			});
			toolResults++;
			if (options.truncateEvery !== undefined && options.truncateEvery > 0 && toolResults % options.truncateEvery === 0) {
				toolLine = toolLine.slice(0, Math.floor(toolLine.length / 2));
				truth.malformedLines++;
			}
			lines.push(toolLine);
		}
		const text = `${lines.join('\n')}\n`;
		fs.writeFileSync(file, text);
		truth.files.push(file);
		truth.bytes += Buffer.byteLength(text);
		truth.lines += lines.length;
		truth.usageLines += lines.filter((line) => line.includes('"usage"')).length;
		previousLines = lines;
	}
	return truth;
}

/** One complete assistant line for a request, for tests that append usage as it happens. */
export function assistantLine(input: { messageId: string; timestamp: number; inputTokens: number; outputTokens: number; sessionId?: string; model?: string }): string {
	return `${JSON.stringify({
		isSidechain: false,
		type: 'assistant',
		cwd: '/home/dev/acme-api',
		sessionId: input.sessionId ?? 'live-session',
		gitBranch: 'main',
		requestId: `req_${input.messageId}`,
		uuid: `uuid-${input.messageId}`,
		timestamp: iso(input.timestamp),
		message: {
			id: input.messageId,
			type: 'message',
			role: 'assistant',
			model: input.model ?? 'claude-sonnet-4-5-20250929',
			content: [{ type: 'text', text: 'done' }],
			usage: { input_tokens: input.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: input.outputTokens },
		},
	})}\n`;
}

const words = ['const', 'return', 'function', 'import', 'export', 'value', 'result', 'error', 'await', 'if', '{', '}', '(', ')', ';', '=>', 'src/limits.ts', '\n'];

/** Text that looks like code output, so the bytes are not one repeated character. */
function filler(length: number, random: () => number): string {
	const parts: string[] = [];
	let size = 0;
	while (size < length) {
		const word = words[Math.floor(random() * words.length)]!;
		parts.push(word);
		size += word.length + 1;
	}
	return parts.join(' ').slice(0, length);
}

function iso(ms: number): string {
	return new Date(ms).toISOString();
}

function uuid(random: () => number): string {
	const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
	return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}
