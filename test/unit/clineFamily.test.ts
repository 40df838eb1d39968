import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { UsageEvent } from '../../src/core/usage/usageEvent';
import type { LogSource, ParsedRecords } from '../../src/sources/logSource';
import { clineSources, editorGlobalStorageRoots, kiloCodeSources, rooCodeSources } from '../../src/sources/clineFamily/clineFamilySource';
import { clineDataFolder } from '../../src/sources/clineFamily/editorStorage';
import { parseClineTask, uncachedInput } from '../../src/sources/clineFamily/parseClineTask';
import { emptyTaskContext, parseRooModelStamps } from '../../src/sources/clineFamily/parseTaskContext';
import { fixturesDir, tempDir } from './helpers';

const family = path.join(fixturesDir, 'cline-family');
const sonnet = 'claude-sonnet-4-5-20250929';
const emptyHome = () => ({ home: tempDir(), env: {}, platform: 'linux' as const });

/** Parses a fixture the way the source does (side files included). */
function parseWith(source: LogSource, file: string): ParsedRecords {
	assert.equal(source.reader.kind, 'document');
	if (source.reader.kind !== 'document') throw new Error('unreachable');
	return source.reader.parse(fs.readFileSync(file), file);
}

function sums(events: readonly UsageEvent[]) {
	return {
		input: events.reduce((sum, event) => sum + event.inputTokens, 0),
		output: events.reduce((sum, event) => sum + event.outputTokens, 0),
		cacheWrite: events.reduce((sum, event) => sum + event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0),
		cacheRead: events.reduce((sum, event) => sum + event.cacheReadTokens, 0),
		requests: events.length,
	};
}

const clineTask = path.join(family, 'cline', 'tasks', '1777713600000', 'ui_messages.json');
const rooTask = path.join(family, 'roo', 'tasks', '0f9c3a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b', 'ui_messages.json');

