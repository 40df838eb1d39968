import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupeIndex } from '../../src/core/usage/dedupe';
import { EventDecoder, EventEncoder, RowEncoder } from '../../src/ledger/eventCodec';
import { usageEvent } from './helpers';

describe('Ledger line format', () => {
	it('reads back every event as written: awkward strings, large and fractional numbers, absent costs', () => {
		const events = [
			usageEvent(),
			usageEvent({ key: 'a"b\\c\u0001ñ😀\n', messageId: '\ud800x', reportedCostUSD: 0.1 + 0.2, reportedCredits: 12.5, cacheReadTokens: 2 ** 53, timestamp: Date.parse('2026-05-02T10:00:00.123Z') }),
			usageEvent({ key: 'k3', file: '/x "quoted".jsonl', model: 'm', sessionId: 's', project: '', branch: '', sidechain: true, hasSpeed: true, estimated: true, modelInferred: true, source: 'codex' }),
			// Message ids near the key's second field that are not it, and one that ends the key.
			usageEvent({ key: 'src:a:b:c', messageId: 'a:b' }),
			usageEvent({ key: 'src:mm:r', messageId: 'm' }),
			usageEvent({ key: 'src:m', messageId: 'm' }),
		];
		const text = new EventEncoder().encode(events);
		const lines = text.split('\n');
		assert.equal(lines.pop(), '');
		// Each line is the JSON of one array, strings defined before their first use; a message id that
		// is the key's second field is not written twice.
		for (const line of lines) assert.ok(Array.isArray(JSON.parse(line)));
		assert.ok(lines.some((line) => line.startsWith('["e","claude-code:msg_1:req_1",12,')));
		assert.ok(lines.some((line) => line.startsWith('["e","src:a:b:c","a:b",')));
		const decoder = new EventDecoder();
		assert.deepEqual(lines.map((line) => decoder.decodeLine(line)).filter((event) => event !== null), events);
		assert.equal(decoder.damaged, 0);
	});

	it('writes rows of an index byte for byte as it writes the same events', () => {
		const events = [
			usageEvent({ key: 'claude-code:msg_1:req_1', messageId: 'msg_1', reportedCostUSD: 0.1 + 0.2, timestamp: 1_777_000_000_123 }),
			usageEvent({ key: 'k"quoted\\and\u0002control', messageId: 'm\tx', reportedCredits: 1e21, cacheReadTokens: 2 ** 53 - 1, outputTokens: 0.5 }),
			usageEvent({ key: 'claude-code:at:/home/dév/ñ 😀.jsonl:12', messageId: '', file: '/home/dév/ñ 😀.jsonl', sidechain: true, estimated: true, source: 'codex', model: 'm2' }),
			usageEvent({ key: 'src:a:b:c', messageId: 'a:b' }),
			usageEvent({ key: 'src:mm:r', messageId: 'm' }),
			usageEvent({ key: 'src:m', messageId: 'm', source: 'codex' }),
			// Numbers at the edges of the encoder's integer paths.
			usageEvent({ key: 'n1', inputTokens: 0, outputTokens: 9, cacheWrite5mTokens: 10, cacheWrite1hTokens: 2 ** 31 - 1, cacheReadTokens: 2 ** 31, reasoningTokens: 999_999_999, timestamp: 1e9 }),
			usageEvent({ key: 'n2', inputTokens: 1e9 + 1, outputTokens: -3, cacheReadTokens: 1e15 + 7, reportedCostUSD: -0, reportedCredits: 0, timestamp: 0 }),
		];
		const index = new DedupeIndex();
		for (const event of events) index.add(event);
		const shared = new EventEncoder();
		const first = new RowEncoder(shared).encode(index, [0, 1]);
		const second = new RowEncoder(shared).encode(index, [2, 3, 4, 5, 6, 7]);
		const expected = new EventEncoder();
		assert.equal(first.bytes.toString('utf8'), expected.encode(events.slice(0, 2)));
		assert.equal(second.bytes.toString('utf8'), expected.encode(events.slice(2)));
		// The strings each call defined, numbered as in its lines.
		assert.deepEqual(first.defined.map(([, value]) => value), ['claude-code', 'claude-sonnet-4-5-20250929', 's1', '/p', 'main', '/f.jsonl']);
		assert.deepEqual(second.defined, [[6, 'codex'], [7, 'm2'], [8, '/home/dév/ñ 😀.jsonl']]);
	});

	it('reads event lines from their bytes into an index exactly as JSON.parse reads them', () => {
		const events = [
			usageEvent(),
			usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', sidechain: true, hasSpeed: true, timestamp: 1_777_000_000_123 }),
			usageEvent({ key: 'claude-code:msg_2:req_3', messageId: 'msg_2', sidechain: true, outputTokens: 5 }),
			usageEvent({ key: 'claude-code:msg_2:req_2', messageId: 'msg_2', outputTokens: 999 }), // a better copy, later
			usageEvent({ key: 'codex:s1:7', messageId: '', source: 'codex', model: 'gpt-5', reportedCostUSD: 0.1 + 0.2, reportedCredits: 12.5, modelInferred: true, estimated: true }),
			usageEvent({ key: 'k"quoted\\and\u0002control', messageId: 'm\tx' }), // escapes: the JSON.parse path
			usageEvent({ key: 'claude-code:at:/home/dév/ñ 😀.jsonl:12', messageId: '', file: '/home/dév/ñ 😀.jsonl' }), // not ASCII
			usageEvent({ key: 'src:a:b:c', messageId: 'a:b' }),
			usageEvent({ key: 'src:mm:r', messageId: 'm' }),
			usageEvent({ key: 'src:m', messageId: 'm', source: 'codex' }),
			usageEvent({ key: 'big', cacheReadTokens: 2 ** 53 - 1, inputTokens: 1e15 + 7, outputTokens: 0.5, reasoningTokens: 1e21, timestamp: 0 }),
		];
		const text = new EventEncoder().encode(events);
		// Lines another writer might leave: no credits (older lines), a damaged line, an unknown source,
		// a string number never defined, spaces, a number JSON does not allow.
		const extra = [
			'["e","claude-code:msg_9:req_9",12,1777000000000,0,1,2,3,4,5,0,1,2,3,4,5,0,null]',
			'["e","claude-code:msg_8:req_8",12,1777000000000,0,1,2,3,4,5',
			'["e","x:1",2,1777000000000,999,1,2,3,4,5,0,1,2,3,4,5,0,null,null]',
			'["e","claude-code:msg_7:req_7",12,1777000000000,0,998,2,3,4,5,0,1,2,3,4,5,0,null,null]',
			'["e","claude-code:msg_3:req_3",12,1777000000000,0,1,2,3,4,999999999999,0,1,2,3,4,5,0,null,null]',
			'["e", "claude-code:msg_6:req_6",12,1777000000000,0,1,2,3,4,5,0,1,2,3,4,5,0,null,null]',
			'["e","claude-code:msg_5:req_5",12,1777000000000,0,1,2,3,4,5,0,01,2,3,4,5,0,null,null]',
			'["e","claude-code:msg_4:req_4",12,1777000000000,0,1,2,3,4,5,0,-1,2.5e3,3,4,5,0,-0.25,1e-7]',
		].join('\n');
		const bytes = Buffer.from(`${text}${extra}\n`, 'utf8');

		const viaJson = new DedupeIndex();
		const jsonDecoder = new EventDecoder();
		for (const line of bytes.toString('utf8').split('\n')) {
			if (line === '') continue;
			const event = jsonDecoder.decodeLine(line);
			if (event !== null) viaJson.add(event);
		}
		const viaBytes = new DedupeIndex();
		const byteDecoder = new EventDecoder();
		byteDecoder.decodeInto(bytes, bytes.length - 1, viaBytes);

		assert.deepEqual(viaBytes.columns(), viaJson.columns());
		assert.deepEqual(viaBytes.counted(), viaJson.counted());
		assert.equal(byteDecoder.damaged, jsonDecoder.damaged);
		assert.equal(jsonDecoder.damaged, 3, 'the cut line, the unknown source and the leading zero');
		assert.equal(viaBytes.counts('claude-code:msg_9:req_9'), true);
		assert.equal(viaBytes.get('claude-code:msg_9:req_9')?.reportedCredits, null);
		assert.equal(viaBytes.get('claude-code:msg_2:req_2')?.outputTokens, 999);
	});
});
