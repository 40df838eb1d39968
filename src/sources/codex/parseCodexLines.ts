import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult, LineIssue } from '../lineParse';
import { count, isRecord, looksLikeJsonObject, maxIssuesKept, text } from '../lineParse';

/**
 * Codex rollout files (reference data-sources §3): one `{timestamp, type, payload}` object per line.
 * Usage comes from `event_msg` lines whose payload is a `token_count`, carrying the thread's running
 * total (`total_token_usage`) and the last call's usage (`last_token_usage`).
 */

const newline = 0x0a;
const quote = 0x22;
// Only lines of these kinds are parsed in full; the bulk (response items) gets a structural check.
const interestingNeedles = [Buffer.from('"token_count"'), Buffer.from('"session_meta"'), Buffer.from('"turn_context"')];
const tokenCountNeedle = Buffer.from('"token_count"');
const lineHead = Buffer.from('{"timestamp":"');
const typeAfterTimestamp = Buffer.from(',"type":"');
const payloadTypeAfterType = Buffer.from(',"payload":{"type":"');
const interestingTypes = [Buffer.from('session_meta"'), Buffer.from('turn_context"')];
const eventMsgType = Buffer.from('event_msg"');
const tokenCountType = Buffer.from('token_count"');
/** Codex writes the envelope first; the kind of a line shows within its first bytes. */
const headWindow = 160;
const threadSpawnNeedle = Buffer.from('thread_spawn');

/** A line that cannot be judged yet: it is left unconsumed and read again with more data. */
const holdLine = Symbol('hold');
type LineOutcome = UsageEvent | null | string | typeof holdLine;

/** Early builds wrote no `turn_context`; ccusage assumes this model for them (reference §3.3.4). */
export const codexFallbackModel = 'gpt-5';

/** One `TokenUsage` block. `totalTokens` is kept only as evidence about cache writes, never summed. */
interface CodexUsage {
	readonly input: number;
	readonly cached: number;
	readonly output: number;
	readonly reasoning: number;
	readonly cacheWrite: number;
	readonly totalTokens: number;
}

/**
 * What one file's parse must remember between chunks. JSON-serialisable: the ledger stores it with
 * the file's cursor. Re-reading a file from its start begins again from `undefined`, and because the
 * walk is deterministic the same events and keys come out.
 */
export interface CodexFileState {
	readonly version: 1;
	/** The file's own thread id: its first `session_meta` id, else the uuid in the file name. */
	readonly sessionId: string;
	/**
	 * The thread whose running totals this file continues: the oldest ancestor named by the metadata
	 * (fork parent, spawning thread), else the file's own id. Keys are namespaced by it so that a
	 * parent's rows copied into a fork collide with the parent's own rows.
	 */
	readonly lineage: string;
	/** Whether `lineage` came from a declared parent, or an ancestor's copied metadata, rather than a guess. */
	readonly lineageDeclared: boolean;
	readonly sessionMetas: number;
	readonly project: string;
	readonly branch: string;
	/** The latest model named by a `turn_context` or a `token_count`; '' until one is seen. */
	readonly model: string;
	/** Second (epoch seconds) of the file's own `session_meta`: a fork copies history within it. */
	readonly createdSecond: number | null;
	/** Fork or sub-agent markers seen before the first usage row. */
	readonly marked: boolean;
	/** `undecided` until the first usage row; `replay` while dropping a copied burst; then `closed`. */
	readonly head: 'undecided' | 'replay' | 'closed';
	readonly replaySecond: number | null;
	/** The last real cumulative total (never an all-zero one). */
	readonly previous: CodexUsage | null;
	/** Latest valid line timestamp, for a usage line that lacks one. */
	readonly lastTimestamp: number | null;
}

type MutableState = { -readonly [K in keyof CodexFileState]: CodexFileState[K] };

export type CodexChunkResult = ChunkResult & { readonly state: CodexFileState };

/**
 * Turns Codex rollout bytes into usage events. Pure: bytes and the previous chunk's state in, events
 * and the next state out.
 *
 * Per file, each call's usage is the difference between consecutive running totals: re-emitted
 * `token_count` events (same total, new timestamp) add nothing, a total that goes down falls back to
 * that event's `last_token_usage`, and all-zero totals (the synthetic `fill_to_context_window`) are
 * ignored. Forked and sub-agent files open with a burst of the parent's rows; that burst is dropped
 * while still seeding the running total.
 */