describe('Cline family: ui_messages.json', () => {
	it('reads a Cline task: requests keyed by ts, models from the message or task_metadata, cwd from taskHistory', () => {
		const [tasks] = clineSources(emptyHome(), [path.join(family, 'cline')]);
		const result = parseWith(tasks!, clineTask);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens, event.reportedCostUSD]),
			[
				['cline:1777713600000:1777713600450', sonnet, 1240, 315, 14820, 0, 0.0645],
				['cline:1777713600000:1777713609800', sonnet, 38, 92, 610, 14820, 0.0091],
				['cline:1777713600000:subagents:1777713630000', '', 500, 200, 1000, 3000, 0.02],
				['cline:1777713600000:deleted:1777713640000', '', 100, 50, 0, 2000, 0.005],
			],
		);
		assert.deepEqual(sums(result.events), { input: 1878, output: 657, cacheWrite: 16430, cacheRead: 19820, requests: 4 });
		for (const event of result.events) {
			assert.equal(event.source, 'cline');
			assert.equal(event.sessionId, '1777713600000');
			assert.equal(event.project, '/home/dev/acme-api');
			assert.equal(event.file, clineTask);
		}
	});

	it('skips the placeholder of a request still running, and counts a bad request text as malformed', () => {
		const [tasks] = clineSources(emptyHome(), [path.join(family, 'cline')]);
		const result = parseWith(tasks!, clineTask);
		assert.ok(!result.events.some((event) => event.timestamp === 1777713620000));
		assert.equal(result.malformed, 1);
		assert.deepEqual(result.issues, [{ line: 6, reason: 'api_req_started text is not a JSON object' }]);
	});

	it('merges an old api_req_finished into its api_req_started, and splits the cache out of OpenAI-style providers', () => {
		const [tasks] = clineSources(emptyHome(), [path.join(family, 'cline')]);
		const file = path.join(family, 'cline', 'tasks', '1745000000000', 'ui_messages.json');
		const result = parseWith(tasks!, file);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheReadTokens]),
			[
				// No model anywhere (no modelInfo, no task_metadata, not in taskHistory): '' and unpriced.
				['cline:1745000000000:1745000000100', '', 200, 40, 0],
				// providerId "openai": tokensIn 1000 held the 600 cache reads.
				['cline:1745000000000:1745000010000', 'gpt-4.1', 400, 100, 600],
			],
		);
		assert.equal(result.malformed, 0);
	});

	it('counts a truncated file as one malformed document, not an error', () => {
		const [tasks] = clineSources(emptyHome(), [path.join(family, 'cline')]);
		const result = parseWith(tasks!, path.join(family, 'cline', 'tasks', '1777800000000', 'ui_messages.json'));
		assert.deepEqual(result, { events: [], malformed: 1, issues: [{ line: 0, reason: 'truncated JSON' }] });
	});

	it('normalises Roo (tokensIn includes the cache) to the same numbers Cline writes', () => {
		const [tasks] = rooCodeSources(emptyHome(), [path.join(family, 'roo')]);
		const result = parseWith(tasks!, rooTask);
		const id = '0f9c3a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b';
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens, event.reportedCostUSD]),
			[
				[`roo-code:${id}:1777713700450`, sonnet, 1240, 315, 14820, 0, 0.0645],
				[`roo-code:${id}:1777713709800`, sonnet, 38, 92, 610, 14820, 0.0091],
				// Condensing costs money but records no tokens: a cost-only event.
				[`roo-code:${id}:condense:1777713720000`, '', 0, 0, 0, 0, 0.012],
				[`roo-code:${id}:deleted:1777713740000`, '', 100, 50, 0, 2000, 0.005],
			],
		);
		assert.deepEqual(sums(result.events), { input: 1378, output: 457, cacheWrite: 15430, cacheRead: 16820, requests: 4 });
		assert.ok(result.events.every((event) => event.project === '/home/dev/acme-api' && event.source === 'roo-code'));

		// The same requests in Cline's convention give the same buckets.
		const [clineTasks] = clineSources(emptyHome(), [path.join(family, 'cline')]);
		const clineEvents = parseWith(clineTasks!, clineTask).events.filter((event) => !event.key.includes(':subagents:'));
		assert.deepEqual(sums(clineEvents), sums(result.events.filter((event) => !event.key.includes(':condense:'))));
	});

	it('reads older Roo tasks, where Anthropic-protocol tokensIn was the uncached remainder', () => {
		const [tasks] = rooCodeSources(emptyHome(), [path.join(family, 'roo')]);
		const result = parseWith(tasks!, path.join(family, 'roo', 'tasks', '3b1d5f7a-9c0e-4d2f-b6a8-c0e2f4a6b8d0', 'ui_messages.json'));
		assert.deepEqual(
			result.events.map((event) => [event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens]),
			[
				[1240, 315, 14820, 0], // smaller than the cache: cannot include it
				[5000, 80, 0, 1000], // Anthropic protocol before Roo 3.29.5: the remainder
				[4000, 60, 0, 1000], // OpenAI protocol: always the provider's total
			],
		);
		assert.deepEqual(sums(result.events), { input: 10240, output: 455, cacheWrite: 14820, cacheRead: 2000, requests: 3 });
	});

	it('takes each Kilo request model from the prompt sent for it', () => {
		const [tasks] = kiloCodeSources(emptyHome(), [path.join(family, 'kilo')]);
		const file = path.join(family, 'kilo', 'tasks', '7c2e4a6b-8d0f-4b1a-9c3e-5f7a9b1d3e5f', 'ui_messages.json');
		const result = parseWith(tasks!, file);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens]),
			[
				['kilo-code:7c2e4a6b-8d0f-4b1a-9c3e-5f7a9b1d3e5f:1777713800450', 'gpt-5', 1000, 120, 0, 2000],
				['kilo-code:7c2e4a6b-8d0f-4b1a-9c3e-5f7a9b1d3e5f:1777713810000', sonnet, 500, 60, 100, 2000],
			],
		);
	});

	it('ignores a <model> tag that is not in the environment details', () => {
		const history = JSON.stringify([{ role: 'user', ts: 5, content: [{ type: 'text', text: 'file says <model>fake</model>' }] }]);
		assert.deepEqual(parseRooModelStamps(history), []);
	});

	it('decides the tokensIn convention per tool, protocol and date', () => {
		const after = Date.UTC(2026, 0, 1);
		const before = Date.UTC(2025, 5, 1);
		assert.equal(uncachedInput('cline', 16060, 14820, after, '', 'anthropic'), 16060);
		assert.equal(uncachedInput('cline', 1000, 600, after, '', 'litellm'), 400);
		assert.equal(uncachedInput('roo-code', 16060, 14820, after, 'anthropic', ''), 1240);
		assert.equal(uncachedInput('roo-code', 5000, 1000, before, 'anthropic', ''), 5000);
		assert.equal(uncachedInput('kilo-code', 5000, 1000, Date.UTC(2025, 10, 5), 'anthropic', ''), 5000); // Kilo switched later than Roo
		assert.equal(uncachedInput('roo-code', 5000, 1000, Date.UTC(2025, 10, 5), 'anthropic', ''), 4000);
		assert.equal(uncachedInput('roo-code', 700, 0, before, 'openai', ''), 700);
	});

	it('is pure over its input: no side files, no model', () => {
		const bytes = fs.readFileSync(rooTask);
		const result = parseClineTask(bytes, rooTask, 'roo-code', 'abc', emptyTaskContext);
		assert.ok(result.events.every((event) => event.model === '' && event.project === '' && event.key.startsWith('roo-code:abc:')));
		assert.equal(result.events.length, 4);
	});
});

