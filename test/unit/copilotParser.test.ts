import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CountedUsage } from '../../src/core/usage/usageEvent';
import { Ledger } from '../../src/ledger/ledger';
import { copilotOtelFolder, copilotSources } from '../../src/sources/copilot/copilotSource';
import { parseCopilotOtelLines, timeMs, usageOf } from '../../src/sources/copilot/parseCopilotOtelLines';
import type { Environment } from '../../src/sources/logSource';
import { fixturesDir, tempDir } from './helpers';

const copilotDir = path.join(fixturesDir, 'copilot');
const vscodeFile = path.join(copilotDir, 'vscode-otel.jsonl');
const cliFile = path.join(copilotDir, 'cli-otlp.jsonl');
const trace1 = '4bf92f3577b34da6a3ce929d0e0e4736';
const trace3 = '6d1b405799d56fc8c5e014bf202f6958';

function totals(events: readonly CountedUsage[]) {
	return {
		requests: events.length,
		input: events.reduce((sum, event) => sum + event.inputTokens, 0),
		output: events.reduce((sum, event) => sum + event.outputTokens, 0),
		cacheWrite: events.reduce((sum, event) => sum + event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0),
		cacheRead: events.reduce((sum, event) => sum + event.cacheReadTokens, 0),
		reasoning: events.reduce((sum, event) => sum + event.reasoningTokens, 0),
	};
}

const parseFile = (file: string) => parseCopilotOtelLines(fs.readFileSync(file), { file, offset: 0, line: 0 }, undefined);

/** The span whose first 120 bytes end the VS Code fixture. */
const lastSpanLine = JSON.stringify({
	traceId: trace3,
	spanId: '44b4abee4fe346fb',
	traceFlags: 1,
	parentSpanContext: null,
	name: 'chat gpt-4.1',
	kind: 2,
	startTime: [1777720900, 0],
	endTime: [1777720901, 0],
	duration: [1, 0],
	ended: true,
	attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 700 },
	status: { code: 1 },
	events: [],
	links: [],
	resource: { attributes: { 'service.name': 'copilot-chat', 'service.version': '0.59.0', 'session.id': 'vscode-window-7f3a' } },
	instrumentationScope: { name: 'copilot-chat', version: '0.59.0' },
	droppedAttributesCount: 0,
	droppedEventsCount: 0,
	droppedLinksCount: 0,
});

describe('parseCopilotOtelLines: VS Code span lines', () => {
	const result = parseFile(vscodeFile);

	it('counts chat spans, and an agent span only for a trace without chat spans', () => {
		// Chat 9120 in (8192 cached) + 402 out; chat 12000 in (9000 cached, 2500 written) + 800 out
		// (300 reasoning); the agent span of trace 2 (3000 + 100); chat 200 in with 5000 cache reads
		// reported outside it. Trace 1's agent span and the inference log record repeat the chats.
		assert.deepEqual(totals(result.events), {
			requests: 4,
			input: 928 + 500 + 3000 + 200,
			output: 402 + 800 + 100 + 50,
			cacheWrite: 2500,
			cacheRead: 8192 + 9000 + 5000,
			reasoning: 300,
		});
		assert.ok(result.events.every((event) => event.source === 'copilot' && !event.estimated));
	});

	it('keys by trace and span id, dates by span end, and reads model, session and branch', () => {
		assert.deepEqual(
			result.events.map((event) => [event.key, event.timestamp, event.model, event.sessionId, event.branch]),
			[
				[`copilot:${trace1}:00f067aa0ba902b7`, 1777713603480, 'gpt-4.1-2025-04-14', 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', 'main'],
				[`copilot:${trace1}:22f289cc2dc124d9`, 1777713611250, 'claude-sonnet-4.5', 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', ''],
				['copilot:5c0a3f4688c45eb7b4df03ae1f1f5847:99aa99aa99aa99aa', 1777717230000, 'gpt-4o-mini', 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', ''],
				[`copilot:${trace3}:33a39add3ed235ea`, 1777720805000, 'gemini-2.5-pro', 'chat-77', ''],
			],
		);
	});

	it('counts a damaged line, leaves a half-written last line, and remembers traces with chats', () => {
		assert.equal(result.malformed, 1);
		assert.deepEqual(result.issues, [{ line: 8, reason: 'invalid JSON' }]);
		assert.equal(result.lines, 9);
		const bytes = fs.readFileSync(vscodeFile);
		assert.ok(lastSpanLine.startsWith(bytes.subarray(result.consumed).toString()));
		assert.deepEqual(result.state, { chatTraces: [trace1, trace3] });
	});

	it('skips an agent span whose chat spans came in an earlier chunk', () => {
		const agent = `${JSON.stringify({ traceId: trace3, spanId: 'ab12ab12ab12ab12', name: 'invoke_agent copilot', endTime: [1777720999, 0], attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 5200, 'gen_ai.usage.output_tokens': 50 } })}\n`;
		const next = parseCopilotOtelLines(Buffer.from(agent), { file: vscodeFile, offset: 0, line: 0 }, result.state);
		assert.equal(next.events.length, 0);
		const fresh = parseCopilotOtelLines(Buffer.from(agent), { file: vscodeFile, offset: 0, line: 0 }, undefined);
		assert.equal(fresh.events.length, 1);
	});
});

describe('parseCopilotOtelLines: OTLP-JSON batches', () => {
	it('reads every span of a batch, with attribute lists and nanosecond times', () => {
		const result = parseFile(cliFile);
		assert.equal(result.malformed, 0);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.timestamp, event.model, event.inputTokens, event.cacheReadTokens, event.outputTokens]),
			[
				['copilot:7e2c516800e670d9d6f125c0313f0a69:55c5bcff50f457ac', 1777724406125, 'claude-sonnet-4.5', 3000, 1000, 250],
				[`copilot:${trace1}:00f067aa0ba902b7`, 1777713603480, 'gpt-4.1-2025-04-14', 928, 8192, 402],
			],
		);
	});
});

