import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from './seededRandom';
import type { SourceId, UsageEvent } from '../../src/core/usage/usageEvent';
import { EventEncoder } from '../../src/ledger/eventCodec';

/**
 * A year of heavy use as the ledger holds it: ~100k requests from Claude Code and Codex across
 * projects, branches and models, in sessions of a few dozen requests, more on weekdays. Most of it
 * lives only in the ledger (Claude Code deletes transcripts after 30 days), which is why it is written
 * there directly. Deterministic for a seed.
 */
export interface HeavyHistoryOptions {
	/** UTC ms of the newest request. */
	readonly end: number;
	readonly days: number;
	readonly events: number;
	readonly seed?: number;
}

const assistants: ReadonlyArray<{ source: SourceId; share: number; models: readonly string[] }> = [
	{ source: 'claude-code', share: 0.75, models: ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'] },
	{ source: 'codex', share: 0.25, models: ['gpt-5-codex', 'gpt-5'] },
];
const projects = ['/home/dev/acme-api', '/home/dev/web-shop', '/home/dev/infra', '/home/dev/mobile-app', '/home/dev/data-pipeline'];
const branches = ['main', 'feature/rate-limit', 'fix/login', 'chore/deps', 'feature/checkout', 'refactor/auth'];

export function heavyHistory(options: HeavyHistoryOptions): UsageEvent[] {
	const random = seededRandom(options.seed ?? 2026);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
	const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
	const events: UsageEvent[] = [];
	const start = options.end - options.days * 86_400_000;
	let session = 0;
	while (events.length < options.events) {
		session++;
		// Weekends see a third of the sessions.
		let time = start + Math.floor(random() * (options.end - start));
		const weekday = new Date(time).getUTCDay();
		if ((weekday === 0 || weekday === 6) && random() > 0.33) continue;
		const assistant = random() < assistants[0]!.share ? assistants[0]! : assistants[1]!;
		const project = pick(projects);
		const branch = pick(branches);
		const sessionId = `heavy-${session}`;
		const length = Math.min(int(10, 80), options.events - events.length);
		for (let index = 0; index < length && time <= options.end; index++) {
			const model = pick(assistant.models);
			const id = `${sessionId}-${index}`;
			events.push({
				source: assistant.source,
				key: `${assistant.source}:${id}`,
				messageId: `msg_${id}`,
				timestamp: time,
				model,
				sessionId,
				project,
				branch,
				sidechain: false,
				hasSpeed: false,
				estimated: false,
				file: `/history/${assistant.source}/${sessionId}.jsonl`,
				reportedCostUSD: null,
				reportedCredits: null,
				modelInferred: false,
				inputTokens: int(5, 60),
				outputTokens: int(80, 1500),
				cacheWrite5mTokens: int(0, 4000),
				cacheWrite1hTokens: 0,
				cacheReadTokens: int(8_000, 70_000),
				reasoningTokens: assistant.source === 'codex' ? int(0, 400) : 0,
			});
			time += int(10_000, 120_000);
		}
	}
	return events.sort((a, b) => a.timestamp - b.timestamp);
}

/** Writes events into a ledger folder's event log, as earlier scans would have. */
export function writeLedgerHistory(ledgerDir: string, events: readonly UsageEvent[]): void {
	fs.mkdirSync(ledgerDir, { recursive: true });
	fs.writeFileSync(path.join(ledgerDir, 'events.jsonl'), new EventEncoder().encode(events));
}
