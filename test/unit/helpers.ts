import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';

export const fixturesDir = path.join(__dirname, '..', 'fixtures');

/** A fresh folder that is removed when the process exits. */
export function tempDir(prefix = 'token-ledger-test-'): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/** A fresh home holding a copy of one tool's fixtures as `~/<dotDir>`, plus a ledger folder. */
export function homeWithFixtures(fixture: string, dotDir: string): { home: string; toolDir: string; ledgerDir: string } {
	const root = tempDir();
	const home = path.join(root, 'home');
	const toolDir = path.join(home, dotDir);
	fs.cpSync(path.join(fixturesDir, fixture), toolDir, { recursive: true });
	return { home, toolDir, ledgerDir: path.join(root, 'ledger') };
}

/** A home folder holding a copy of the Claude fixtures as `~/.claude`, plus a ledger folder. */
export function claudeHome(): { home: string; claudeDir: string; ledgerDir: string } {
	const { home, toolDir, ledgerDir } = homeWithFixtures('claude', '.claude');
	return { home, claudeDir: toolDir, ledgerDir };
}

export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
	return {
		source: 'claude-code',
		key: 'claude-code:msg_1:req_1',
		messageId: 'msg_1',
		timestamp: Date.parse('2026-05-02T10:00:00Z'),
		model: 'claude-sonnet-4-5-20250929',
		sessionId: 's1',
		project: '/p',
		branch: 'main',
		sidechain: false,
		hasSpeed: false,
		estimated: false,
		file: '/f.jsonl',
		reportedCostUSD: null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: 10,
		outputTokens: 20,
		cacheWrite5mTokens: 0,
		cacheWrite1hTokens: 0,
		cacheReadTokens: 0,
		reasoningTokens: 0,
		...overrides,
	};
}

/** The exact totals of the Claude fixtures (worked out by hand in claudeFixture.test.ts). */
export const claudeFixtureTotals = {
	inputTokens: 53,
	outputTokens: 759,
	cacheCreationTokens: 500,
	cacheReadTokens: 3500,
	totalTokens: 53 + 759 + 500 + 3500,
	requests: 10,
	unpricedRequests: 1,
	costUSD: 0.014451,
} as const;

/** An event as the ledger's index gives it back: without key and message id, which it keeps only as fingerprints. */
export function countedFigures(event: UsageEvent): CountedUsage {
	const figures: { -readonly [K in keyof UsageEvent]?: UsageEvent[K] } = { ...event };
	delete figures.key;
	delete figures.messageId;
	return figures as CountedUsage;
}

/** The request keys of the event lines in a ledger's log, in the order written (a key twice: two copies). */
export function loggedKeys(ledgerDir: string): string[] {
	return fs
		.readFileSync(path.join(ledgerDir, 'events.jsonl'), 'utf8')
		.split('\n')
		.filter((line) => line.startsWith('["e"'))
		.map((line) => (JSON.parse(line) as string[])[1]!);
}
