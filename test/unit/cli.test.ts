import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { run } from '../../src/cli/main';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { claudeFixtureTotals, claudeHome, tempDir } from './helpers';

interface Result {
	code: number;
	stdout: string;
	stderr: string;
}

const saved = { HOME: process.env['HOME'], TOKEN_LEDGER_HOME: process.env['TOKEN_LEDGER_HOME'], CLAUDE_CONFIG_DIR: process.env['CLAUDE_CONFIG_DIR'] };
let claudeDir = '';

function cli(args: string[], now = Date.parse('2026-05-03T12:00:00Z')): Result {
	let stdout = '';
	let stderr = '';
	const code = run(args, { out: (text) => (stdout += text), err: (text) => (stderr += text) }, now);
	return { code, stdout, stderr };
}

function json<T>(args: string[]): T {
	const result = cli([...args, '--json']);
	assert.equal(result.code, 0, result.stderr);
	return JSON.parse(result.stdout) as T;
}

const totalsFields = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'reasoningTokens', 'totalTokens', 'costUSD'];
interface Totals {
	totalTokens: number;
	costUSD: number;
	requests: number;
	unpricedRequests: number;
	bySource: Record<string, Record<string, number>>;
	byModel: Record<string, Record<string, number>>;
}

describe('token-ledger CLI', () => {
	beforeEach(() => {
		const setup = claudeHome();
		claudeDir = setup.claudeDir;
		process.env['HOME'] = setup.home;
		process.env['TOKEN_LEDGER_HOME'] = setup.ledgerDir;
		delete process.env['CLAUDE_CONFIG_DIR'];
	});
	afterEach(() => {
		for (const [key, value] of Object.entries(saved)) {
			if (value === undefined) delete process.env[key];
			else process.env[key] = value;
		}
	});

	it('daily --json follows the contract and gives exact totals per day', () => {
		const report = json<{ daily: Array<Totals & { date: string }>; totals: Totals }>(['daily', '--tz', 'UTC']);
		assert.deepEqual(report.daily.map((row) => row.date), ['2026-05-02', '2026-05-03', '2026-05-04']);
		for (const field of totalsFields) {
			assert.equal(typeof (report.totals as unknown as Record<string, unknown>)[field], 'number', field);
			assert.equal(typeof report.totals.bySource['claude-code']![field], 'number', field);
		}
		assert.equal(report.totals.totalTokens, claudeFixtureTotals.totalTokens);
		assert.equal(report.totals.requests, claudeFixtureTotals.requests);
		assert.ok(Math.abs(report.totals.costUSD - claudeFixtureTotals.costUSD) < 1e-12);
		assert.ok(Math.abs(report.daily[0]!.costUSD - 0.011787) < 1e-12);
		assert.ok(Math.abs(report.daily[1]!.costUSD - 0.002664) < 1e-12);
		// The last day holds only the unpriced model: tokens counted, cost 0, flagged.
		assert.equal(report.daily[2]!.costUSD, 0);
		assert.equal(report.daily[2]!.unpricedRequests, 1);
		assert.equal(report.daily[2]!.totalTokens, 66);
		assert.deepEqual(Object.keys(report.totals.byModel).sort(), ['claude-sonnet-4-5-20250929', 'some-unreleased-model']);
	});

	it('buckets days in the chosen time zone', () => {
		const newYork = json<{ daily: Array<{ date: string; requests: number }> }>(['daily', '--tz', 'America/New_York']);
		assert.deepEqual(newYork.daily.map((row) => [row.date, row.requests]), [['2026-05-02', 4], ['2026-05-03', 6]]);
		const tokyo = json<{ daily: Array<{ date: string; requests: number }> }>(['daily', '--tz', 'Asia/Tokyo']);
		assert.deepEqual(tokyo.daily.map((row) => [row.date, row.requests]), [['2026-05-02', 4], ['2026-05-03', 4], ['2026-05-04', 2]]);
	});

	it('filters by --since/--until (inclusive) and --source', () => {
		const one = json<{ daily: Array<{ date: string }>; totals: Totals }>(['daily', '--tz', 'UTC', '--since', '2026-05-03', '--until', '2026-05-03']);
		assert.deepEqual(one.daily.map((row) => row.date), ['2026-05-03']);
		assert.equal(one.totals.requests, 5);
		const none = json<{ daily: unknown[]; totals: Totals }>(['daily', '--source', 'codex']);
		assert.deepEqual(none.daily, []);
		assert.equal(none.totals.costUSD, 0);
	});

	it('weekly keys weeks by their first day, Monday or Sunday', () => {
		// 2026-05-02 is a Saturday, 05-03 a Sunday, 05-04 a Monday.
		const monday = json<{ weekly: Array<{ week: string; requests: number }> }>(['weekly', '--tz', 'UTC']);
		assert.deepEqual(monday.weekly.map((row) => [row.week, row.requests]), [['2026-04-27', 9], ['2026-05-04', 1]]);
		const sunday = json<{ weekly: Array<{ week: string; requests: number }> }>(['weekly', '--tz', 'UTC', '--week-start', 'sunday']);
		assert.deepEqual(sunday.weekly.map((row) => [row.week, row.requests]), [['2026-04-26', 4], ['2026-05-03', 6]]);
	});

	it('sessions carry source, id, project, branch and activity times; sub-agents join their parent', () => {
		const report = json<{ sessions: Array<Totals & { source: string; sessionId: string; project: string; branch: string; firstActivity: string; lastActivity: string }> }>(['sessions']);
		const bySession = Object.fromEntries(report.sessions.map((row) => [row.sessionId, row]));
		assert.deepEqual(Object.keys(bySession).sort(), ['sess-a', 'sess-b', 'sess-c']);
		assert.equal(bySession['sess-a']!.requests, 4); // A1, A2, A3 and the sub-agent's own S1
		assert.equal(bySession['sess-a']!.firstActivity, '2026-05-02T09:14:09.033Z');
		assert.equal(bySession['sess-b']!.branch, 'feature/x');
		assert.equal(bySession['sess-c']!.project, '/home/dev/web');
		assert.equal(bySession['sess-c']!.source, 'claude-code');
	});

	it('today reports the local date of now', () => {
		const result = cli(['today', '--json', '--tz', 'UTC'], Date.parse('2026-05-03T12:00:00Z'));
		const today = JSON.parse(result.stdout) as Totals & { date: string };
		assert.equal(today.date, '2026-05-03');
		assert.equal(today.requests, 5);
		const table = cli(['today', '--tz', 'UTC'], Date.parse('2026-05-03T12:00:00Z'));
		assert.match(table.stdout, /Today 2026-05-03 \(UTC\): \$0\.00/);
	});

	it('reads CLAUDE_CONFIG_DIR, also as a comma-separated list', () => {
		const other = path.join(path.dirname(claudeDir), 'other-claude');
		fs.renameSync(claudeDir, other);
		assert.equal(json<{ totals: Totals }>(['daily']).totals.requests, 0);
		process.env['CLAUDE_CONFIG_DIR'] = `${path.join(other, 'projects')}, ${path.join(path.dirname(claudeDir), 'missing')}`;
		assert.equal(json<{ totals: Totals }>(['daily']).totals.requests, claudeFixtureTotals.requests);
	});

	it('warns about skipped malformed lines on stderr, keeping stdout clean JSON', () => {
		const result = cli(['daily', '--json']);
		assert.match(result.stderr, /skipped 2 malformed line\(s\) in 1 file\(s\), e\.g\. .*sess-a\.jsonl:8: truncated JSON/);
		assert.doesNotThrow(() => JSON.parse(result.stdout));
	});

	it('prints a table with a note for unpriced models', () => {
		const result = cli(['daily', '--tz', 'UTC']);
		assert.equal(result.code, 0);
		assert.match(result.stdout, /^Date\s+Input\s+Output\s+Cache write\s+Cache read\s+Total tokens\s+Cost$/m);
		assert.match(result.stdout, /^2026-05-04\s.*\$0\.00\*$/m);
		assert.match(result.stdout, /\* unpriced: some-unreleased-model/);
	});

	it('rejects bad arguments with a clear message and exit code 2', () => {
		const cases: Array<[string[], RegExp]> = [
			[[], /Missing command/],
			[['monthly'], /Unknown command "monthly"/],
			[['daily', '--since', '2026-13-01'], /--since takes a date as YYYY-MM-DD/],
			[['daily', '--since', '2026-05-03', '--until', '2026-05-01'], /is after --until/],
			[['daily', '--tz', 'Mars/Olympus'], /IANA time zone/],
			[['daily', '--source', 'claude'], /Unknown source "claude"/],
			[['daily', '--week-start', 'friday'], /monday or sunday/],
			[['daily', '--bogus'], /Unknown option --bogus/],
			[['daily', '--tz'], /--tz needs a value/],
			[['status', '--daily-cap', 'ten'], /--daily-cap takes an amount in USD/],
			[['cap'], /cap takes one of --snooze-today/],
			[['cap', '--raise-today', '-5'], /--raise-today takes an amount in USD above 0/],
			[['daily', '--snooze-today'], /go with the cap command/],
		];
		for (const [args, message] of cases) {
			const result = cli(args);
			assert.equal(result.code, 2, args.join(' '));
			assert.match(result.stderr, message);
			assert.equal(result.stdout, '');
		}
	});

	it('sources reports each assistant: found where, requests, newest, exact or estimated, problems', () => {
		const report = json<{ sources: Array<{ id: string; found: boolean; supported: boolean; files: number; requests: number; newestActivity: string | null; accuracy: string | null; malformedLines: number; problems: Array<{ file: string; line: number; reason: string }>; locations: Array<{ path: string; exists: boolean }> }> }>(['sources']);
		const claude = report.sources.find((source) => source.id === 'claude-code')!;
		assert.equal(claude.found, true);
		assert.equal(claude.files, 4);
		assert.equal(claude.requests, claudeFixtureTotals.requests);
		assert.equal(claude.newestActivity, '2026-05-04T00:30:00.000Z');
		assert.equal(claude.accuracy, 'exact');
		assert.equal(claude.malformedLines, 2);
		assert.deepEqual(claude.problems.map((problem) => [path.basename(problem.file), problem.line, problem.reason]), [
			['sess-a.jsonl', 8, 'truncated JSON'],
			['sess-a.jsonl', 9, 'not a JSON object'],
		]);
		assert.deepEqual(claude.locations.map((location) => [path.basename(path.dirname(location.path)), location.exists]), [['claude', false], ['.claude', true]]);
		assert.equal(report.sources.length, 13);
		const table = cli(['sources']);
		assert.match(table.stdout, /^claude-code\s+found\s+4\s+10\s+2026-05-04 00:30\s+exact\s+2$/m);
		assert.match(table.stdout, /sess-a\.jsonl:8: truncated JSON/);
	});

	it('leaves out a source turned off in the shared settings, history included', () => {
		assert.equal(json<{ totals: Totals }>(['daily']).totals.requests, claudeFixtureTotals.requests);
		fs.mkdirSync(process.env['TOKEN_LEDGER_HOME']!, { recursive: true });
		fs.writeFileSync(path.join(process.env['TOKEN_LEDGER_HOME']!, 'settings.json'), JSON.stringify({ sources: { claudeCode: { enabled: false } } }));
		assert.equal(json<{ totals: Totals }>(['daily']).totals.requests, 0);
		const claude = json<{ sources: Array<{ id: string; enabled: boolean }> }>(['sources']).sources.find((source) => source.id === 'claude-code')!;
		assert.equal(claude.enabled, false);
	});

	it('status reports today with the cap state, percent and forecast', () => {
		const off = JSON.parse(cli(['status', '--json', '--tz', 'UTC']).stdout) as { date: string; requests: number; cap: Record<string, unknown> };
		assert.equal(off.date, '2026-05-03');
		assert.equal(off.requests, 5);
		assert.deepEqual([off.cap['dailyUSD'], off.cap['percent'], off.cap['state'], off.cap['forecastCrossAt']], [null, null, 'off', null]);
		const warning = JSON.parse(cli(['status', '--json', '--tz', 'UTC', '--daily-cap', '0.003']).stdout) as { cap: { dailyUSD: number; percent: number; state: string } };
		assert.equal(warning.cap.dailyUSD, 0.003);
		assert.equal(warning.cap.state, 'warning');
		assert.ok(Math.abs(warning.cap.percent - (0.002664 / 0.003) * 100) < 1e-9);
		const over = JSON.parse(cli(['status', '--json', '--tz', 'UTC', '--daily-cap', '0.002']).stdout) as { cap: { state: string; forecastCrossAt: string } };
		assert.equal(over.cap.state, 'over');
		// Crossed with msg_B1 at 09:00 (N1 08:00 $0.000306, U1 and U2 $0.000036, then B1 $0.00171).
		assert.equal(over.cap.forecastCrossAt, '2026-05-03T09:00:00.000Z');
		assert.match(cli(['status', '--tz', 'UTC', '--daily-cap', '0.002']).stdout, /^Today 2026-05-03: \$0\.00 of \$0\.00 \(133 %, over\); crossed at /);
	});

	it('guard refuses prompts once over the cap, until snoozed or raised for today', () => {
		assert.equal(cli(['guard', '--tz', 'UTC', '--daily-cap', '0.01']).stdout, '');
		const blocked = cli(['guard', '--tz', 'UTC', '--daily-cap', '0.002']);
		assert.equal(blocked.code, 0);
		const decision = JSON.parse(blocked.stdout) as { decision: string; reason: string };
		assert.equal(decision.decision, 'block');
		assert.match(decision.reason, /over your daily cap/);
		assert.match(decision.reason, /token-ledger cap --snooze-today/);

		assert.equal(cli(['cap', '--snooze-today', '--tz', 'UTC']).code, 0);
		assert.equal(cli(['guard', '--tz', 'UTC', '--daily-cap', '0.002']).stdout, '');
		assert.equal(cli(['cap', '--clear-today', '--tz', 'UTC']).code, 0);
		assert.notEqual(cli(['guard', '--tz', 'UTC', '--daily-cap', '0.002']).stdout, '');
		// A raise for today is a new cap in force today only.
		const raised = JSON.parse(cli(['cap', '--raise-today', '0.01', '--json', '--tz', 'UTC']).stdout) as { cap: { dailyUSD: number; state: string; raisedForToday: boolean } };
		assert.deepEqual([raised.cap.dailyUSD, raised.cap.state, raised.cap.raisedForToday], [0.01, 'ok', true]);
		assert.equal(cli(['guard', '--tz', 'UTC']).stdout, '');
		const nextDay = JSON.parse(cli(['status', '--json', '--tz', 'UTC', '--daily-cap', '0.002'], Date.parse('2026-05-04T12:00:00Z')).stdout) as { cap: { dailyUSD: number; raisedForToday: boolean } };
		assert.deepEqual([nextDay.cap.dailyUSD, nextDay.cap.raisedForToday], [0.002, false], 'the raise lapsed at midnight');
	});

	it('reads the daily cap set in the editor from the shared settings', () => {
		fs.mkdirSync(process.env['TOKEN_LEDGER_HOME']!, { recursive: true });
		fs.writeFileSync(path.join(process.env['TOKEN_LEDGER_HOME']!, 'settings.json'), JSON.stringify({ dailyCap: 0.002 }));
		const status = JSON.parse(cli(['status', '--json', '--tz', 'UTC']).stdout) as { cap: { dailyUSD: number; state: string } };
		assert.deepEqual([status.cap.dailyUSD, status.cap.state], [0.002, 'over']);
		assert.equal(JSON.parse(cli(['status', '--json', '--tz', 'UTC', '--daily-cap', '0']).stdout).cap.state, 'off');
	});

	it('skips and reports a damaged ledger line, and keeps the rest', () => {
		const before = json<{ totals: Totals }>(['daily']).totals;
		const events = path.join(process.env['TOKEN_LEDGER_HOME']!, 'events.jsonl');
		const lines = fs.readFileSync(events, 'utf8').split('\n');
		lines.splice(1, 0, '{"not": "a ledger row"');
		fs.writeFileSync(events, lines.join('\n'));
		const result = cli(['daily', '--json']);
		assert.match(result.stderr, /warning: 1 line\(s\) of the ledger .* could not be read and were skipped; "token-ledger rebuild"/);
		assert.deepEqual((JSON.parse(result.stdout) as { totals: Totals }).totals, before);
	});

	it('prints help', () => {
		const result = cli(['--help']);
		assert.equal(result.code, 0);
		assert.match(result.stdout, /Usage: token-ledger <command> \[options\]/);
	});

	it('rebuild recreates the same totals', () => {
		const before = json<{ totals: Totals }>(['daily']).totals;
		const rebuilt = json<{ eventsStored: number }>(['rebuild']);
		assert.ok(rebuilt.eventsStored >= claudeFixtureTotals.requests);
		assert.deepEqual(json<{ totals: Totals }>(['daily']).totals, before);
	});

	it('stops quietly when its reader closes the output early (`sessions --json | head`)', async () => {
		const root = tempDir();
		const configDir = path.join(root, 'claude');
		// Some 4 MB of JSON: far more than a pipe holds.
		generateClaudeCorpus({ configDir, sessions: 1500, responsesPerSession: 1, end: Date.parse('2026-11-20T12:00:00Z'), days: 30, toolResultBytes: [10, 20] });
		const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'sessions', '--json'], {
			env: { ...process.env, HOME: root, CLAUDE_CONFIG_DIR: configDir, TOKEN_LEDGER_HOME: path.join(root, 'ledger') },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const firstChunk = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
		child.stdout.destroy();
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		assert.ok(firstChunk.startsWith('{\n  "sessions": ['), firstChunk.slice(0, 40));
		assert.equal(stderr, '');
		assert.equal(code, 0);
	});
});