export function parseCodexLines(bytes: Buffer, position: ChunkPosition, previousState: unknown): CodexChunkResult {
	const state = restoreState(previousState, position.file);
	const events: UsageEvent[] = [];
	const issues: LineIssue[] = [];
	let malformed = 0;
	let lines = 0;
	let start = 0;

	const fail = (lineNumber: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line: lineNumber, reason });
	};

	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) break; // partial last line: wait for its newline
		const lineNumber = position.line + lines + 1;
		if (isInteresting(bytes, start, end)) {
			const record = parseLine(bytes, start, end);
			if (typeof record === 'string') {
				fail(lineNumber, record);
			} else {
				const outcome = handleRecord(record, bytes, start, end, state, position.file);
				if (outcome === holdLine) break; // undecided replay head: read this line again with more data
				if (typeof outcome === 'string') fail(lineNumber, outcome);
				else if (outcome !== null) events.push(outcome);
			}
		} else if (!looksLikeJsonObject(bytes, start, end)) {
			fail(lineNumber, 'not a JSON object');
		}
		lines++;
		start = end + 1;
	}
	return { events, consumed: start, lines, malformed, issues, state: { ...state } };
}

/**
 * Whether a line may carry metadata or usage. Codex serialises `{"timestamp":…,"type":…,"payload":
 * {"type":…` in that order, so the head of the line tells; a line shaped otherwise is searched
 * whole. (Searching the whole chunk for each needle is slower: Buffer.indexOf restarts its linear
 * warm-up at every line that holds a frequent needle.)
 */
function isInteresting(bytes: Buffer, start: number, end: number): boolean {
	const headEnd = Math.min(end, start + headWindow);
	const typeAt = envelopeTypeAt(bytes, start, headEnd);
	if (typeAt === -1) return containsAny(bytes, start, end, interestingNeedles);
	if (interestingTypes.some((type) => startsWithAt(bytes, typeAt, headEnd, type))) return true;
	if (!startsWithAt(bytes, typeAt, headEnd, eventMsgType)) return false;
	const payloadTypeAt = typeAt + eventMsgType.length;
	if (!startsWithAt(bytes, payloadTypeAt, headEnd, payloadTypeAfterType)) return containsAny(bytes, start, end, [tokenCountNeedle]);
	return startsWithAt(bytes, payloadTypeAt + payloadTypeAfterType.length, headEnd, tokenCountType);
}

/** Where the top-level type's value starts in `{"timestamp":"…","type":"…`, or -1 for another shape. */
function envelopeTypeAt(bytes: Buffer, start: number, headEnd: number): number {
	if (!startsWithAt(bytes, start, headEnd, lineHead)) return -1;
	const timestampEnd = bytes.indexOf(quote, start + lineHead.length);
	if (timestampEnd === -1 || timestampEnd >= headEnd) return -1;
	return startsWithAt(bytes, timestampEnd + 1, headEnd, typeAfterTimestamp) ? timestampEnd + 1 + typeAfterTimestamp.length : -1;
}

/** Compared in a loop: the needles are a few bytes, and a native compare per check cost more than the check. */
function startsWithAt(bytes: Buffer, at: number, limit: number, expected: Buffer): boolean {
	if (at + expected.length > limit) return false;
	for (let i = 0; i < expected.length; i++) {
		if (bytes[at + i] !== expected[i]) return false;
	}
	return true;
}

function containsAny(bytes: Buffer, start: number, end: number, needles: readonly Buffer[]): boolean {
	const line = bytes.subarray(start, end);
	return needles.some((needle) => line.includes(needle));
}

/** A parsed line, or the reason it is malformed. */
function parseLine(bytes: Buffer, start: number, end: number): Record<string, unknown> | string {
	const line = bytes.toString('utf8', start, end);
	let record: unknown;
	try {
		record = JSON.parse(line);
	} catch {
		return line.trimEnd().endsWith('}') ? 'invalid JSON' : 'truncated JSON';
	}
	return isRecord(record) ? record : 'not a JSON object';
}

function handleRecord(
	record: Record<string, unknown>,
	bytes: Buffer,
	start: number,
	end: number,
	state: MutableState,
	file: string,
): LineOutcome {
	const timestamp = parseTimestamp(record['timestamp']);
	const payload = record['payload'];
	if (!isRecord(payload)) return null;
	switch (record['type']) {
		case 'session_meta':
			onSessionMeta(payload, timestamp, bytes.subarray(start, end).includes(threadSpawnNeedle), state);
			break;
		case 'turn_context': {
			const model = text(payload['model']).trim();
			if (model !== '') state.model = model;
			if (state.project === '') state.project = text(payload['cwd']);
			break;
		}
		case 'event_msg':
			if (payload['type'] === 'token_count') {
				const outcome = onTokenCount(payload, timestamp ?? state.lastTimestamp, bytes, end, state, file);
				if (outcome === holdLine) return outcome; // nothing of this line may be remembered yet
				if (timestamp !== null) state.lastTimestamp = timestamp;
				return outcome;
			}
			break;
		default:
			break;
	}
	if (timestamp !== null) state.lastTimestamp = timestamp;
	return null;
}

