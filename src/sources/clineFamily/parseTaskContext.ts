import { isRecord, text } from '../lineParse';

/**
 * Side information about a task that its `ui_messages.json` does not carry: which model served each
 * request, and the working folder. Pure parsers over the sibling files' text; the source reads them.
 */

/** A model in use from `ts` on (epoch ms; 0 when the time is unknown). */
export interface ModelStamp {
	readonly ts: number;
	readonly model: string;
	/** The provider id as the tool wrote it (`anthropic`, `openai`, `openrouter`, ...), or ''. */
	readonly provider: string;
}

/** A range of message positions, start included, end excluded. */
export interface MessageRange {
	readonly from: number;
	readonly to: number;
}

export interface TaskContext {
	/** Model stamps in time order. */
	readonly models: readonly ModelStamp[];
	/** The task-level model, used when no stamp applies. */
	readonly fallbackModel: string;
	/** The working folder the task ran in, or ''. */
	readonly project: string;
	/** Messages Cline 4.x copied back from its SDK session (counted from the session file), or null. */
	readonly writtenBack: MessageRange | null;
}

export const emptyTaskContext: TaskContext = { models: [], fallbackModel: '', project: '', writtenBack: null };

/**
 * The model for a request started at `requestTs`, when the next request started at `nextRequestTs`:
 * the last stamp written before the next request. Cline stamps `model_usage` around the start of a
 * request and Roo writes the prompt (with its `<model>` line) just after `api_req_started`, so
 * "before the next request" catches both orders.
 */
export function modelAt(context: TaskContext, nextRequestTs: number): ModelStamp | undefined {
	let chosen: ModelStamp | undefined;
	for (const stamp of context.models) {
		if (stamp.ts < nextRequestTs) chosen = stamp;
		else break;
	}
	return chosen ?? context.models[0];
}

/** Cline's `task_metadata.json`: `model_usage[]{ts, model_id, model_provider_id, mode}`. */
export function parseClineTaskMetadata(source: string): ModelStamp[] {
	const document = parseJson(source);
	if (!isRecord(document) || !Array.isArray(document['model_usage'])) return [];
	const stamps: ModelStamp[] = [];
	for (const entry of document['model_usage']) {
		if (!isRecord(entry)) continue;
		const model = text(entry['model_id']);
		if (model === '') continue;
		stamps.push({ ts: typeof entry['ts'] === 'number' ? entry['ts'] : 0, model, provider: text(entry['model_provider_id']) });
	}
	return stamps.sort((a, b) => a.ts - b.ts);
}

/** One task's entry in Cline's `state/taskHistory.json`. */
export interface ClineHistoryEntry {
	readonly model: string;
	readonly project: string;
}

/** Cline's `state/taskHistory.json`: `HistoryItem[]` with `id`, `modelId`, `cwdOnTaskInitialization`. */
export function parseClineTaskHistory(source: string): Map<string, ClineHistoryEntry> {
	const entries = new Map<string, ClineHistoryEntry>();
	const document = parseJson(source);
	if (!Array.isArray(document)) return entries;
	for (const item of document) {
		if (!isRecord(item)) continue;
		const id = text(item['id']);
		if (id === '') continue;
		entries.set(id, { model: text(item['modelId']), project: text(item['cwdOnTaskInitialization']) });
	}
	return entries;
}

/**
 * Cline 4.x resumes a pre-SDK task in an SDK session and copies each new turn back into the task's
 * `ui_messages.json` after the original messages, recording in `sdk_writeback.json` where the copy
 * starts (`baseUiMessageCount`) and ends (`writtenUiMessageCount`). Those turns are counted from the
 * session file; anything after the copy was written by the classic build again and counts here.
 */
export function parseClineWriteback(source: string): MessageRange | null {
	const document = parseJson(source);
	if (!isRecord(document)) return null;
	const from = document['baseUiMessageCount'];
	const to = document['writtenUiMessageCount'];
	if (typeof from !== 'number' || typeof to !== 'number' || !(from >= 0) || !(to > from)) return null;
	return { from, to };
}

/** Roo's and Kilo's per-task `history_item.json`: the working folder is `workspace`. */
export function parseRooHistoryItem(source: string): string {
	const document = parseJson(source);
	return isRecord(document) ? text(document['workspace']) : '';
}

/**
 * Roo and Kilo write no model into their UI messages, but every prompt's environment details
 * carry one: `# Current Mode` … `<model>id</model>`, in a user message of
 * `api_conversation_history.json` stamped with `ts`. A quick scan settles the common case (one model
 * for the whole task) without parsing a file that can run to megabytes.
 */
export function parseRooModelStamps(source: string): ModelStamp[] {
	const quick = [...source.matchAll(modelLineInJson)].map((match) => unescapeJsonText(match[1] ?? ''));
	const distinct = new Set(quick.filter((model) => model !== ''));
	if (distinct.size === 0) return [];
	if (distinct.size === 1) return [{ ts: 0, model: [...distinct][0]!, provider: '' }];

	const document = parseJson(source);
	if (!Array.isArray(document)) return [];
	const stamps: ModelStamp[] = [];
	for (const message of document) {
		if (!isRecord(message) || message['role'] !== 'user' || typeof message['ts'] !== 'number') continue;
		let model = '';
		for (const block of textBlocks(message['content'])) {
			for (const match of block.matchAll(modelLine)) model = match[1]?.trim() ?? model;
		}
		if (model !== '') stamps.push({ ts: message['ts'], model, provider: '' });
	}
	return stamps.sort((a, b) => a.ts - b.ts);
}

// The `<model>` line follows `<slug>` and `<name>` under `# Current Mode`; anchoring on them keeps a
// `<model>` tag in some file the assistant read from passing for the task's model.
const modelLine = /# Current Mode\s*\n<slug>[^<\n]*<\/slug>\s*\n<name>[^<\n]*<\/name>\s*\n<model>([^<\n]{1,200})<\/model>/g;
// The same inside the raw JSON text, where the newlines are written as `\n`.
const modelLineInJson = /# Current Mode(?:\\n|\s)*<slug>[^<]*<\/slug>(?:\\n|\s)*<name>[^<]*<\/name>(?:\\n|\s)*<model>([^<]{1,200})<\/model>/g;

function textBlocks(content: unknown): string[] {
	if (typeof content === 'string') return [content];
	if (!Array.isArray(content)) return [];
	return content.filter(isRecord).map((block) => text(block['text']));
}

function unescapeJsonText(escaped: string): string {
	try {
		return (JSON.parse(`"${escaped}"`) as string).trim();
	} catch {
		return escaped.trim();
	}
}

function parseJson(source: string): unknown {
	try {
		return JSON.parse(stripBom(source));
	} catch {
		return undefined;
	}
}

export function stripBom(source: string): string {
	return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}