describe('Copilot OTel token conventions', () => {
	it('takes cache reads and writes out of the input when they fit inside it', () => {
		assert.deepEqual(usageOf({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 60, 'gen_ai.usage.cache_write.input_tokens': 30 }), {
			input: 10,
			output: 0,
			cacheRead: 60,
			cacheWrite: 30,
			reasoning: 0,
		});
		assert.deepEqual(usageOf({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 60, 'gen_ai.usage.cache_creation.input_tokens': 70 })?.input, 40);
		assert.deepEqual(usageOf({ 'gen_ai.usage.output_tokens': '50', 'gen_ai.usage.reasoning.output_tokens': 80 }), {
			input: 0,
			output: 130,
			cacheRead: 0,
			cacheWrite: 0,
			reasoning: 80,
		});
		assert.equal(usageOf({ 'gen_ai.usage.input_tokens': 0 }), null);
	});

	it('reads span times in every shape', () => {
		assert.equal(timeMs([1777713603, 480000000]), 1777713603480);
		assert.equal(timeMs('1777713603480123456'), 1777713603480);
		assert.equal(timeMs(1777713603480123456), 1777713603480);
		assert.equal(timeMs(1777713603480), 1777713603480);
		assert.equal(timeMs(1777713603), 1777713603000);
		assert.equal(timeMs('2026-05-02T09:20:03.480Z'), 1777713603480);
		assert.equal(timeMs('soon'), null);
	});
});

describe('Copilot sources through the ledger', () => {
	it('reads ~/.copilot/otel and named files, counting a span exported twice once', () => {
		const root = tempDir('copilot-test-');
		const home = path.join(root, 'home');
		const environment: Environment = { home, env: {}, platform: 'linux' };
		const otelFolder = copilotOtelFolder(environment);
		fs.mkdirSync(otelFolder, { recursive: true });
		const vscode = path.join(otelFolder, 'vscode-otel.jsonl');
		fs.copyFileSync(vscodeFile, vscode);
		const cli = path.join(root, 'elsewhere', 'cli.otel');
		fs.mkdirSync(path.dirname(cli));
		fs.copyFileSync(cliFile, cli);
		const sources = copilotSources({ ...environment, env: { COPILOT_OTEL_FILE_EXPORTER_PATH: cli } }, []);
		assert.deepEqual(sources[0]!.roots, [otelFolder]);
		const ledger = new Ledger({ home: path.join(root, 'ledger'), sources });

		const first = ledger.refresh();
		assert.equal(first.filesRead, 2);
		assert.equal(first.malformedLines, 1);
		assert.deepEqual(totals(ledger.counted()), { requests: 5, input: 7628, output: 1602, cacheWrite: 2500, cacheRead: 23192, reasoning: 300 });

		// The half-written span completes; trace 3's agent span arrives (its chats were counted).
		const partial = fs.readFileSync(vscode, 'utf8').split('\n').pop()!;
		fs.appendFileSync(vscode, `${lastSpanLine.slice(partial.length)}\n`);
		fs.appendFileSync(
			vscode,
			`${JSON.stringify({ traceId: trace3, spanId: 'ab12ab12ab12ab12', name: 'invoke_agent copilot', endTime: [1777720999, 0], attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 5900, 'gen_ai.usage.output_tokens': 50 } })}\n`,
		);
		const second = ledger.refresh();
		assert.equal(second.eventsStored, 1);
		assert.deepEqual(totals(ledger.counted()), { requests: 6, input: 7628 + 700, output: 1602, cacheWrite: 2500, cacheRead: 23192, reasoning: 300 });
		assert.equal(ledger.refresh().bytesRead, 0);
		ledger.rebuild();
		assert.deepEqual(totals(ledger.counted()), { requests: 6, input: 8328, output: 1602, cacheWrite: 2500, cacheRead: 23192, reasoning: 300 });
	});

	it('takes extra folders and files', () => {
		const root = tempDir('copilot-extra-');
		const folder = path.join(root, 'otel');
		fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
		fs.copyFileSync(vscodeFile, path.join(folder, 'nested', 'a.jsonl'));
		fs.writeFileSync(path.join(folder, 'notes.txt'), 'not OTel');
		const file = path.join(root, 'b.jsonl');
		fs.copyFileSync(cliFile, file);
		const [source] = copilotSources({ home: path.join(root, 'home'), env: {}, platform: 'linux' }, [folder, file, path.join(root, 'not-yet.jsonl')]);
		assert.deepEqual(source!.listFiles().sort(), [file, path.join(folder, 'nested', 'a.jsonl')].sort());
		assert.deepEqual(source!.roots, [path.join(root, 'home', '.copilot', 'otel'), folder]);
	});
});