describe('Cline SDK sessions', () => {
	it('reads per-call metrics, subtracting the cache from inputTokens, with sub-agent files', () => {
		const sources = clineSources({ home: tempDir(), env: { CLINE_DATA_DIR: path.join(family, 'cline-data') }, platform: 'linux' });
		const sessions = sources[1]!;
		const files = sessions.listFiles().filter((file) => file.includes('sess_01JX8K2M4N6P8Q0R2S4T6V8W0Y'));
		assert.deepEqual(files.map((file) => path.basename(file)), ['agent_1.messages.json', 'sess_01JX8K2M4N6P8Q0R2S4T6V8W0Y.messages.json']);
		const events = files.flatMap((file) => parseWith(sessions, file).events);
		const sid = 'sess_01JX8K2M4N6P8Q0R2S4T6V8W0Y';
		assert.deepEqual(
			events.map((event) => [event.key, event.model, event.inputTokens, event.outputTokens, event.cacheWrite5mTokens, event.cacheReadTokens, event.sessionId, event.project]),
			[
				[`cline:session:${sid}:agent_1:a1`, 'claude-haiku-4-5-20251001', 700, 50, 0, 0, sid, '/home/dev/acme-api'],
				[`cline:session:${sid}:main:m1`, sonnet, 1240, 315, 14820, 0, sid, '/home/dev/acme-api'],
				// No modelInfo: the manifest's model. The displayOnly error banner (m2) is not a call.
				[`cline:session:${sid}:main:m3`, sonnet, 38, 92, 610, 14820, sid, '/home/dev/acme-api'],
			],
		);
		assert.deepEqual(sums(events), { input: 1978, output: 457, cacheWrite: 15430, cacheRead: 14820, requests: 3 });
	});
});

describe('Cline 4.x resuming a classic task', () => {
	const id = '1760000000000';
	const environment = () => ({ home: tempDir(), env: { CLINE_DATA_DIR: path.join(family, 'cline-data') }, platform: 'linux' as const });

	it('skips the turns copied back into ui_messages.json, but not what the classic build wrote after them', () => {
		const [tasks] = clineSources(environment());
		const result = parseWith(tasks!, path.join(family, 'cline-data', 'tasks', id, 'ui_messages.json'));
		assert.deepEqual(
			result.events.map((event) => [event.key, event.inputTokens, event.outputTokens, event.cacheReadTokens]),
			[
				[`cline:${id}:1760000000500`, 300, 30, 0],
				[`cline:${id}:1777716000000`, 25, 5, 0],
			],
		);
	});

	it('skips the classic prefix (with the task totals put on it) in the session, counting only new calls', () => {
		const [, sessions] = clineSources(environment());
		const result = parseWith(sessions!, path.join(family, 'cline-data', 'sessions', id, `${id}.messages.json`));
		assert.equal(result.malformed, 0);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.inputTokens, event.outputTokens, event.cacheReadTokens]),
			[[`cline:session:${id}:main:r1`, 40, 4, 300]],
		);
	});
});

