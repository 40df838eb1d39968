import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { UsageEvent } from '../../src/core/usage/usageEvent';
import { parseClaudeLines, sessionIdFromPath, usageLineFromJson } from '../../src/sources/claudeCode/parseClaudeLines';
import { isoTimestampAt, readClaudeUsageLine } from '../../src/sources/claudeCode/readClaudeUsageLine';
import { textWithoutKey } from '../../src/sources/jsonSkim';
import { count, isRecord, looksLikeJsonObject, maxIssuesKept, text } from '../../src/sources/lineParse';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import { seededRandom } from '../support/seededRandom';
import { fixturesDir, tempDir } from './helpers';

/*
 * The byte reader must give JSON.parse's reading of every line it answers for. It may decline a
 * line (the caller then parses it with JSON.parse), so each comparison below only holds it to the
 * lines it reads, and the realistic lines check that it does read them.
 */

/** Bytes around the line that a reader running past its end would trip on. */
const before = Buffer.from('{"usage":{"input_tokens":9}}\n');
const after = Buffer.from('"}],9e9,"content":"x",\\u0022:1}\n');

interface Tally {
	read: number;
	declined: number;
}

/** The lines compared by the running test, parsed once more as a chunk after it (see `compareEvents`). */
const compared: Buffer[] = [];

/** Reads a line both ways and checks that a reading of the byte reader is JSON.parse's one. */
function compare(line: string | Buffer, tally: Tally = { read: 0, declined: 0 }): 'read' | 'declined' {
	const body = typeof line === 'string' ? Buffer.from(line) : line;
	compared.push(body);
	const bytes = Buffer.concat([before, body, after]);
	const start = before.length;
	const end = start + body.length;
	const fast = readClaudeUsageLine(bytes, start, end);
	if (fast === undefined) {
		tally.declined++;
		return 'declined';
	}
	assert.deepStrictEqual(fast, usageLineFromJson(bytes, start, end), `line: ${JSON.stringify(body.toString('latin1'))}`);
	tally.read++;
	return 'read';
}

/** Like `compare`, for a line the byte reader is expected to read itself. */
function expectRead(line: string | Buffer): void {
	assert.equal(compare(line), 'read', `declined: ${line.toString()}`);
}

function linesOf(file: string): string[] {
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter((line) => line !== '');
}

function filesUnder(dir: string): string[] {
	return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.jsonl')).map((name) => path.join(dir, name));
}

/** A usage line with every field the reader looks at, and content that looks like JSON itself. */
const fullRecord = {
	parentUuid: 'p-1',
	isSidechain: true,
	userType: 'external',
	cwd: '/home/dev/naïve → 日本',
	sessionId: 'sess-full',
	version: '2.1.86',
	gitBranch: 'feature/"quoted"',
	costUSD: 0.0123,
	message: {
		id: 'msg_full',
		type: 'message',
		role: 'assistant',
		model: 'claude-opus-4-1-20250805',
		content: [
			{ type: 'thinking', thinking: 'the "usage": {"input_tokens": 1} of } ] { [ \\ \n\t\u2028 \ud83d\ude00' },
			{ type: 'tool_use', id: 'toolu_1', name: 'Write', input: { content: 'file "content": body\\', path: '/x' } },
		],
		stop_reason: 'end_turn',
		stop_sequence: null,
		usage: {
			input_tokens: 12,
			cache_creation_input_tokens: 300,
			cache_read_input_tokens: 4000,
			output_tokens: 56,
			server_tool_use: { web_search_requests: 0 },
			service_tier: 'standard',
			cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
			speed: 'fast',
		},
	},
	requestId: 'req_full',
	type: 'assistant',
	uuid: 'u-full',
	timestamp: '2026-05-02T09:14:07.512Z',
};

/** A tool result that mentions usage: no event, but still a line to read. */
const toolResultRecord = {
	isSidechain: false,
	type: 'user',
	message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'the "usage": {"input_tokens": 5}' }] },
	toolUseResult: { stdout: 'printed "usage": 3', stderr: '', file: { content: '{"usage":{}}', numLines: 1 } },
	uuid: 'u-tool',
	timestamp: '2026-05-02T09:15:00.000Z',
};