function onSessionMeta(payload: Record<string, unknown>, timestamp: number | null, mentionsThreadSpawn: boolean, state: MutableState): void {
	state.sessionMetas++;
	const id = text(payload['id']);
	const parent = text(payload['forked_from_id']) || spawningThreadId(payload);
	if (state.sessionMetas === 1) {
		if (id !== '') state.sessionId = id;
		state.project = text(payload['cwd']) || state.project;
		const git = payload['git'];
		state.branch = isRecord(git) ? text(git['branch']) : '';
		const created = timestamp ?? parseTimestamp(payload['timestamp']);
		state.createdSecond = created === null ? null : Math.floor(created / 1000);
		if (parent !== '') {
			state.lineage = parent;
			state.lineageDeclared = true;
		} else if (id !== '') {
			state.lineage = id;
		}
		if (parent !== '' || mentionsThreadSpawn) state.marked = true;
		return;
	}
	// Later metadata lines before any usage are an ancestor's, copied in with its history. Follow the
	// chain to the oldest ancestor so keys match the rows in that ancestor's own file.
	if (state.head !== 'undecided' || id === '' || id === state.sessionId) return;
	state.marked = true;
	if (!state.lineageDeclared || id === state.lineage) {
		state.lineage = parent || id;
		state.lineageDeclared = true;
	}
}

/** `source: {subagent: {thread_spawn: {parent_thread_id}}}` on a spawned sub-agent's metadata. */
function spawningThreadId(payload: Record<string, unknown>): string {
	const source = payload['source'];
	const subagent = isRecord(source) ? source['subagent'] : undefined;
	const spawn = isRecord(subagent) ? subagent['thread_spawn'] : undefined;
	return isRecord(spawn) ? text(spawn['parent_thread_id']) : '';
}

function onTokenCount(
	payload: Record<string, unknown>,
	timestamp: number | null,
	bytes: Buffer,
	lineEnd: number,
	state: MutableState,
	file: string,
): LineOutcome {
	const info = payload['info'];
	const namedModel = modelNamedIn(payload) || (isRecord(info) ? modelNamedIn(info) : '');
	if (!isRecord(info)) {
		if (namedModel !== '') state.model = namedModel;
		return null; // `info: null`: a rate-limit refresh, no usage
	}
	const total = readUsage(info['total_token_usage']);
	const last = readUsage(info['last_token_usage']);
	if (total === null && last === null) {
		if (namedModel !== '') state.model = namedModel;
		return null;
	}
	const second = timestamp === null ? null : Math.floor(timestamp / 1000);

	if (state.head === 'undecided') {
		const decision = state.marked ? decideReplay(second, bytes, lineEnd, state) : 'closed';
		if (decision === 'hold') return holdLine;
		state.head = decision;
		state.replaySecond = decision === 'replay' ? second : null;
	}
	if (namedModel !== '') state.model = namedModel;
	if (state.head === 'replay') {
		if (second !== null && second === state.replaySecond) {
			if (total !== null && !isEmpty(total)) state.previous = total;
			return null; // the parent's call, copied: counted from the parent's file
		}
		state.head = 'closed';
		state.replaySecond = null;
	}

	let usage: CodexUsage | null;
	let key: string;
	if (total !== null && !isEmpty(total)) {
		const previous = state.previous;
		if (previous === null) {
			usage = total;
		} else if (sameCounters(total, previous)) {
			return null; // re-emitted event: the total did not move
		} else if (anyBelow(total, previous)) {
			usage = last ?? total; // the counter went back (reset, resume): its own last call, or all of it
		} else {
			usage = subtract(total, previous);
		}
		state.previous = total;
		key = `codex:${state.lineage}:${counterKey(total)}`;
	} else if (last !== null) {
		// No usable running total: the call's own usage, keyed by when it happened.
		usage = last;
		if (timestamp === null) return 'usage without a valid timestamp';
		key = `codex:${state.lineage}:last:${timestamp}:${counterKey(last)}`;
	} else {
		return null;
	}
	if (usage.input === 0 && usage.cached === 0 && usage.output === 0 && usage.reasoning === 0) return null;
	if (timestamp === null) return 'usage without a valid timestamp';
	return toEvent(usage, key, timestamp, state, file);
}