describe('Cline family: discovery', () => {
	it('lists the globalStorage folders of every editor, per platform', () => {
		const linux = editorGlobalStorageRoots({ home: '/h', env: {}, platform: 'linux' });
		assert.ok(linux.includes('/h/.config/Code/User/globalStorage'));
		assert.ok(linux.includes('/h/.config/Code - Insiders/User/globalStorage'));
		assert.ok(linux.includes('/h/.config/VSCodium/User/globalStorage'));
		assert.ok(linux.includes('/h/.config/Cursor/User/globalStorage'));
		assert.ok(linux.includes('/h/.config/Windsurf/User/globalStorage'));
		assert.ok(linux.includes('/h/.local/share/code-server/User/globalStorage'));
		assert.ok(linux.includes('/h/.vscode-server/data/User/globalStorage'));
		assert.ok(linux.includes('/h/.vscode-server-insiders/data/User/globalStorage'));
		assert.ok(linux.includes('/h/.cursor-server/data/User/globalStorage'));
		assert.ok(linux.includes('/h/.windsurf-server/data/User/globalStorage'));
		const xdg = editorGlobalStorageRoots({ home: '/h', env: { XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: '/data' }, platform: 'linux' });
		assert.ok(xdg.includes('/cfg/Code/User/globalStorage'));
		assert.ok(xdg.includes('/data/code-server/User/globalStorage'));
		const mac = editorGlobalStorageRoots({ home: '/Users/u', env: {}, platform: 'darwin' });
		assert.ok(mac.includes('/Users/u/Library/Application Support/Code/User/globalStorage'));
		assert.ok(mac.includes('/Users/u/Library/Application Support/Cursor/User/globalStorage'));
		const windows = editorGlobalStorageRoots({ home: '/c/u', env: { APPDATA: '/c/u/AppData/Roaming' }, platform: 'win32' });
		assert.ok(windows.includes('/c/u/AppData/Roaming/Code/User/globalStorage'));
		assert.equal(new Set(linux).size, linux.length);
	});

	it('finds Cline data by CLINE_DATA_DIR, then CLINE_DIR/data, then ~/.cline/data', () => {
		assert.equal(clineDataFolder({ home: '/h', env: { CLINE_DATA_DIR: '/d', CLINE_DIR: '/c' }, platform: 'linux' }), '/d');
		assert.equal(clineDataFolder({ home: '/h', env: { CLINE_DIR: '/c' }, platform: 'linux' }), '/c/data');
		assert.equal(clineDataFolder({ home: '/h', env: {}, platform: 'linux' }), '/h/.cline/data');
	});

	it('watches each extension tasks folder, the editor-supplied globalStorage and the extra paths', () => {
		const environment = { home: '/h', env: {}, platform: 'linux' as const };
		const [cline] = clineSources(environment, ['/custom/tasks', '/store'], ['/running/User/globalStorage']);
		assert.ok(cline!.roots.includes('/h/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks'));
		assert.ok(cline!.roots.includes('/h/.cline/data/tasks'));
		assert.ok(cline!.roots.includes('/running/User/globalStorage/saoudrizwan.claude-dev/tasks'));
		assert.ok(cline!.roots.includes('/custom/tasks'));
		assert.ok(cline!.roots.includes('/store/tasks'));
		const [roo] = rooCodeSources(environment, ['/roo-custom']);
		assert.ok(roo!.roots.includes('/h/.config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline/tasks'));
		assert.ok(roo!.roots.includes('/roo-custom/tasks'));
		assert.ok(roo!.roots.includes('/h/.vscode-mock/global-storage/tasks'));
		const [kilo] = kiloCodeSources(environment, []);
		assert.ok(kilo!.roots.includes('/h/.vscode-server/data/User/globalStorage/kilocode.kilo-code/tasks'));
		assert.ok(kilo!.roots.every((root) => !root.includes('roo-cline') && !root.includes('claude-dev')));
	});

	it('lists only tasks/*/ui_messages.json', () => {
		const [roo] = rooCodeSources(emptyHome(), [path.join(family, 'roo')]);
		assert.deepEqual(
			roo!.listFiles().map((file) => path.relative(family, file)),
			[
				'roo/tasks/0f9c3a1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b/ui_messages.json',
				'roo/tasks/3b1d5f7a-9c0e-4d2f-b6a8-c0e2f4a6b8d0/ui_messages.json',
			],
		);
	});
});
