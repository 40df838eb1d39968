import * as path from 'node:path';
import type { UsageEvent } from '../../core/usage/usageEvent';
import type { LineIssue } from '../lineParse';
import { count, isRecord, maxIssuesKept, text } from '../lineParse';
import type { ParsedRecords } from '../logSource';
import { stripBom } from './parseTaskContext';

/** What a session's manifest (`<sessionId>.json`) adds: the model and working folder. */
export interface SessionManifest {
	readonly model: string;
	readonly project: string;
}

export const emptyManifest: SessionManifest = { model: '', project: '' };

export function parseSessionManifest(source: string): SessionManifest {
	try {
		const document: unknown = JSON.parse(stripBom(source));
		if (!isRecord(document)) return emptyManifest;
		return { model: text(document['model']) || text(document['modelId']), project: text(document['cwd']) };
	} catch {
		return emptyManifest;
	}
}

/**
 * Turns a Cline SDK session file (`sessions/<sessionId>/<stem>.messages.json`, Cline 4.1 and later)
 * into usage events. Pure.
 *
 * The SDK persists the conversation whole on every change; each assistant message that called the
 * model carries that call's `metrics`, whose `inputTokens` includes cache reads and writes (Cline's
 * own translator subtracts them, and so does this). A stem other than the folder's session id is a
 * sub-agent of that session, with its own calls.
 */
export function parseClineSession(bytes: Buffer, file: string, manifest: SessionManifest): ParsedRecords {
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
		fail(0, source.trimEnd().endsWith('}') || source.trimEnd().endsWith(']') ? 'invalid JSON' : 'truncated JSON');
		return { events: [], malformed, issues };
	}
	const messages = Array.isArray(document) ? document : isRecord(document) ? document['messages'] : undefined;
	if (!Array.isArray(messages)) {
		fail(0, 'no messages array');
		return { events: [], malformed, issues };
	}

	const sessionId = path.basename(path.dirname(file));
	const stem = path.basename(file).replace(/\.messages\.json$/, '');
	const agent = stem === sessionId ? 'main' : stem;
	const events: UsageEvent[] = [];
	const resumedAfter = legacyResumeBoundary(messages);
	messages.forEach((message: unknown, index) => {
		const position = index + 1;
		if (!isRecord(message)) {
			fail(position, 'not a message object');
			return;
		}
		if (index <= resumedAfter) return;
		const metrics = message['metrics'];
		if (message['role'] !== 'assistant' || !isRecord(metrics)) return;
		const metadata = message['metadata'];
		if (isRecord(metadata) && metadata['displayOnly'] === true) return; // an error banner, not a call
		const ts = message['ts'];
		if (typeof ts !== 'number' || !Number.isFinite(ts)) {
			fail(position, 'assistant metrics without a numeric ts');
			return;
		}
		const cacheReadTokens = count(metrics['cacheReadTokens']);
		const cacheWriteTokens = count(metrics['cacheWriteTokens']);
		const inputTokens = Math.max(0, count(metrics['inputTokens']) - cacheReadTokens - cacheWriteTokens);
		const outputTokens = count(metrics['outputTokens']);
		const cost = typeof metrics['cost'] === 'number' && Number.isFinite(metrics['cost']) ? metrics['cost'] : null;
		if (inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens === 0 && !(cost !== null && cost > 0)) return;
		const modelInfo = message['modelInfo'];
		const id = text(message['id']) || `#${index}`;
		events.push({
			source: 'cline',
			key: `cline:session:${sessionId}:${agent}:${id}`,
			messageId: '',
			timestamp: ts,
			model: (isRecord(modelInfo) ? text(modelInfo['id']) : '') || manifest.model,
			sessionId,
			project: manifest.project,
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
		});
	});
	return { events, malformed, issues };
}

/**
 * Resuming a pre-SDK task converts its classic history into SDK messages, puts the whole task's
 * totals on the last converted assistant message as `metrics`, and closes the prefix with a fixed
 * warning to the model. That prefix was counted from the task's `ui_messages.json`: everything up to
 * the warning is skipped. -1 when the session did not start from a classic task.
 */
function legacyResumeBoundary(messages: readonly unknown[]): number {
	for (let index = messages.length - 1; index >= 0; index--) {
		const message = messages[index];
		if (isRecord(message) && message['role'] === 'user' && contentText(message['content']).includes(legacyResumeWarning)) return index;
	}
	return -1;
}

const legacyResumeWarning = 'Warning: this is a legacy conversation, which means tool names may have changed.';

function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.map((block) => (isRecord(block) ? text(block['text']) : '')).join('\n');
}
