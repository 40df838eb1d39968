import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from './seededRandom';

/**
 * A deterministic generator of Codex rollout files: session meta, turn context, tool calls and their
 * output (the bulk of the bytes), and cumulative `token_count` events, some of them re-emitted with an
 * unchanged total (which must add nothing). Returns the ground truth in our token convention.
 */
export interface CodexTruth {
	inputTokens: number;
	cacheReadTokens: number;
	outputTokens: number;
	reasoningTokens: number;
	requests: number;
	bytes: number;
	files: number;
}

export function generateCodexCorpus(options: { codexHome: string; sessions: number; callsPerSession: number; end: number; days: number; seed: number }): CodexTruth {
	const random = seededRandom(options.seed);
	const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
	const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
	const truth: CodexTruth = { inputTokens: 0, cacheReadTokens: 0, outputTokens: 0, reasoningTokens: 0, requests: 0, bytes: 0, files: 0 };
	for (let s = 0; s < options.sessions; s++) {
		const id = `0196${hex(4)}-${hex(4)}-7${hex(3)}-8${hex(3)}-${hex(12)}`;
		let time = options.end - Math.floor(random() * options.days * 86_400_000);
		const start = new Date(time);
		const day = start.toISOString().slice(0, 10).split('-');
		const dir = path.join(options.codexHome, 'sessions', day[0]!, day[1]!, day[2]!);
		fs.mkdirSync(dir, { recursive: true });
		const file = path.join(dir, `rollout-${start.toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`);
		const iso = (): string => new Date(time).toISOString();
		const lines = [
			JSON.stringify({ timestamp: iso(), type: 'session_meta', payload: { id, timestamp: iso(), cwd: '/home/dev/acme-api', originator: 'codex_cli_rs', cli_version: '0.128.0', source: 'cli', model_provider: 'openai', git: { branch: 'main' } } }),
			JSON.stringify({ timestamp: iso(), type: 'turn_context', payload: { cwd: '/home/dev/acme-api', approval_policy: 'on-request', model: random() < 0.5 ? 'gpt-5-codex' : 'gpt-5', effort: 'medium' } }),
		];
		const total = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
		for (let c = 0; c < options.callsPerSession; c++) {
			time += int(2_000, 40_000);
			const callId = `call_${hex(10)}`;
			lines.push(JSON.stringify({ timestamp: iso(), type: 'response_item', payload: { type: 'function_call', name: 'shell', call_id: callId, arguments: JSON.stringify({ command: ['bash', '-lc', `rg -n "limit" src/${hex(6)}.ts`] }) } }));
			lines.push(JSON.stringify({ timestamp: iso(), type: 'response_item', payload: { type: 'function_call_output', call_id: callId, output: 'src/limits.ts:1:export const MAX_REQ = 10\n'.repeat(int(20, 200)) } }));
			const input = int(2_000, 30_000);
			const cached = Math.min(input, int(0, 25_000));
			const output = int(50, 2_000);
			const reasoning = Math.min(output, int(0, 800));
			const last = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output };
			total.input_tokens += input;
			total.cached_input_tokens += cached;
			total.output_tokens += output;
			total.reasoning_output_tokens += reasoning;
			total.total_tokens += input + output;
			const event = JSON.stringify({ timestamp: iso(), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { ...total }, last_token_usage: last, model_context_window: 272000 }, rate_limits: null } });
			lines.push(event);
			if (random() < 0.3) {
				time += 500;
				lines.push(event.replace(/"timestamp":"[^"]+"/, `"timestamp":"${iso()}"`)); // a re-emit: same total
			}
			truth.inputTokens += input - cached;
			truth.cacheReadTokens += cached;
			truth.outputTokens += output;
			truth.reasoningTokens += reasoning;
			truth.requests++;
		}
		const text = `${lines.join('\n')}\n`;
		fs.writeFileSync(file, text);
		truth.bytes += Buffer.byteLength(text);
		truth.files++;
	}
	return truth;
}
