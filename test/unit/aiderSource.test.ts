import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import { aiderSources, aiderSourcesForWorkspaces, discoverAiderFiles, gitRoot } from '../../src/sources/aider/aiderSource';
import type { Environment } from '../../src/sources/logSource';
import { fixturesDir, tempDir } from './helpers';

const aiderDir = path.join(fixturesDir, 'aider');
const zone = 'Europe/Berlin';

function totals(events: readonly CountedUsage[]) {
	return {
		requests: events.length,
		input: events.reduce((sum, event) => sum + event.inputTokens, 0),
		output: events.reduce((sum, event) => sum + event.outputTokens, 0),
		cacheWrite: events.reduce((sum, event) => sum + event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0),
		cacheRead: events.reduce((sum, event) => sum + event.cacheReadTokens, 0),
	};
}

/** A home folder, a git repository holding the history fixture, and the analytics log beside it. */
function aiderMachine(): { root: string; home: string; repo: string; history: string; analytics: string; ledgerDir: string } {
	const root = fs.realpathSync(tempDir('aider-test-'));
	const home = path.join(root, 'home');
	const repo = path.join(root, 'code', 'acme-api');
	fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
	fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
	fs.mkdirSync(home, { recursive: true });
	const history = path.join(repo, '.aider.chat.history.md');
	fs.copyFileSync(path.join(aiderDir, 'repo', '.aider.chat.history.md'), history);
	const analytics = path.join(home, 'aider-analytics.jsonl');
	fs.copyFileSync(path.join(aiderDir, 'analytics.jsonl'), analytics);
	return { root, home, repo, history, analytics, ledgerDir: path.join(root, 'ledger') };
}

describe('Aider discovery', () => {
	it('finds the history at the git root of a workspace folder inside the repository', () => {
		const { home, repo, history } = aiderMachine();
		assert.equal(gitRoot(path.join(repo, 'src')), repo);
		const environment: Environment = { home, env: {}, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(environment, [path.join(repo, 'src')], []), { history: [history], analytics: [] });
		assert.deepEqual(discoverAiderFiles(environment, [], []), { history: [], analytics: [] });
	});

	it('takes AIDER_CHAT_HISTORY_FILE and AIDER_ANALYTICS_LOG, absolute or relative to the repository', () => {
		const { home, repo, history, analytics } = aiderMachine();
		const renamed = path.join(repo, 'notes', 'aider.md');
		fs.mkdirSync(path.dirname(renamed));
		fs.copyFileSync(history, renamed);
		fs.copyFileSync(analytics, path.join(repo, 'usage.jsonl'));
		const relative: Environment = { home, env: { AIDER_CHAT_HISTORY_FILE: 'notes/aider.md', AIDER_ANALYTICS_LOG: 'usage.jsonl' }, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(relative, [repo], []), { history: [history, renamed].sort(), analytics: [path.join(repo, 'usage.jsonl')] });
		const absolute: Environment = { home, env: { AIDER_CHAT_HISTORY_FILE: renamed, AIDER_ANALYTICS_LOG: analytics }, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(absolute, [], []), { history: [renamed], analytics: [analytics] });
	});

	it('reads the paths set in .aider.conf.yml', () => {
		const { home, repo, analytics } = aiderMachine();
		fs.writeFileSync(path.join(home, '.aider.conf.yml'), 'analytics-log: ~/aider-analytics.jsonl\n');
		const environment: Environment = { home, env: {}, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(environment, [repo], []).analytics, [analytics]);
	});

	it('takes extra folders (and their sub-folders), history files and analytics logs', () => {
		const { root, home, history, analytics } = aiderMachine();
		const environment: Environment = { home, env: {}, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(environment, [], [path.join(root, 'code')]), { history: [history], analytics: [] });
		assert.deepEqual(discoverAiderFiles(environment, [], [history, analytics, path.join(root, 'missing.jsonl')]), { history: [history], analytics: [analytics] });
	});

	it('reads each file once, however many ways it is reached', () => {
		const { root, home, repo, history } = aiderMachine();
		fs.symlinkSync(repo, path.join(root, 'link'));
		const environment: Environment = { home, env: {}, platform: 'linux' };
		assert.deepEqual(discoverAiderFiles(environment, [repo, path.join(root, 'link'), path.join(repo, 'src')], [history]).history, [history]);
	});
});