/** A line without a message id, keyed by its uuid, with the cache writes given as one number. */
const noIdRecord = {
	type: 'assistant',
	message: { model: 'claude-haiku-4-5-20251001', usage: { input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 5 }, content: 'plain' },
	uuid: 'u-no-id',
	timestamp: '2026-05-02T09:16:00.000Z',
	sessionId: 'sess-no-id',
};

const seedRecords = [fullRecord, toolResultRecord, noIdRecord];
const seedLines = seedRecords.map((record) => JSON.stringify(record));

/** Replaces the first `"key":value` of a flat value (string, number, literal) in a line. */
function withValue(line: string, key: string, value: string): string {
	const pattern = new RegExp(`"${key}":("(?:[^"\\\\]|\\\\.)*"|[^,}\\]]*)`);
	assert.match(line, pattern, `no ${key} in the line`);
	return line.replace(pattern, () => `"${key}":${value}`);
}

/**
 * The event of a usage line read the plain way: JSON.parse of the line without its content, then the
 * fields picked from the object. The parser must give the same events, whichever reader it used.
 */
function plainEvent(bytes: Buffer, start: number, end: number, file: string): UsageEvent | null | string {
	let record: unknown;
	try {
		record = JSON.parse(textWithoutKey(bytes, start, end, 'content') ?? bytes.toString('utf8', start, end));
	} catch {
		return bytes.toString('utf8', start, end).trimEnd().endsWith('}') ? 'invalid JSON' : 'truncated JSON';
	}
	if (!isRecord(record)) return 'not a JSON object';
	const message = record['message'];
	if (!isRecord(message) || !isRecord(message['usage'])) return null;
	const usage = message['usage'];
	const model = text(message['model']);
	if (model === '<synthetic>') return null;
	const timestamp = Date.parse(text(record['timestamp']));
	if (Number.isNaN(timestamp)) return 'usage without a valid timestamp';
	const messageId = text(message['id']);
	const uuid = text(record['uuid']);
	const breakdown = usage['cache_creation'];
	const split = isRecord(breakdown) && ('ephemeral_5m_input_tokens' in breakdown || 'ephemeral_1h_input_tokens' in breakdown);
	return {
		source: 'claude-code',
		key: messageId !== '' ? `claude-code:${messageId}:${text(record['requestId'])}` : uuid !== '' ? `claude-code:uuid:${uuid}` : `claude-code:at:${file}:${start}`,
		messageId,
		timestamp,
		model,
		sessionId: text(record['sessionId']) || sessionIdFromPath(file),
		project: text(record['cwd']),
		branch: text(record['gitBranch']),
		sidechain: record['isSidechain'] === true,
		hasSpeed: typeof usage['speed'] === 'string',
		estimated: false,
		file,
		reportedCostUSD: typeof record['costUSD'] === 'number' ? record['costUSD'] : null,
		reportedCredits: null,
		modelInferred: false,
		inputTokens: count(usage['input_tokens']),
		outputTokens: count(usage['output_tokens']),
		cacheWrite5mTokens: split ? count(breakdown['ephemeral_5m_input_tokens']) : count(usage['cache_creation_input_tokens']),
		cacheWrite1hTokens: split ? count(breakdown['ephemeral_1h_input_tokens']) : 0,
		cacheReadTokens: count(usage['cache_read_input_tokens']),
		reasoningTokens: 0,
	};
}

