import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult, LineIssue } from '../lineParse';
import { count, isRecord, looksLikeJsonObject, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';

/**
 * Gemini CLI chat recordings (reference data-sources §4). The JSONL form mixes a metadata line,
 * message records (the whole message appended again on every update), `{"$set": …}` metadata updates
 * and `{"$rewindTo": id}` markers; the legacy `.json` form is one ConversationRecord document.
 *
 * Counting rules:
 * - One request per `(sessionId, message id)`: every copy of a message gets the same key and the
 *   ledger keeps the copy with the larger token total. Gemini CLI attaches `tokens` once (a copy
 *   without tokens is written first, never after), so the larger copy is also the last one.
 * - `$rewindTo` hides messages from the conversation but their tokens were spent: ignored.
 * - `tokens.input` (promptTokenCount) includes `tokens.cached`: subtracted. `tokens.thoughts` is
 *   billed as output but is not inside `tokens.output`: added, and reported as reasoning.
 *   `tokens.tool` (toolUsePromptTokenCount) is prompt text that tools added, outside
 *   promptTokenCount (the API's total = prompt + candidates + tool-use prompt + thoughts): billed as
 *   uncached input, as ccusage does.
 */

const newline = 0x0a;
// Message records carry `"tokens"` (null until usage arrives); the metadata line carries `"sessionId"`.
const interestingNeedles = [Buffer.from('"tokens"'), Buffer.from('"sessionId"'), Buffer.from('"directories"')];

/** What the rest of a file needs from its earlier lines. JSON-serialisable. */
export interface GeminiFileState {
	readonly version: 1;
	readonly sessionId: string;
	/** True while `sessionId` is only the file-name fallback: the first metadata line replaces it. */
	readonly sessionIdFromFile: boolean;
	/** The session's first workspace directory (sub-agents record them), the project fallback. */
	readonly directory: string;
	/** The latest model a message named, for a message that names none. */
	readonly model: string;
	readonly startTime: number | null;
}

type MutableState = { -readonly [K in keyof GeminiFileState]: GeminiFileState[K] };

/** What discovery knows about a chat file: the project root from the `.project_root` marker, if any. */
export interface GeminiFileContext {
	readonly project: string;
}

export type GeminiChunkResult = ChunkResult & { readonly state: GeminiFileState };

/** Parses complete JSONL lines; a half-written last line waits for its newline. Pure. */
export function parseGeminiLines(
	bytes: Buffer,
	position: ChunkPosition,
	previousState: unknown,
	context: GeminiFileContext = { project: '' },
): GeminiChunkResult {
	const state = restoreState(previousState, position.file);
	const events: UsageEvent[] = [];
	const issues: LineIssue[] = [];
	let malformed = 0;
	let lines = 0;
	let start = 0;
	const needles = interestingNeedles.map((needle) => ({ needle, next: bytes.indexOf(needle) }));

	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) break;
		lines++;
		const lineNumber = position.line + lines;
		let interesting = false;
		for (const cursor of needles) {
			if (cursor.next !== -1 && cursor.next < start) cursor.next = bytes.indexOf(cursor.needle, start);
			if (cursor.next !== -1 && cursor.next < end) interesting = true;
		}
		let problem: string | null = null;
		if (interesting) {
			const record = parseJson(bytes.toString('utf8', start, end));
			if (typeof record === 'string') problem = record;
			else if (!isRecord(record)) problem = 'not a JSON object';
			else problem = handleRecord(record, state, context, position.file, events);
		} else if (!looksLikeJsonObject(bytes, start, end)) {
			problem = 'not a JSON object';
		}
		if (problem !== null) {
			malformed++;
			if (issues.length < maxIssuesKept) issues.push({ line: lineNumber, reason: problem });
		}
		start = end + 1;
	}
	return { events, consumed: start, lines, malformed, issues, state: { ...state } };
}

/** Parses a legacy `session-*.json` ConversationRecord, re-read whole whenever it changes. Pure. */
export function parseGeminiDocument(bytes: Buffer, file: string, context: GeminiFileContext = { project: '' }): ParsedRecords {
	const record = parseJson(bytes.toString('utf8'));
	if (typeof record === 'string') return { events: [], malformed: 1, issues: [{ line: 0, reason: record }] };
	if (!isRecord(record)) return { events: [], malformed: 0, issues: [] }; // some other JSON file: not a chat
	const state = restoreState(undefined, file);
	const events: UsageEvent[] = [];
	applyMetadata(record, state);
	let malformed = 0;
	const issues: LineIssue[] = [];
	const messages = record['messages'];
	if (Array.isArray(messages)) {
		for (const message of messages) {
			const problem = isRecord(message) ? messageEvent(message, state, context, file, events) : 'message is not an object';
			if (problem !== null) {
				malformed++;
				if (issues.length < maxIssuesKept) issues.push({ line: 0, reason: problem });
			}
		}
	}
	return { events, malformed, issues };
}

