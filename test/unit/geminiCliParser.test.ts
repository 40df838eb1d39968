import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import type { CountedUsage, UsageEvent } from '../../src/core/usage/usageEvent';
import { parseGeminiDocument, parseGeminiLines, sessionIdFromPath } from '../../src/sources/geminiCli/parseGeminiChats';
import { fixturesDir } from './helpers';

const tmpDir = path.join(fixturesDir, 'gemini-cli', 'tmp');
const S1 = '6f2c1d9e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';
const mainFile = path.join(tmpDir, 'acme-api/chats/session-2026-05-02T09-20-6f2c1d9e.jsonl');
const subAgentFile = path.join(tmpDir, `acme-api/chats/${S1}/9a8b7c6d-1111-4222-8333-444455556666.jsonl`);
const legacyFile = path.join(tmpDir, '9b1f0c3d2e4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344/chats/session-2026-04-20T08-00-7d3e2f1a.json');

const parseFile = (file: string) => parseGeminiLines(fs.readFileSync(file), { file, offset: 0, line: 0 }, undefined, { project: '/home/dev/acme-api' });

/** [input, cacheRead, output, reasoning] per event. */
const buckets = (events: readonly CountedUsage[]) => events.map((event) => [event.inputTokens, event.cacheReadTokens, event.outputTokens, event.reasoningTokens]);

const counted = (events: readonly UsageEvent[]): CountedUsage[] => {
	const index = new DedupeIndex();
	for (const event of events) index.add(event);
	return index.counted();
};

const lines = (records: readonly unknown[]): Buffer => Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
const tokens = (input: number, output: number, cached: number, thoughts: number, tool: number) => ({ input, output, cached, thoughts, tool, total: input + output + thoughts + tool });

