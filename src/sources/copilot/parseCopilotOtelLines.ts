import type { UsageEvent } from '../../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult } from '../lineParse';
import { count, isRecord, text, walkJsonLines } from '../lineParse';

/**
 * Carried between chunks: traces already seen with a `chat` span that reported usage. An
 * `invoke_agent` span sums its `chat` children, so it counts only for a trace that had none.
 * Spans are written as they end, children before their parent, so the children come first.
 */
export interface CopilotOtelState {
	readonly chatTraces: readonly string[];
}

/** Enough to cover the traces still open; the oldest are forgotten first. */
const rememberedTraces = 256;
const usageNeedle = Buffer.from('gen_ai.usage.');

/** A span in either shape, with its attributes flattened to plain values. */
interface SpanView {
	readonly name: string;
	readonly traceId: string;
	readonly spanId: string;
	readonly attributes: Readonly<Record<string, unknown>>;
	readonly endMs: number | null;
}

/**
 * Turns Copilot OpenTelemetry JSONL (VS Code Copilot Chat's file exporter, the Copilot CLI's
 * `COPILOT_OTEL_FILE_EXPORTER_PATH`) into usage events. Pure: bytes in, events out.
 *
 * Two line shapes are read, since the CLI's is not documented: one span per line (VS Code writes
 * the SDK span: `traceId`, `spanId`, `name`, `endTime: [seconds, nanos]`, `attributes: {…}`), and
 * OTLP-JSON batches (`resourceSpans[].scopeSpans[].spans[]` with `endTimeUnixNano` and attribute
 * lists `[{key, value: {intValue}}]`). The same file also holds log records and metrics; they repeat
 * the spans' numbers and are not counted.
 *
 * Only lines mentioning `gen_ai.usage.` are parsed in full; the rest get a structural check.
 */
export function parseCopilotOtelLines(
	bytes: Buffer,
	position: ChunkPosition,
	state: unknown,
): ChunkResult & { readonly state: CopilotOtelState } {
	const events: UsageEvent[] = [];
	const chatTraces = readState(state);
	const walk = walkJsonLines(bytes, position, usageNeedle, (record, line) => {
		const spans = spansOf(record);
		// Within a batch, take the chat spans first so that their parent sees them.
		const ordered = [...spans.filter((span) => isChat(span)), ...spans.filter((span) => !isChat(span))];
		ordered.forEach((span, index) => {
			const chat = isChat(span);
			if (!chat && !isAgent(span)) return;
			const usage = usageOf(span.attributes);
			if (usage === null) return;
			if (chat) {
				remember(chatTraces, span.traceId);
			} else if (span.traceId !== '' && chatTraces.includes(span.traceId)) {
				return; // its chat spans were counted
			}
			if (span.endMs === null) {
				line.fail('span without a valid end time');
				return;
			}
			events.push(toEvent(span, usage, chat, position.file, `${line.offset}:${index}`));
		});
	});
	return { events, ...walk, state: { chatTraces: [...chatTraces] } };
}

interface Usage {
	readonly input: number;
	readonly output: number;
	readonly cacheRead: number;
	readonly cacheWrite: number;
	readonly reasoning: number;
}

/**
 * OTel GenAI counts cache reads and writes inside `gen_ai.usage.input_tokens`; the ledger keeps
 * them apart, so both are taken out. A producer that reports them outside the input shows it by an
 * input smaller than they are: then only what fits is taken out.
 */
export function usageOf(attributes: Readonly<Record<string, unknown>>): Usage | null {
	const reported = count(numeric(attributes['gen_ai.usage.input_tokens']));
	const cacheRead = count(numeric(attributes['gen_ai.usage.cache_read.input_tokens']));
	const cacheWrite = count(
		numeric(attributes['gen_ai.usage.cache_creation.input_tokens']) ?? numeric(attributes['gen_ai.usage.cache_write.input_tokens']),
	);
	let output = count(numeric(attributes['gen_ai.usage.output_tokens']));
	const reasoning = count(numeric(attributes['gen_ai.usage.reasoning.output_tokens']) ?? numeric(attributes['gen_ai.usage.reasoning_tokens']));
	// Reasoning is part of the output; a count larger than the output can only have been kept apart.
	if (reasoning > output) output += reasoning;
	let input: number;
	if (reported >= cacheRead + cacheWrite) input = reported - cacheRead - cacheWrite;
	else if (reported >= cacheRead) input = reported - cacheRead;
	else input = reported;
	if (input + output + cacheRead + cacheWrite === 0) return null;
	return { input, output, cacheRead, cacheWrite, reasoning };
}