/** Parses lines as one chunk and checks its events and malformed lines against `plainEvent`. */
function compareEvents(lines: ReadonlyArray<string | Buffer>): void {
	const file = '/x/projects/p/sess-file.jsonl';
	const bodies = lines.map((line) => (typeof line === 'string' ? Buffer.from(line) : line)).filter((body) => !body.includes(0x0a));
	const bytes = Buffer.concat(bodies.flatMap((body) => [body, Buffer.from('\n')]));
	const events: UsageEvent[] = [];
	const issues: Array<{ line: number; reason: string }> = [];
	let start = 0;
	bodies.forEach((body, index) => {
		const end = start + body.length;
		const outcome = body.includes('"usage"') ? plainEvent(bytes, start, end, file) : looksLikeJsonObject(bytes, start, end) ? null : 'not a JSON object';
		if (typeof outcome === 'string') issues.push({ line: index + 1, reason: outcome });
		else if (outcome !== null) events.push(outcome);
		start = end + 1;
	});
	const result = parseClaudeLines(bytes, { file, offset: 0, line: 0 });
	assert.deepStrictEqual(result.events, events);
	assert.equal(result.malformed, issues.length);
	assert.deepStrictEqual(result.issues, issues.slice(0, maxIssuesKept));
}

describe('readClaudeUsageLine', () => {
	afterEach(() => compareEvents(compared.splice(0)));

	it('reads the fixtures as JSON.parse does', () => {
		const tally = { read: 0, declined: 0 };
		for (const file of filesUnder(path.join(fixturesDir, 'claude'))) {
			for (const line of linesOf(file)) compare(line, tally);
		}
		// The two cut lines (one mid-file, one half-written at the end) and the "not json at all" line
		// are left to JSON.parse; everything else is read.
		assert.equal(tally.declined, 3);
		assert.ok(tally.read > 10);
	});

	it('reads every well-formed line of a generated corpus, as JSON.parse does', () => {
		const configDir = path.join(tempDir(), 'claude');
		generateClaudeCorpus({ configDir, sessions: 6, responsesPerSession: 25, end: Date.parse('2026-11-28T12:00:00Z'), days: 5, seed: 7, resumedShare: 0.5, truncateEvery: 9 });
		const tally = { read: 0, declined: 0 };
		let wellFormed = 0;
		for (const file of filesUnder(configDir)) {
			for (const line of linesOf(file)) {
				compare(line, tally);
				if (typeof usageLineFromJson(Buffer.from(line), 0, Buffer.byteLength(line)) !== 'string') wellFormed++;
			}
		}
		assert.equal(tally.read, wellFormed);
		assert.ok(tally.declined > 0);
	});

	it('reads lines with every field, with JSON in their content, and without a message id', () => {
		for (const line of seedLines) expectRead(line);
		expectRead(`${seedLines[0]!}\r`);
		expectRead(`  \t${seedLines[0]!} \t`);
	});

	it('agrees on every truncation of a line', () => {
		for (const line of seedLines) {
			const bytes = Buffer.from(line);
			for (let cut = 0; cut <= bytes.length; cut++) compare(bytes.subarray(0, cut));
		}
	});

	it('agrees when a structural byte is removed, replaced or doubled anywhere', () => {
		const structural = Buffer.from('{}[]:,"\\ 0-.etn');
		const tally = { read: 0, declined: 0 };
		for (const line of seedLines) {
			const bytes = Buffer.from(line);
			for (let at = 0; at < bytes.length; at++) {
				if (!structural.includes(bytes[at]!)) continue;
				compare(Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]), tally);
				for (const other of structural) {
					compare(Buffer.concat([bytes.subarray(0, at), Buffer.from([other]), bytes.subarray(at + 1)]), tally);
					compare(Buffer.concat([bytes.subarray(0, at), Buffer.from([other]), bytes.subarray(at)]), tally);
				}
			}
		}
		assert.ok(tally.read > 1000, `only ${tally.read} mutated lines read`);
	});

	it('agrees on random byte mutations', () => {
		const random = seededRandom(20261128);
		const interesting = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x31, 0x3a, 0x45, 0x5b, 0x5c, 0x5d, 0x65, 0x66, 0x6e, 0x74, 0x75, 0x7b, 0x7d, 0x7f, 0x80, 0xc3, 0xe2, 0xef, 0xff];
		const tally = { read: 0, declined: 0 };
		for (let round = 0; round < 6000; round++) {
			const bytes = Buffer.from(seedLines[round % seedLines.length]!);
			const edits = 1 + Math.floor(random() * 3);
			let mutated = bytes;
			for (let e = 0; e < edits; e++) {
				const at = Math.floor(random() * mutated.length);
				const byte = Buffer.from([interesting[Math.floor(random() * interesting.length)]!]);
				const kind = Math.floor(random() * 3);
				if (kind === 0) mutated = Buffer.concat([mutated.subarray(0, at), byte, mutated.subarray(at + 1)]);
				else if (kind === 1) mutated = Buffer.concat([mutated.subarray(0, at), byte, mutated.subarray(at)]);
				else mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
			}
			compare(mutated, tally);
		}
		assert.ok(tally.read > 500, `only ${tally.read} mutated lines read`);
	});

	it('agrees whatever the key order, at every level', () => {
		const random = seededRandom(5);
		const shuffle = (value: unknown): unknown => {
			if (Array.isArray(value)) return value.map(shuffle);
			if (typeof value !== 'object' || value === null) return value;
			const entries = Object.entries(value).map(([key, inner]) => [key, shuffle(inner)] as const);
			for (let i = entries.length - 1; i > 0; i--) {
				const j = Math.floor(random() * (i + 1));
				[entries[i], entries[j]] = [entries[j]!, entries[i]!];
			}
			return Object.fromEntries(entries);
		};
		for (let round = 0; round < 200; round++) {
			for (const record of seedRecords) expectRead(JSON.stringify(shuffle(record)));
		}
	});

	it('agrees on pretty-printed lines, with spaces, tabs and line breaks between tokens', () => {
		for (const record of seedRecords) {
			expectRead(JSON.stringify(record, null, 2));
			expectRead(JSON.stringify(record, null, '\t'));
			expectRead(JSON.stringify(record, null, '\r\n'));
			expectRead(JSON.stringify(record, null, 1).replace(/\n/g, ' '));
		}
		// `textWithoutKey` only cuts `"content":` with its colon right after the quote; a spaced one is parsed.
		expectRead(seedLines[0]!.replace('"content":', '"content" :'));
		expectRead(seedLines[0]!.replace(/":/g, '" : '));
	});

	it('lets the last of repeated keys win, as JSON.parse does', () => {
		const line = seedLines[0]!;
		const cases = [
			line.replace('{', '{"message":"first",'),
			line.replace(/}$/, ',"message":"last"}'),
			line.replace(/}$/, ',"message":{"usage":{"input_tokens":1}}}'),
			line.replace(/}$/, ',"timestamp":5}'),
			line.replace(/}$/, ',"timestamp":"2027-01-01T00:00:00.000Z","costUSD":"x","isSidechain":false,"uuid":1,"sessionId":"s2","cwd":null,"gitBranch":"b2","requestId":"r2"}'),
			line.replace('"usage":{', '"usage":{"input_tokens":999,"speed":"x","cache_creation":{"ephemeral_5m_input_tokens":1},'),
			line.replace('"usage":{', '"usage":[],"usage":{'),
			line.replace('"usage":{', '"usage":{"cache_creation":{"ephemeral_1h_input_tokens":1},'),
			line.replace('"model":', '"id":7,"model":"m1","model":'),
			line.replace('"speed":"fast"', '"speed":"fast","speed":1,"cache_creation":[]'),
			line.replace('"speed":"fast"', '"speed":"fast","cache_creation":{}'),
			line.replace('"uuid":"u-full"', '"uuid":"u-full","uuid":"u-2"'),
			seedLines[2]!.replace(/}$/, ',"uuid":"u-last"}'),
			seedLines[2]!.replace(/}$/, ',"uuid":null}'),
		];
		for (const variant of cases) expectRead(variant);
	});

	it('decodes escaped strings as JSON.parse does, lone surrogates included', () => {
		const line = seedLines[0]!;
		for (const value of ['"\\u0063laude-\\/x"', '"msg_\\ud83d\\ude00"', '"\\udc00"', '"\\ud83d"', '"\\\\"', '"a\\"b"', '"\\b\\f\\n\\r\\t"', '"\\u00e9t\\u00C9"', '""']) {
			expectRead(withValue(line, 'model', value));
			expectRead(withValue(line, 'id', value));
			expectRead(withValue(line, 'requestId', value));
			expectRead(withValue(line, 'sessionId', value));
			expectRead(withValue(line, 'cwd', value));
			expectRead(withValue(seedLines[2]!, 'uuid', value));
			expectRead(withValue(line, 'timestamp', value));
			expectRead(withValue(line, 'speed', value));
			expectRead(withValue(line, 'version', value));
		}
		expectRead(withValue(line, 'timestamp', '"2026-05-02T09:14:07.\\u0035\\u00312Z"'));
		expectRead(withValue(line, 'model', '"<synthetic>"'));
		expectRead(withValue(line, 'model', '"\\u003csynthetic>"'));
		// An escaped key could spell a wanted one: declining it is allowed, a different answer is not.
		compare(line.replace('"model":', '"\\u006dodel":'));
		compare(line.replace('"version":', '"\\u0076ersion":'));
		compare(line.replace('"message":', '"messag\\u0065":'));
	});

	it('reads numbers in every JSON form, and declines the forms JSON.parse rejects', () => {
		const line = seedLines[0]!;
		const valid = ['0', '-0', '7', '-3', '12.5', '0.0', '0.5', '1.5', '2.5', '1e3', '1E+2', '1e-2', '-1.5e3', '123456789012345', '1234567890123456789', '1e400', '-1e400', '4.9e-324', '0.1e1'];
		for (const number of valid) {
			for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens', 'costUSD', 'web_search_requests']) {
				expectRead(withValue(line, key, number));
			}
		}
		for (const number of ['01', '1.', '.5', '+1', '-', '1e', '1e+', '0x10', 'NaN', 'Infinity', '--1', '1.2.3', '1e2e3', '- 1']) {
			assert.equal(compare(withValue(line, 'input_tokens', number)), 'declined', number);
			assert.equal(compare(withValue(line, 'web_search_requests', number)), 'declined', number);
		}
	});

	it('reads values of unexpected types as JSON.parse does', () => {
		const line = seedLines[0]!;
		const values = ['"str"', '[]', '[1,{"a":[]}]', 'null', '1', 'true', 'false', '{}', '{"usage":{}}', '"2026-05-02T09:14:07.512Z"'];
		for (const value of values) {
			for (const key of ['timestamp', 'requestId', 'sessionId', 'cwd', 'gitBranch', 'isSidechain', 'costUSD', 'uuid', 'id', 'model', 'speed', 'input_tokens', 'output_tokens', 'ephemeral_5m_input_tokens']) {
				expectRead(withValue(line, key, value));
			}
			expectRead(line.replace(/"message":\{.*\},"requestId"/, `"message":${value},"requestId"`));
			expectRead(line.replace(/"usage":\{.*?"speed":"fast"\}/, `"usage":${value}`));
			expectRead(line.replace(/"cache_creation":\{[^}]*\}/, `"cache_creation":${value}`));
		}
		expectRead(line.replace(/"cache_creation":\{[^}]*\}/, '"cache_creation":{"ephemeral_1h_input_tokens":null}'));
		expectRead(line.replace(/"cache_creation":\{[^}]*\}/, '"cache_creation":{"ephemeral_5m_input_tokens":"5"}'));
		expectRead(line.replace(/"cache_creation":\{[^}]*\}/, '"cache_creation":{"other":1}'));
	});

	it('reads timestamps as Date.parse does', () => {
		const line = seedLines[0]!;
		const stamps = [
			'2026-02-31T00:00:00.000Z',
			'2024-02-29T23:59:59.999Z',
			'2026-01-01T24:00:00.000Z',
			'2026-01-01T24:30:00.000Z',
			'2026-01-01T24:00:00.001Z',
			'2026-13-01T00:00:00.000Z',
			'2026-00-10T00:00:00.000Z',
			'2026-01-32T00:00:00.000Z',
			'2026-01-00T00:00:00.000Z',
			'2026-01-01T23:60:00.000Z',
			'2026-01-01T23:59:60.000Z',
			'0026-01-01T00:00:00.000Z',
			'0100-01-01T00:00:00.000Z',
			'9999-12-31T23:59:59.999Z',
			'2026-05-02T09:14:07Z',
			'2026-05-02T09:14:07.5Z',
			'2026-05-02T09:14:07.512+02:00',
			'2026-05-02 09:14:07.512Z',
			'2026-05-02',
			'Sat May 02 2026 09:14:07 GMT',
			'2026-05-02T09:14:07.512z',
			'2026-05-0aT09:14:07.512Z',
			'+02026-05-02T09:14:07.512Z',
			'not a date',
			'',
		];
		for (const stamp of stamps) expectRead(withValue(line, 'timestamp', JSON.stringify(stamp)));
	});

	it('computes toISOString() timestamps exactly as Date.parse does, month ends and leap years included', () => {
		for (const year of [1970, 1999, 2000, 2024, 2026, 2100]) {
			for (let month = 1; month <= 12; month++) {
				for (let day = 1; day <= 31; day++) {
					const stamp = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:58.250Z`;
					const bytes = Buffer.from(stamp);
					assert.equal(isoTimestampAt(bytes, 0, bytes.length), Date.parse(stamp), stamp);
				}
			}
		}
	});

	it('declines what JSON.parse rejects outside the content, and agrees on it inside', () => {
		const line = seedLines[0]!;
		const rejected = [
			withValue(line, 'cwd', '"tab\there"'),
			withValue(line, 'version', '"nul\u0000"'),
			withValue(line, 'type', '"bad \\x escape"'),
			withValue(line, 'type', '"bad \\u12G4 escape"'),
			withValue(line, 'type', '"cut \\u12"'),
			line.replace('"content":[', '"content" :[tru,'),
			withValue(line, 'stop_sequence', 'nul'),
			withValue(line, 'stop_sequence', 'True'),
			withValue(line, 'stop_sequence', 'nullx'),
			line.replace(/}$/, '}x'),
			line.replace(/}$/, '}}'),
			line.replace(/}$/, ',}'),
			line.replace(/}$/, ' ,'),
			line.replace('"type":"assistant"', '"type""assistant"'),
			line.replace('"type":"assistant"', '"type":"assistant",,"a":1'),
			line.replace('"web_search_requests":0', '"web_search_requests":[0,]'),
			line.replace('"web_search_requests":0', '"web_search_requests":[0 1]'),
			`\ufeff${line}`,
			`[${line}]`,
			'"usage"',
			'123 "usage"',
			`${line} ${line}`,
			'{"usage":1} "usage"',
		];
		for (const variant of rejected) assert.equal(compare(variant), 'declined', variant);
		// The content is cut out before JSON.parse, so anything goes there.
		const lenient = [
			line.replace('"content":[', '"content":[\t"raw\ttab",'),
			line.replace('"content":[', '"content":["bad \\x escape",'),
			line.replace('"content":[', '"content":[tru, 1.2.3, {"a" "b"},'),
			line.replace(/"content":\[.*?\],"stop_reason"/, '"content":not-json,"stop_reason"'),
			line.replace(/"content":\[.*?\],"stop_reason"/, '"content":[},"stop_reason"'),
		];
		for (const variant of lenient) expectRead(variant);
		// Shapes where `textWithoutKey` and the reader part ways are left to JSON.parse.
		compare(line.replace('"content":[', '"content":1,"content":['));
		compare(line.replace(/}$/, ',"content":1,"content":2}'));
		compare(line.replace('"web_search_requests":0', '"web_search_requests":[1,"content":2]'));
		compare(line.replace(/"content":\[.*?\],"stop_reason"/, '"content":,"stop_reason"'));
		compare(line.replace(/"content":\[.*?\],"stop_reason"/, '"content":"never closed'));
	});

	it('declines nesting deeper than it recurses, leaving it to JSON.parse', () => {
		for (const deep of [`${'['.repeat(200)}${']'.repeat(200)}`, `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`]) {
			assert.equal(compare(seedLines[0]!.replace('"web_search_requests":0', `"web_search_requests":${deep}`)), 'declined');
		}
		expectRead(seedLines[0]!.replace('"web_search_requests":0', `"web_search_requests":${'['.repeat(20)}${']'.repeat(20)}`));
	});
});
