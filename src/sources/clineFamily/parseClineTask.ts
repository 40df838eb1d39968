import type { UsageEvent } from '../../core/usage/usageEvent';
import type { LineIssue } from '../lineParse';
import { count, isRecord, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';
import type { TaskContext } from './parseTaskContext';
import { modelAt, stripBom } from './parseTaskContext';

/** The three extensions that share Cline's task format. */
export type ClineFlavor = 'cline' | 'roo-code' | 'kilo-code';

/**
 * Roo and Kilo switched `tokensIn` from the uncached remainder to the whole prompt (cache included)
 * for Anthropic-protocol requests: Roo 3.29.5 (RooCodeInc/Roo-Code#8954, released 2025-11-01) and
 * Kilo 4.119.0 (2025-11-12). OpenAI-protocol requests always recorded the provider's total.
 */
const inclusiveSince: Record<Exclude<ClineFlavor, 'cline'>, number> = {
	'roo-code': Date.UTC(2025, 10, 1),
	'kilo-code': Date.UTC(2025, 10, 12),
};

/**
 * Cline's classic metrics keep `tokensIn` disjoint from the cache, but these providers hand over
 * OpenAI's `prompt_tokens` (cache included) together with a cached count (third-party reading of
 * Cline's provider code). For them the cache is taken back out.
 */
const clineProvidersWithInclusiveInput = new Set(['openai', 'litellm', 'doubao', 'fireworks', 'hicap', 'lmstudio', 'qwen', 'xai', 'zai']);

/** What kind of billed traffic a message stands for; part of its key. */
type UsageKind = 'request' | 'deleted' | 'subagents' | 'condense';

interface ApiReqInfo {
	tokensIn: unknown;
	tokensOut: unknown;
	cacheWrites: unknown;
	cacheReads: unknown;
	cost: unknown;
	apiProtocol: unknown;
	modelId: unknown;
}

interface PendingRequest {
	readonly ts: number;
	readonly message: Record<string, unknown>;
	info: Partial<ApiReqInfo>;
}

/**
 * Turns one task's `ui_messages.json` (Cline, Roo Code or Kilo Code) into usage events. Pure.
 *
 * The file is a JSON array rewritten whole on every change; `api_req_started` rows are written as
 * placeholders and filled in place when the stream ends, so the same `ts` comes back with growing
 * numbers. Each request is keyed by `(source, taskId, ts)` and the ledger keeps its largest copy.
 * Besides requests the file carries aggregates that replace or add to them: `deleted_api_reqs`
 * (Cline) and `api_req_deleted` (Roo) sum the requests a checkpoint restore removed,
 * `subagent_usage` sums a Cline sub-agent run, and `condense_context` carries the cost of Roo's
 * summarising call.
 */
export function parseClineTask(bytes: Buffer, file: string, flavor: ClineFlavor, taskId: string, context: TaskContext): ParsedRecords {
	const issues: LineIssue[] = [];
	let malformed = 0;
	const fail = (line: number, reason: string): void => {
		malformed++;
		if (issues.length < maxIssuesKept) issues.push({ line, reason });
	};

	const source = stripBom(bytes.toString('utf8'));
	let document: unknown;
	try {
		document = JSON.parse(source);
	} catch {
		// A reader can catch the tool mid-write: the next rewrite brings the whole file.
		fail(0, source.trimEnd().endsWith(']') ? 'invalid JSON' : 'truncated JSON');
		return { events: [], malformed, issues };
	}
	if (!Array.isArray(document)) {
		fail(0, 'not a JSON array of messages');
		return { events: [], malformed, issues };
	}

	const requests: PendingRequest[] = [];
	const aggregates: { ts: number; kind: UsageKind; info: Partial<ApiReqInfo>; message: Record<string, unknown> }[] = [];
	let awaitingFinish: PendingRequest | undefined;

	document.forEach((message: unknown, index) => {
		// Messages are reported by position, counted from 1, in place of line numbers.
		const position = index + 1;
		if (!isRecord(message)) {
			fail(position, 'not a message object');
			return;
		}
		if (message['type'] !== 'say') return;
		const copied = context.writtenBack;
		if (copied !== null && index >= copied.from && index < copied.to) return;
		const say = message['say'];
		const ts = message['ts'];
		const isUsage = say === 'api_req_started' || say === 'api_req_finished' || say === 'deleted_api_reqs' || say === 'api_req_deleted' || say === 'subagent_usage' || say === 'condense_context';
		if (!isUsage) return;
		if (typeof ts !== 'number' || !Number.isFinite(ts)) {
			fail(position, `${String(say)} without a numeric ts`);
			return;
		}

		if (say === 'condense_context') {
			const condense = message['contextCondense'];
			if (message['partial'] === true || !isRecord(condense) || typeof condense['cost'] !== 'number') return;
			aggregates.push({ ts, kind: 'condense', info: { cost: condense['cost'] }, message });
			return;
		}

		const raw = text(message['text']);
		if (raw.trim() === '') return; // a placeholder written before the request went out
		const info = parseInfo(raw);
		if (info === undefined) {
			fail(position, `${say} text is not a JSON object`);
			return;
		}

		switch (say) {
			case 'api_req_started': {
				const request: PendingRequest = { ts, message, info };
				requests.push(request);
				awaitingFinish = hasUsage(info) ? undefined : request;
				return;
			}
			case 'api_req_finished': {
				// Old Cline wrote the numbers into a separate message after the request; Cline's own
				// `combineApiRequests` folds it into the `api_req_started` before it.
				if (awaitingFinish !== undefined) {
					awaitingFinish.info = { ...awaitingFinish.info, ...info };
					awaitingFinish = undefined;
				} else {
					requests.push({ ts, message, info });
				}
				return;
			}
			case 'subagent_usage':
				aggregates.push({ ts, kind: 'subagents', info, message });
				return;
			default:
				aggregates.push({ ts, kind: 'deleted', info, message });
		}
	});

	const events: UsageEvent[] = [];
	const sessionId = taskId;
	const build = (kind: UsageKind, ts: number, info: Partial<ApiReqInfo>, model: string, provider: string): UsageEvent | undefined => {
		const cacheReadTokens = count(info.cacheReads);
		const cacheWriteTokens = count(info.cacheWrites);
		const outputTokens = count(info.tokensOut);
		const inputTokens = uncachedInput(flavor, count(info.tokensIn), cacheReadTokens + cacheWriteTokens, ts, text(info.apiProtocol), provider);
		const cost = typeof info.cost === 'number' && Number.isFinite(info.cost) ? info.cost : null;
		if (inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens === 0 && !(cost !== null && cost > 0)) {
			return undefined; // nothing billed, or not filled in yet
		}
		return {
			source: flavor,
			key: kind === 'request' ? `${flavor}:${taskId}:${ts}` : `${flavor}:${taskId}:${kind}:${ts}`,
			messageId: '',
			timestamp: ts,
			model,
			sessionId,
			project: context.project,
			branch: '',
			sidechain: false,
			hasSpeed: false,
			estimated: false,
			file,
			reportedCostUSD: cost,
			reportedCredits: null,
			modelInferred: false,
			inputTokens,
			outputTokens,
			cacheWrite5mTokens: cacheWriteTokens,
			cacheWrite1hTokens: 0,
			cacheReadTokens,
			reasoningTokens: 0,
		};
	};

	requests.forEach((request, order) => {
		const nextTs = requests[order + 1]?.ts ?? Number.POSITIVE_INFINITY;
		const stamp = modelAt(context, nextTs);
		const modelInfo = isRecord(request.message['modelInfo']) ? request.message['modelInfo'] : undefined;
		const model = text(request.info.modelId) || text(modelInfo?.['modelId']) || stamp?.model || context.fallbackModel;
		const provider = text(modelInfo?.['providerId']) || stamp?.provider || '';
		const info = { apiProtocol: request.message['apiProtocol'], ...request.info };
		const event = build('request', request.ts, info, model, provider);
		if (event !== undefined) events.push(event);
	});
	for (const aggregate of aggregates) {
		// Aggregates span many requests (perhaps several models, and sub-agents may run another one):
		// priced as one request they could cross a long-context price tier none of the requests
		// reached, so they carry no model and stand on the cost the tool wrote.
		const info = { apiProtocol: aggregate.message['apiProtocol'], ...aggregate.info };
		const event = build(aggregate.kind, aggregate.ts, info, '', '');
		if (event !== undefined) events.push(event);
	}
	return { events, malformed, issues };
}

/**
 * The uncached input, from `tokensIn` as each tool and version wrote it. Cline keeps it disjoint
 * from the cache. Roo and Kilo include the cache, except Anthropic-protocol requests written before
 * the switch; a `tokensIn` smaller than the cache cannot include it, whatever the version.
 */
export function uncachedInput(flavor: ClineFlavor, tokensIn: number, cache: number, ts: number, apiProtocol: string, provider: string): number {
	if (cache === 0 || tokensIn < cache) return tokensIn;
	if (flavor === 'cline') {
		return clineProvidersWithInclusiveInput.has(provider) ? tokensIn - cache : tokensIn;
	}
	if (apiProtocol === 'anthropic' && ts < inclusiveSince[flavor]) return tokensIn;
	return tokensIn - cache;
}

function parseInfo(raw: string): Partial<ApiReqInfo> | undefined {
	try {
		const value: unknown = JSON.parse(raw);
		return isRecord(value) ? (value as Partial<ApiReqInfo>) : undefined;
	} catch {
		return undefined;
	}
}

function hasUsage(info: Partial<ApiReqInfo>): boolean {
	return info.tokensIn !== undefined || info.tokensOut !== undefined || info.cost !== undefined;
}