describe('parseGeminiLines', () => {
	it('counts a message appended many times once, with the tokens that arrived late', () => {
		const result = parseFile(mainFile);
		// a1b2c3d4-0002: written without tokens, then twice with them (the second time with a tool call).
		assert.deepEqual(
			result.events.map((event) => event.key),
			[`gemini-cli:${S1}:a1b2c3d4-0002`, `gemini-cli:${S1}:a1b2c3d4-0002`, `gemini-cli:${S1}:a1b2c3d4-0004`, `gemini-cli:${S1}:a1b2c3d4-0006`],
		);
		assert.deepEqual(buckets(counted(result.events)), [
			[3624, 9216, 306, 210], // 12840 input - 9216 cached; 96 output + 210 thoughts
			[2120, 12000, 150, 0], // 14000 - 12000 + 120 tool-use prompt
			[500, 12500, 120, 40],
		]);
	});

	it('keeps the spend of messages a $rewindTo removed from the conversation', () => {
		const result = parseFile(mainFile);
		assert.ok(result.events.some((event) => event.key.endsWith(':a1b2c3d4-0004')), 'the rewound reply still counts');
	});

	it('fills in session, model, project and time', () => {
		const event = parseFile(mainFile).events[0]!;
		assert.equal(event.source, 'gemini-cli');
		assert.equal(event.sessionId, S1);
		assert.equal(event.model, 'gemini-2.5-pro');
		assert.equal(event.modelInferred, false);
		assert.equal(event.project, '/home/dev/acme-api');
		assert.equal(event.timestamp, Date.parse('2026-05-02T09:20:18.902Z'));
		assert.equal(event.messageId, '');
		assert.equal(event.branch, '');
		assert.equal(event.cacheWrite5mTokens + event.cacheWrite1hTokens, 0);
		assert.equal(event.file, mainFile);
	});

	it('counts a malformed line and leaves a half-written last line for later', () => {
		const bytes = fs.readFileSync(mainFile);
		const result = parseGeminiLines(bytes, { file: mainFile, offset: 0, line: 0 }, undefined);
		assert.equal(result.malformed, 1);
		assert.deepEqual(result.issues, [{ line: 12, reason: 'truncated JSON' }]);
		assert.equal(result.lines, 12);
		assert.ok(result.consumed < bytes.length);
		assert.equal(bytes[result.consumed - 1], 0x0a);
		assert.ok(!result.events.some((event) => event.key.endsWith(':a1b2c3d4-0008')));
	});

	it('gives the same events when the file is read line by line with the state carried', () => {
		const bytes = fs.readFileSync(mainFile);
		const whole = parseGeminiLines(bytes, { file: mainFile, offset: 0, line: 0 }, undefined);
		let offset = 0;
		let line = 0;
		let state: unknown;
		const events: UsageEvent[] = [];
		while (offset < bytes.length) {
			const end = bytes.indexOf(0x0a, offset);
			if (end === -1) break;
			const result = parseGeminiLines(bytes.subarray(offset, end + 1), { file: mainFile, offset, line }, state);
			state = result.state;
			events.push(...result.events);
			offset += result.consumed;
			line += result.lines;
		}
		assert.deepEqual(events, whole.events);
		assert.equal(offset, whole.consumed);
	});

	it('takes a project from the sub-agent directories when there is no project marker', () => {
		const result = parseGeminiLines(fs.readFileSync(subAgentFile), { file: subAgentFile, offset: 0, line: 0 }, undefined);
		assert.deepEqual(buckets(result.events), [[3000, 0, 300, 100]]);
		assert.equal(result.events[0]!.project, '/home/dev/acme-api');
		assert.equal(result.events[0]!.sessionId, '9a8b7c6d-1111-4222-8333-444455556666');
	});

	it('reads messages a $set rewrote (a history sync) under the same keys', () => {
		const message = { id: 'm1', timestamp: '2026-05-02T10:00:00Z', type: 'gemini', content: 'x', tokens: tokens(100, 10, 0, 0, 0), model: 'gemini-2.5-pro' };
		const result = parseGeminiLines(
			lines([{ sessionId: 's9', projectHash: 'h', startTime: '2026-05-02T09:59:00Z' }, message, { $set: { messages: [{ ...message, content: 'masked' }], lastUpdated: '2026-05-02T10:01:00Z' } }]),
			{ file: '/t/chats/session-2026-05-02T09-59-s9.jsonl', offset: 0, line: 0 },
			undefined,
		);
		assert.deepEqual(result.events.map((event) => event.key), ['gemini-cli:s9:m1', 'gemini-cli:s9:m1']);
		assert.equal(counted(result.events).length, 1);
	});

	it('falls back to the file name for a session and to the previous model for a message that names none', () => {
		const result = parseGeminiLines(
			lines([
				{ id: 'm1', timestamp: '2026-05-02T10:00:00Z', type: 'gemini', content: 'x', tokens: tokens(100, 10, 0, 0, 0), model: 'gemini-2.5-flash' },
				{ id: 'm2', timestamp: '2026-05-02T10:00:05Z', type: 'gemini', content: 'y', tokens: tokens(200, 20, 0, 0, 0) },
				{ $set: { sessionId: 'late-id' } },
			]),
			{ file: '/t/chats/session-2026-05-02T09-59-abcdef12.jsonl', offset: 0, line: 0 },
			undefined,
		);
		assert.deepEqual(
			result.events.map((event) => [event.key, event.model, event.modelInferred]),
			[
				['gemini-cli:session-2026-05-02T09-59-abcdef12:m1', 'gemini-2.5-flash', false],
				['gemini-cli:session-2026-05-02T09-59-abcdef12:m2', 'gemini-2.5-flash', true],
			],
		);
		assert.equal(sessionIdFromPath('/t/chats/parent/9a8b7c6d.jsonl'), '9a8b7c6d');
	});

	it('skips messages without usage and non-gemini records, and counts a usage line without any time as malformed', () => {
		const result = parseGeminiLines(
			lines([
				{ id: 'u1', type: 'user', content: 'hi', tokens: tokens(5, 0, 0, 0, 0) },
				{ id: 'm0', type: 'gemini', content: '', tokens: tokens(0, 0, 0, 0, 0) },
				{ id: 'm1', type: 'gemini', content: 'x', tokens: tokens(100, 10, 0, 0, 0) },
			]),
			{ file: '/t/chats/x.jsonl', offset: 0, line: 0 },
			undefined,
		);
		assert.equal(result.events.length, 0);
		assert.deepEqual(result.issues, [{ line: 3, reason: 'usage without a valid timestamp' }]);
	});
});

describe('parseGeminiDocument', () => {
	it('reads a legacy .json conversation with the same keys the .jsonl form would get', () => {
		const result = parseGeminiDocument(fs.readFileSync(legacyFile), legacyFile);
		assert.equal(result.malformed, 0);
		assert.deepEqual(buckets(result.events), [
			[3000, 2000, 300, 0],
			[2000, 4000, 150, 50],
		]);
		assert.deepEqual(
			result.events.map((event) => event.key),
			['gemini-cli:7d3e2f1a-5b6c-4d7e-8f90-a1b2c3d4e5f6:c0000001-0002', 'gemini-cli:7d3e2f1a-5b6c-4d7e-8f90-a1b2c3d4e5f6:c0000001-0004'],
		);
		assert.equal(result.events[0]!.project, '');
	});

	it('counts a damaged document as one malformed record, and ignores JSON that is not a conversation', () => {
		const bytes = fs.readFileSync(legacyFile);
		const cut = parseGeminiDocument(bytes.subarray(0, 300), legacyFile);
		assert.deepEqual([cut.events.length, cut.malformed, cut.issues], [0, 1, [{ line: 0, reason: 'truncated JSON' }]]);
		const other = parseGeminiDocument(Buffer.from('[{"a":1}]'), '/t/chats/logs.json');
		assert.deepEqual([other.events.length, other.malformed], [0, 0]);
	});
});