function toEvent(span: SpanView, usage: Usage, chat: boolean, file: string, where: string): UsageEvent {
	const attributes = span.attributes;
	const model =
		text(attributes['gen_ai.response.model']) ||
		text(attributes['gen_ai.request.model']) ||
		(chat && span.name.startsWith('chat ') ? span.name.slice(5).trim() : '');
	const sessionId =
		text(attributes['gen_ai.conversation.id']) ||
		text(attributes['copilot_chat.chat_session_id']) ||
		text(attributes['copilot_chat.session_id']) ||
		text(attributes['session.id']) ||
		span.traceId;
	return {
		source: 'copilot',
		// A span id is unique within its trace; the same span exported to two files is one request.
		key: span.spanId !== '' ? `copilot:${span.traceId}:${span.spanId}` : `copilot:at:${file}:${where}`,
		messageId: '',
		timestamp: span.endMs!,
		model,
		sessionId,
		project: '',
		branch: text(attributes['github.copilot.git.branch']) || text(attributes['copilot_chat.repo.head_branch_name']),
		sidechain: false,
		hasSpeed: false,
		estimated: false,
		file,
		reportedCostUSD: null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: usage.input,
		outputTokens: usage.output,
		cacheWrite5mTokens: usage.cacheWrite,
		cacheWrite1hTokens: 0,
		cacheReadTokens: usage.cacheRead,
		reasoningTokens: usage.reasoning,
	};
}

function isChat(span: SpanView): boolean {
	const operation = text(span.attributes['gen_ai.operation.name']);
	return operation === 'chat' || (operation === '' && span.name.startsWith('chat '));
}

function isAgent(span: SpanView): boolean {
	const operation = text(span.attributes['gen_ai.operation.name']);
	return operation === 'invoke_agent' || (operation === '' && span.name.startsWith('invoke_agent'));
}

/** The spans a line holds: itself, or every span of an OTLP-JSON batch. Log records hold none. */
function spansOf(record: Record<string, unknown>): SpanView[] {
	const resourceSpans = record['resourceSpans'];
	if (Array.isArray(resourceSpans)) {
		const spans: SpanView[] = [];
		for (const resource of resourceSpans) {
			if (!isRecord(resource) || !Array.isArray(resource['scopeSpans'])) continue;
			for (const scope of resource['scopeSpans']) {
				if (!isRecord(scope) || !Array.isArray(scope['spans'])) continue;
				for (const span of scope['spans']) {
					if (isRecord(span)) spans.push(viewOf(span));
				}
			}
		}
		return spans;
	}
	const type = text(record['type']);
	const looksLikeSpan =
		type === 'span' ||
		(type === '' && typeof record['name'] === 'string' && ('spanId' in record || 'endTime' in record || 'endTimeUnixNano' in record));
	return looksLikeSpan ? [viewOf(record)] : [];
}

function viewOf(span: Record<string, unknown>): SpanView {
	const context = isRecord(span['spanContext']) ? span['spanContext'] : isRecord(span['_spanContext']) ? span['_spanContext'] : {};
	return {
		name: text(span['name']),
		traceId: text(span['traceId']) || text(context['traceId']),
		spanId: text(span['spanId']) || text(context['spanId']),
		attributes: flattenAttributes(span['attributes']),
		endMs: timeMs(span['endTime']) ?? timeMs(span['endTimeUnixNano']) ?? timeMs(span['startTime']) ?? timeMs(span['startTimeUnixNano']),
	};
}

/** `{key: value}` as the SDK serialises, or OTLP's `[{key, value: {intValue: "12"}}]`. */
function flattenAttributes(value: unknown): Record<string, unknown> {
	if (isRecord(value)) return value;
	const flat: Record<string, unknown> = {};
	if (!Array.isArray(value)) return flat;
	for (const entry of value) {
		if (!isRecord(entry) || typeof entry['key'] !== 'string' || !isRecord(entry['value'])) continue;
		const any = entry['value'];
		flat[entry['key']] = any['stringValue'] ?? any['intValue'] ?? any['doubleValue'] ?? any['boolValue'];
	}
	return flat;
}

/**
 * A span time in UTC milliseconds: the SDK's `[seconds, nanoseconds]`, OTLP's nanoseconds (a
 * string, since they exceed a double's integers), an ISO text, or a number whose size tells its unit.
 */
export function timeMs(value: unknown): number | null {
	if (Array.isArray(value)) {
		const [seconds, nanos] = value;
		if (typeof seconds !== 'number' || typeof nanos !== 'number') return null;
		return seconds * 1000 + Math.floor(nanos / 1_000_000);
	}
	if (typeof value === 'string') {
		if (/^\d+$/.test(value)) {
			if (value.length > 6) return Number(value.slice(0, -6)); // nanoseconds: drop the last six digits
			return null;
		}
		const parsed = Date.parse(value);
		return Number.isNaN(parsed) ? null : parsed;
	}
	if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
		if (value >= 1e17) return Math.floor(value / 1e6); // nanoseconds
		if (value >= 1e14) return Math.floor(value / 1e3); // microseconds
		if (value >= 1e11) return Math.floor(value); // milliseconds
		return Math.floor(value * 1000); // seconds
	}
	return null;
}

function numeric(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
	return undefined;
}

function remember(traces: string[], traceId: string): void {
	if (traceId === '' || traces.includes(traceId)) return;
	traces.push(traceId);
	if (traces.length > rememberedTraces) traces.splice(0, traces.length - rememberedTraces);
}

function readState(state: unknown): string[] {
	if (isRecord(state) && Array.isArray(state['chatTraces'])) {
		return state['chatTraces'].filter((value): value is string => typeof value === 'string');
	}
	return [];
}
