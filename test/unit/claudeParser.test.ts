import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseClaudeLines, sessionIdFromPath } from '../../src/sources/claudeCode/parseClaudeLines';
import { fixturesDir } from './helpers';

const projects = path.join(fixturesDir, 'claude', 'projects');
const parseFile = (relative: string) => {
	const file = path.join(projects, relative);
	return parseClaudeLines(fs.readFileSync(file), { file, offset: 0, line: 0 });
};

describe('parseClaudeLines', () => {
	it('emits one event per usage line, skipping <synthetic> and lines without usage', () => {
		const result = parseFile('-home-dev-acme-api/sess-a.jsonl');
		// 3 fragments of msg_A1, msg_A2 and msg_A3; the user line, compact boundary and synthetic add none.
		assert.deepEqual(
			result.events.map((event) => [event.messageId, event.outputTokens]),
			[
				['msg_A1', 1],
				['msg_A1', 50],
				['msg_A1', 200],
				['msg_A2', 300],
				['msg_A3', 7],
			],
		);
	});

	it('counts malformed lines with their line numbers and reasons, and goes on', () => {
		const result = parseFile('-home-dev-acme-api/sess-a.jsonl');
		assert.equal(result.malformed, 2);
		assert.deepEqual(result.issues, [
			{ line: 8, reason: 'truncated JSON' },
			{ line: 9, reason: 'not a JSON object' },
		]);
	});

	it('keeps a line whose text holds an unpaired UTF-16 escape', () => {
		const result = parseFile('-home-dev-acme-api/sess-a.jsonl');
		const cut = result.events.find((event) => event.messageId === 'msg_A3');
		assert.ok(cut);
		assert.equal(cut.inputTokens, 1);
	});

	it('does not consume a half-written last line until its newline arrives', () => {
		const file = path.join(projects, '-home-dev-acme-api/sess-a.jsonl');
		const bytes = fs.readFileSync(file);
		const result = parseClaudeLines(bytes, { file, offset: 0, line: 0 });
		assert.equal(result.lines, 10);
		assert.ok(result.consumed < bytes.length);
		assert.equal(bytes[result.consumed - 1], 0x0a);
		assert.ok(!result.events.some((event) => event.messageId === 'msg_A4'));
	});

	it('reads CRLF files', () => {
		const result = parseFile('-home-dev-web/sess-c.jsonl');
		assert.equal(result.malformed, 0);
		assert.deepEqual(
			result.events.map((event) => [event.messageId, event.inputTokens, event.project]),
			[
				['msg_C1', 4, '/home/dev/web'],
				['msg_C2', 6, '/home/dev/web'],
			],
		);
	});

	it('splits cache writes into 5-minute and 1-hour parts when the record does', () => {
		const result = parseFile('-home-dev-acme-api/sess-a.jsonl');
		const a2 = result.events.find((event) => event.messageId === 'msg_A2')!;
		assert.equal(a2.cacheWrite5mTokens, 0);
		assert.equal(a2.cacheWrite1hTokens, 400);
		const a1 = result.events.find((event) => event.messageId === 'msg_A1')!;
		assert.equal(a1.cacheWrite5mTokens, 100);
		assert.equal(a1.cacheReadTokens, 1000);
	});

	it('keys by message id and request id, by message id alone, or by entry uuid', () => {
		const result = parseFile('-home-dev-acme-api/sess-b.jsonl');
		assert.deepEqual(
			result.events.map((event) => event.key),
			[
				'claude-code:msg_A1:req_A1',
				'claude-code:msg_A2:req_A2',
				'claude-code:msg_N1:',
				'claude-code:msg_N1:',
				'claude-code:uuid:u-no-id-1',
				'claude-code:uuid:u-no-id-2',
				'claude-code:msg_B1:req_B1',
			],
		);
	});

	it('marks sub-agent lines as sidechain and numbers lines from the chunk position', () => {
		const file = path.join(projects, '-home-dev-acme-api/sess-a/subagents/agent-1.jsonl');
		const bytes = fs.readFileSync(file);
		const firstNewline = bytes.indexOf(0x0a) + 1;
		const result = parseClaudeLines(bytes.subarray(firstNewline), { file, offset: firstNewline, line: 1 });
		assert.equal(result.lines, 1);
		assert.equal(result.events[0]!.sidechain, true);
	});

	it('derives the session id from the path, sub-agents belonging to their parent session', () => {
		assert.equal(sessionIdFromPath('/x/projects/p/abc.jsonl'), 'abc');
		assert.equal(sessionIdFromPath('/x/projects/p/abc/subagents/agent-1.jsonl'), 'abc');
	});
});