/**
 * Whether the first usage row of a fork or sub-agent file opens a copied burst. As in ccusage, the
 * burst is the rows sharing the first row's second, and needs a second row in that second. A row
 * written more than a second after the file was created is the thread's own work. Otherwise the
 * following lines decide; until one is written the row waits (`hold`), which also makes the outcome
 * the same however the file is cut into chunks.
 */
function decideReplay(second: number | null, bytes: Buffer, lineEnd: number, state: MutableState): 'replay' | 'closed' | 'hold' {
	if (second === null) return 'closed';
	if (state.createdSecond !== null && second - state.createdSecond > 1) return 'closed';
	const continues = burstContinues(bytes, lineEnd + 1, second);
	if (continues === undefined) return 'hold';
	return continues ? 'replay' : 'closed';
}

/**
 * Whether the next usage row shares `second`: undefined while the chunk cannot tell yet. Any later
 * line stamped in a later second settles it too, since the next usage row can only come after it.
 */
function burstContinues(bytes: Buffer, from: number, second: number): boolean | undefined {
	let start = from;
	while (start < bytes.length) {
		const end = bytes.indexOf(newline, start);
		if (end === -1) return undefined; // only a partial line so far
		if (isInteresting(bytes, start, end)) {
			const record = parseLine(bytes, start, end);
			if (typeof record !== 'string' && record['type'] === 'event_msg') {
				const payload = record['payload'];
				const info = isRecord(payload) && payload['type'] === 'token_count' ? payload['info'] : undefined;
				if (isRecord(info) && (isRecord(info['total_token_usage']) || isRecord(info['last_token_usage']))) {
					const timestamp = parseTimestamp(record['timestamp']);
					return timestamp !== null && Math.floor(timestamp / 1000) === second;
				}
			}
		}
		const lineTimestamp = headTimestamp(bytes, start, Math.min(end, start + headWindow));
		if (lineTimestamp !== null && Math.floor(lineTimestamp / 1000) > second) return false;
		start = end + 1;
	}
	return undefined;
}

/** The envelope timestamp of a line shaped `{"timestamp":"…"`, without parsing the rest. */
function headTimestamp(bytes: Buffer, start: number, headEnd: number): number | null {
	if (!startsWithAt(bytes, start, headEnd, lineHead)) return null;
	const valueStart = start + lineHead.length;
	const valueEnd = bytes.indexOf(quote, valueStart);
	if (valueEnd === -1 || valueEnd >= headEnd) return null;
	return parseTimestamp(bytes.toString('latin1', valueStart, valueEnd));
}

function toEvent(usage: CodexUsage, key: string, timestamp: number, state: MutableState, file: string): UsageEvent {
	const cacheReadTokens = Math.min(usage.cached, usage.input);
	// `cache_write_input_tokens` is assumed to sit inside `input_tokens` like `cached_input_tokens`
	// (Codex's input is the whole prompt). Only when `total_tokens` proves the writes were counted
	// beside the input (total = input + output + writes) are they left out of the subtraction.
	const writesBeside =
		usage.cacheWrite > 0 && usage.totalTokens === usage.input + usage.output + usage.cacheWrite;
	const cacheWrite5mTokens = writesBeside ? usage.cacheWrite : Math.min(usage.cacheWrite, usage.input - cacheReadTokens);
	const inputTokens = usage.input - cacheReadTokens - (writesBeside ? 0 : cacheWrite5mTokens);
	const modelInferred = state.model === '';
	return {
		source: 'codex',
		key,
		messageId: '',
		timestamp,
		model: modelInferred ? codexFallbackModel : state.model,
		sessionId: state.sessionId,
		project: state.project,
		branch: state.branch,
		sidechain: false,
		hasSpeed: false,
		estimated: false,
		file,
		reportedCostUSD: null,
		reportedCredits: null,
		modelInferred,
		inputTokens,
		outputTokens: usage.output,
		cacheWrite5mTokens,
		cacheWrite1hTokens: 0,
		cacheReadTokens,
		reasoningTokens: Math.min(usage.reasoning, usage.output),
	};
}