describe('Aider sources through the ledger', () => {
	it('counts analytics and history once each, preferring the analytics log for the run it covers', () => {
		const { home, repo, history, analytics, ledgerDir } = aiderMachine();
		const environment: Environment = { home, env: { AIDER_ANALYTICS_LOG: analytics }, platform: 'linux' };
		const open = () => new Ledger({ home: ledgerDir, sources: aiderSourcesForWorkspaces(environment, [path.join(repo, 'src')], [], { timeZone: zone }) });
		const ledger = open();
		const first = ledger.refresh();
		assert.equal(first.malformedLines, 2);
		// History runs 1 and 2 (run 3 is in the analytics log) plus the three analytics messages.
		assert.deepEqual(totals(ledger.counted()), { requests: 8, input: 35504, output: 4969, cacheWrite: 6500, cacheRead: 34800 });
		assert.equal(ledger.counted().filter((event) => event.estimated).length, 5);

		// The half-written lines complete, and a new run starts that analytics did not see.
		fs.appendFileSync(history, '50 received. Cost: $0.01 message, $0.05 session.  \n\n# aider chat started at 2026-05-07 10:00:00\n\n> Model: gpt-4o with diff edit format  \n> Tokens: 1.1k sent, 90 received.  \n');
		fs.appendFileSync(analytics, ', "completion_tokens": 7, "cost": 0.001, "total_cost": 0.001}, "user_id": "u1", "time": 1777896100}\n');
		const second = ledger.refresh();
		assert.equal(second.eventsStored, 2);
		assert.deepEqual(totals(ledger.counted()), { requests: 10, input: 35504 + 1100 + 77, output: 4969 + 90 + 7, cacheWrite: 6500, cacheRead: 34800 });

		assert.equal(ledger.refresh().bytesRead, 0);
		const reopened = open();
		reopened.refresh();
		assert.equal(reopened.counted().length, 10);
		reopened.rebuild();
		assert.deepEqual(totals(reopened.counted()), { requests: 10, input: 36681, output: 5066, cacheWrite: 6500, cacheRead: 34800 });
	});

	it('counts every history run when no analytics log is known', () => {
		const { home, history, ledgerDir } = aiderMachine();
		const environment: Environment = { home, env: {}, platform: 'linux' };
		const ledger = new Ledger({ home: ledgerDir, sources: aiderSources(environment, [history], { timeZone: zone }) });
		ledger.refresh();
		assert.deepEqual(totals(ledger.counted()), { requests: 7, input: 34450, output: 4919, cacheWrite: 6500, cacheRead: 34800 });
	});

	it('decides coverage when a usage line arrives, after Aider has logged its launch', () => {
		const { root, home, ledgerDir } = aiderMachine();
		const repo = path.join(root, 'fresh');
		fs.mkdirSync(repo);
		const history = path.join(repo, '.aider.chat.history.md');
		const analytics = path.join(root, 'fresh.jsonl');
		const environment: Environment = { home, env: {}, platform: 'linux' };
		const ledger = new Ledger({ home: ledgerDir, sources: aiderSourcesForWorkspaces(environment, [repo], [analytics], { timeZone: 'UTC' }) });

		// Aider writes the run header first, then logs its launch.
		fs.writeFileSync(history, '\n# aider chat started at 2026-05-08 12:00:00\n\n');
		ledger.refresh();
		fs.writeFileSync(analytics, `${JSON.stringify({ event: 'launched', properties: {}, user_id: 'u2', time: Date.parse('2026-05-08T12:00:02Z') / 1000 })}\n`);
		fs.appendFileSync(history, '> Model: gpt-4o with diff edit format  \n> Tokens: 2.5k sent, 300 received.  \n');
		fs.appendFileSync(
			analytics,
			`${JSON.stringify({ event: 'message_send', properties: { main_model: 'gpt-4o', prompt_tokens: 2468, completion_tokens: 301, cost: 0.009, total_cost: 0.009 }, user_id: 'u2', time: Date.parse('2026-05-08T12:01:00Z') / 1000 })}\n`,
		);
		ledger.refresh();
		assert.deepEqual(
			ledger.counted().map((event) => [event.inputTokens, event.outputTokens, event.estimated]),
			[[2468, 301, false]],
		);
	});
});