/** Dispatches one JSONL record the way Gemini CLI's own loader does; returns a problem or null. */
function handleRecord(
	record: Record<string, unknown>,
	state: MutableState,
	context: GeminiFileContext,
	file: string,
	events: UsageEvent[],
): string | null {
	if (typeof record['$rewindTo'] === 'string') return null; // spend is not refunded by a rewind
	if (typeof record['id'] === 'string') return messageEvent(record, state, context, file, events);
	const update = record['$set'];
	if (isRecord(update)) {
		applyMetadata(update, state);
		// A history sync rewrites the whole message list here: same ids, so the same keys.
		const messages = update['messages'];
		if (Array.isArray(messages)) {
			for (const message of messages) {
				if (isRecord(message)) messageEvent(message, state, context, file, events);
			}
		}
		return null;
	}
	applyMetadata(record, state);
	return null;
}

function applyMetadata(record: Record<string, unknown>, state: MutableState): void {
	const sessionId = text(record['sessionId']);
	// The file's first metadata names its session; a resume only repeats it.
	if (sessionId !== '' && state.sessionIdFromFile) {
		state.sessionId = sessionId;
		state.sessionIdFromFile = false;
	}
	const directories = record['directories'];
	if (Array.isArray(directories) && typeof directories[0] === 'string' && state.directory === '') {
		state.directory = directories[0];
	}
	if (state.startTime === null) state.startTime = parseTimestamp(record['startTime']);
}

/** Emits the message's usage if it carries any; returns a problem, or null. */
function messageEvent(
	message: Record<string, unknown>,
	state: MutableState,
	context: GeminiFileContext,
	file: string,
	events: UsageEvent[],
): string | null {
	if (message['type'] !== 'gemini') return null;
	const namedModel = text(message['model']).trim();
	if (namedModel !== '') state.model = namedModel;
	const tokens = message['tokens'];
	if (!isRecord(tokens)) return null; // usage not attached yet: a later copy carries it
	const id = text(message['id']);
	if (id === '') return 'message without an id';
	const input = count(tokens['input']);
	const cached = Math.min(count(tokens['cached']), input);
	const output = count(tokens['output']);
	const thoughts = count(tokens['thoughts']);
	const tool = count(tokens['tool']);
	if (input === 0 && output === 0 && thoughts === 0 && tool === 0) return null;
	const timestamp = parseTimestamp(message['timestamp']) ?? state.startTime;
	if (timestamp === null) return 'usage without a valid timestamp';
	const modelInferred = namedModel === '' && state.model !== '';
	events.push({
		source: 'gemini-cli',
		key: `gemini-cli:${state.sessionId}:${id}`,
		messageId: '',
		timestamp,
		model: namedModel || state.model,
		sessionId: state.sessionId,
		project: context.project || state.directory,
		branch: '',
		sidechain: false,
		hasSpeed: false,
		estimated: false,
		file,
		reportedCostUSD: null,
		reportedCredits: null,
		modelInferred,
		inputTokens: input - cached + tool,
		outputTokens: output + thoughts,
		cacheWrite5mTokens: 0,
		cacheWrite1hTokens: 0,
		cacheReadTokens: cached,
		reasoningTokens: thoughts,
	});
	return null;
}

function parseJson(value: string): unknown {
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value.trimEnd().endsWith('}') ? 'invalid JSON' : 'truncated JSON';
	}
}

function parseTimestamp(value: unknown): number | null {
	if (typeof value !== 'string' || value === '') return null;
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? null : parsed;
}

/**
 * A file that lost its metadata line still needs a session: sub-agent files are named by their
 * session id; main sessions only carry its first 8 characters, so the whole name is used.
 */
export function sessionIdFromPath(file: string): string {
	const name = file.split(/[\\/]/).pop() ?? '';
	return name.replace(/\.jsonl?$/i, '');
}

function restoreState(value: unknown, file: string): MutableState {
	const fresh: MutableState = {
		version: 1,
		sessionId: sessionIdFromPath(file),
		sessionIdFromFile: true,
		directory: '',
		model: '',
		startTime: null,
	};
	if (!isRecord(value) || value['version'] !== 1) return fresh;
	const sessionId = text(value['sessionId']);
	return {
		version: 1,
		sessionId: sessionId || fresh.sessionId,
		sessionIdFromFile: sessionId === '' || value['sessionIdFromFile'] === true,
		directory: text(value['directory']),
		model: text(value['model']),
		startTime: typeof value['startTime'] === 'number' && Number.isFinite(value['startTime']) ? value['startTime'] : null,
	};
}