function readUsage(value: unknown): CodexUsage | null {
	if (!isRecord(value)) return null;
	return {
		input: count(value['input_tokens']),
		cached: count(value['cached_input_tokens']),
		output: count(value['output_tokens']),
		reasoning: count(value['reasoning_output_tokens']),
		cacheWrite: count(value['cache_write_input_tokens']),
		totalTokens: count(value['total_tokens']),
	};
}

/** All four detailed counters zero: nothing billed, whatever `total_tokens` claims. */
function isEmpty(usage: CodexUsage): boolean {
	return usage.input === 0 && usage.cached === 0 && usage.output === 0 && usage.reasoning === 0 && usage.cacheWrite === 0;
}

function sameCounters(a: CodexUsage, b: CodexUsage): boolean {
	return a.input === b.input && a.cached === b.cached && a.output === b.output && a.reasoning === b.reasoning && a.cacheWrite === b.cacheWrite;
}

function anyBelow(current: CodexUsage, previous: CodexUsage): boolean {
	return (
		current.input < previous.input ||
		current.cached < previous.cached ||
		current.output < previous.output ||
		current.reasoning < previous.reasoning ||
		current.cacheWrite < previous.cacheWrite
	);
}

function subtract(current: CodexUsage, previous: CodexUsage): CodexUsage {
	return {
		input: current.input - previous.input,
		cached: current.cached - previous.cached,
		output: current.output - previous.output,
		reasoning: current.reasoning - previous.reasoning,
		cacheWrite: current.cacheWrite - previous.cacheWrite,
		totalTokens: Math.max(0, current.totalTokens - previous.totalTokens),
	};
}

/**
 * The running total after the call identifies the call within its thread, wherever the row is
 * copied (archived folder, fork replay) and however the file is chunked. `total_tokens` is left out:
 * it is the one field the synthetic context-window fill rewrites.
 */
function counterKey(usage: CodexUsage): string {
	const base = `${usage.input}/${usage.cached}/${usage.output}/${usage.reasoning}`;
	return usage.cacheWrite > 0 ? `${base}/${usage.cacheWrite}` : base;
}

function modelNamedIn(value: Record<string, unknown>): string {
	const metadata = value['metadata'];
	return (
		text(value['model']).trim() ||
		text(value['model_name']).trim() ||
		(isRecord(metadata) ? text(metadata['model']).trim() : '')
	);
}

function parseTimestamp(value: unknown): number | null {
	if (typeof value !== 'string' || value === '') return null;
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? null : parsed;
}

const uuidInName = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** `rollout-<local time>-<uuid>.jsonl`: the uuid is the thread id; else the bare file name. */
export function threadIdFromPath(file: string): string {
	const name = file.split(/[\\/]/).pop() ?? '';
	return uuidInName.exec(name)?.[1] ?? name.replace(/\.jsonl$/i, '');
}

function initialState(file: string): MutableState {
	const threadId = threadIdFromPath(file);
	return {
		version: 1,
		sessionId: threadId,
		lineage: threadId,
		lineageDeclared: false,
		sessionMetas: 0,
		project: '',
		branch: '',
		model: '',
		createdSecond: null,
		marked: false,
		head: 'undecided',
		replaySecond: null,
		previous: null,
		lastTimestamp: null,
	};
}

/** The carried state, checked field by field: a damaged cursor file must not break the parse. */
function restoreState(value: unknown, file: string): MutableState {
	const state = initialState(file);
	if (!isRecord(value) || value['version'] !== 1) return state;
	const str = (key: string, fallback: string): string => (typeof value[key] === 'string' ? (value[key] as string) : fallback);
	const num = (key: string): number | null => (typeof value[key] === 'number' && Number.isFinite(value[key]) ? (value[key] as number) : null);
	const head = value['head'];
	const previous = value['previous'];
	return {
		version: 1,
		sessionId: str('sessionId', state.sessionId),
		lineage: str('lineage', state.lineage),
		lineageDeclared: value['lineageDeclared'] === true,
		sessionMetas: num('sessionMetas') ?? 0,
		project: str('project', ''),
		branch: str('branch', ''),
		model: str('model', ''),
		createdSecond: num('createdSecond'),
		marked: value['marked'] === true,
		head: head === 'replay' || head === 'closed' ? head : 'undecided',
		replaySecond: num('replaySecond'),
		previous: isRecord(previous)
			? {
					input: count(previous['input']),
					cached: count(previous['cached']),
					output: count(previous['output']),
					reasoning: count(previous['reasoning']),
					cacheWrite: count(previous['cacheWrite']),
					totalTokens: count(previous['totalTokens']),
				}
			: null,
		lastTimestamp: num('lastTimestamp'),
	};
}
