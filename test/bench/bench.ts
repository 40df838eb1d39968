import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GroundTruth } from '../support/claudeCorpus';
import { assistantLine, generateClaudeCorpus } from '../support/claudeCorpus';
import { generateCodexCorpus } from '../support/codexCorpus';
import type { Measurement } from './measure';
import { arg, ccusage, cli, ensureGnuTime, ensurePeer, measure, median, peerVersion, repoRoot, work } from './measure';

/**
 * `npm run bench`: our CLI against ccusage 20 (a Rust binary) on the same generated Claude Code
 * corpora, interleaved in one run, with a read-only scan as the floor. Prints medians and ratios,
 * checks our totals against the generator's ground truth, and writes bench-results/results.{json,md}.
 *
 * Options: --sizes 10,100,500 (Claude, MB)  --codex-sizes 100 (MB, 0 for none)  --reps 5
 */
const corpusVersion = 'v2';

/** A Codex corpus of at least `megabytes`, generated once and reused (deterministic). */
function codexCorpus(megabytes: number): { dir: string; truth: { requests: number; bytes: number; cacheReadTokens: number; lines: number; usageLines: number } } {
	const dir = path.join(work, `codex-${megabytes}MB-${corpusVersion}`);
	const truthFile = path.join(dir, 'truth.json');
	if (fs.existsSync(truthFile)) return { dir, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')) as never };
	fs.rmSync(dir, { recursive: true, force: true });
	const truth = { requests: 0, bytes: 0, cacheReadTokens: 0, lines: 0, usageLines: 0 };
	for (let batch = 0; truth.bytes < megabytes * 1e6; batch++) {
		const part = generateCodexCorpus({ codexHome: path.join(dir, 'codex'), sessions: 10, callsPerSession: 80, end: Date.parse('2026-11-20T12:00:00Z'), days: 120, seed: 2000 + batch });
		truth.requests += part.requests;
		truth.bytes += part.bytes;
		truth.cacheReadTokens += part.cacheReadTokens;
	}
	fs.writeFileSync(truthFile, JSON.stringify(truth));
	return { dir, truth };
}

/** A corpus of at least `megabytes`, generated once and reused (deterministic). */
function corpus(megabytes: number): { dir: string; truth: GroundTruth } {
	const dir = path.join(work, `claude-${megabytes}MB-${corpusVersion}`);
	const truthFile = path.join(dir, 'truth.json');
	if (fs.existsSync(truthFile)) return { dir, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')) as GroundTruth };
	fs.rmSync(dir, { recursive: true, force: true });
	const truth: GroundTruth = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, requests: 0, files: [], bytes: 0, lines: 0, usageLines: 0, malformedLines: 0 };
	const end = Date.parse('2026-11-20T12:00:00Z');
	for (let batch = 0; truth.bytes < megabytes * 1e6; batch++) {
		const part = generateClaudeCorpus({
			configDir: path.join(dir, 'claude'),
			sessions: 10,
			responsesPerSession: 60,
			end,
			days: 120,
			seed: 1000 + batch,
			toolResultBytes: [1000, 9500],
			resumedShare: 0.1,
			truncateEvery: 400,
		});
		for (const key of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'requests', 'bytes', 'lines', 'usageLines', 'malformedLines'] as const) truth[key] += part[key];
		truth.files.push(...part.files);
	}
	fs.writeFileSync(truthFile, JSON.stringify({ ...truth, files: [] }));
	return { dir, truth: { ...truth, files: [] } };
}

interface Row {
	corpus: string;
	files: number;
	tool: string;
	seconds: number;
	rssMB: number;
	ratioToCcusage: number | null;
	exact: boolean | null;
}

function main(): void {
	const sizes = arg('--sizes', '10,100,500').split(',').map(Number);
	const reps = Number(arg('--reps', '5'));
	const codexSizes = arg('--codex-sizes', '100').split(',').filter((size) => size !== '' && size !== '0').map(Number);
	fs.mkdirSync(work, { recursive: true });
	ensureGnuTime();
	ensurePeer();
	execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.js'), '--production'], { stdio: 'inherit' });
	const rows: Row[] = [];
	const extras: Record<string, unknown>[] = [];

	const runs: Array<{ kind: 'claude' | 'codex'; size: number }> = [
		...sizes.map((size) => ({ kind: 'claude' as const, size })),
		...codexSizes.map((size) => ({ kind: 'codex' as const, size })),
	];
	for (const { kind, size } of runs) {
		const generated = Date.now();
		const { dir, truth } = kind === 'claude' ? corpus(size) : codexCorpus(size);
		const empty = path.join(work, 'empty');
		fs.mkdirSync(empty, { recursive: true });
		const sourceDir = path.join(dir, kind);
		const liveFile = path.join(kind === 'claude' ? sourceDir : path.join(dir, 'claude-live'), 'projects', '-bench-live', 'live.jsonl');
		fs.rmSync(path.dirname(liveFile), { recursive: true, force: true });
		const files = countFiles(sourceDir);
		const label = `${kind === 'claude' ? 'Claude Code' : 'Codex'} ${Math.round(truth.bytes / 1e6)} MB`;
		console.log(`\n== ${label}: ${files} files, ${truth.requests} requests (ready in ${((Date.now() - generated) / 1000).toFixed(1)} s)`);
		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-home-'));
		const ledger = path.join(work, `ledger-${kind}-${size}`);
		const env = {
			...process.env,
			HOME: home,
			TZ: 'UTC',
			CLAUDE_CONFIG_DIR: kind === 'claude' ? sourceDir : path.join(dir, 'claude-live'),
			CODEX_HOME: kind === 'codex' ? sourceDir : empty,
			TOKEN_LEDGER_HOME: ledger,
		};
		let appended = 0;
		const names = { floor: 'read-only scan (floor)', peer: `ccusage ${peerVersion} ${kind} daily --offline`, cold: 'token-ledger daily, cold (empty ledger)', warm: 'token-ledger today, warm (+10 lines)' };
		const samples: Record<string, Measurement[]> = { [names.floor]: [], [names.peer]: [], [names.cold]: [], [names.warm]: [] };
		const exact: Record<string, boolean> = {};
		const tasks: Array<[string, () => Measurement]> = [
			[names.floor, () => measure(process.execPath, [path.join(__dirname, 'readOnlyScan.mjs'), sourceDir], env)],
			[names.peer, () => measure(ccusage, [kind, 'daily', '--json', '--offline', '-z', 'UTC'], env)],
			[
				names.cold,
				() => {
					fs.rmSync(ledger, { recursive: true, force: true });
					const m = measure(cli, ['daily', '--json', '--tz', 'UTC'], env);
					const totals = (JSON.parse(m.stdout) as { totals: { requests: number; cacheReadTokens: number } }).totals;
					exact[names.cold] = (exact[names.cold] ?? true) && totals.requests === truth.requests + appended && totals.cacheReadTokens === truth.cacheReadTokens;
					return m;
				},
			],
			[
				names.warm,
				() => {
					if (!fs.existsSync(path.join(ledger, 'events.jsonl'))) measure(cli, ['daily', '--json', '--tz', 'UTC'], env);
					const now = Date.now();
					fs.mkdirSync(path.dirname(liveFile), { recursive: true });
					fs.appendFileSync(liveFile, Array.from({ length: 10 }, (_, i) => assistantLine({ messageId: `msg_bench_${now}_${i}`, timestamp: now, inputTokens: 100, outputTokens: 200 })).join(''));
					appended += 10;
					const m = measure(cli, ['today', '--json', '--tz', 'UTC'], env);
					const today = JSON.parse(m.stdout) as { requests: number };
					exact[names.warm] = (exact[names.warm] ?? true) && today.requests === appended;
					return m;
				},
			],
		];
		for (let rep = 0; rep < reps; rep++) {
			// Rotate the order so that no tool always runs first (page cache, CPU frequency).
			for (let i = 0; i < tasks.length; i++) {
				const [name, run] = tasks[(i + rep) % tasks.length]!;
				samples[name]!.push(run());
			}
		}
		const peerMedian = median(samples[names.peer]!.map((m) => m.seconds));
		const corpusRows: Row[] = [];
		for (const [tool, measurements] of Object.entries(samples)) {
			const seconds = median(measurements.map((m) => m.seconds));
			corpusRows.push({ corpus: label, files, tool, seconds, rssMB: Math.max(...measurements.map((m) => m.rssMB)), ratioToCcusage: seconds / peerMedian, exact: exact[tool] ?? null });
		}
		rows.push(...corpusRows);
		const engine = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'engineRefresh.ts'), liveFile, String(reps)], { env, cwd: repoRoot, maxBuffer: 1 << 26 }).toString()) as { loadMs: number; refreshMs: number[]; namedRefreshMs: number[]; heapMB: number; rssMB: number };
		const editorLedger = path.join(work, `ledger-editor-${kind}-${size}`);
		fs.rmSync(editorLedger, { recursive: true, force: true });
		const editor = JSON.parse(
			execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'editorWorkerMemory.ts')], { env: { ...env, TOKEN_LEDGER_HOME: editorLedger }, cwd: repoRoot, maxBuffer: 1 << 26 }).toString(),
		) as Record<string, number>;
		fs.rmSync(editorLedger, { recursive: true, force: true });
		const ledgerBytes = fs.readdirSync(ledger).reduce((sum, name) => sum + (fs.statSync(path.join(ledger, name)).isFile() ? fs.statSync(path.join(ledger, name)).size : 0), 0);
		extras.push({
			corpus: label,
			engineRefreshMedianMs: Number(median(engine.refreshMs).toFixed(1)),
			engineNamedRefreshMedianMs: Number(median(engine.namedRefreshMs).toFixed(1)),
			engineLoadMs: Math.round(engine.loadMs),
			engineHeapMB: Math.round(engine.heapMB),
			ledgerBytes,
			ledgerShareOfSource: Number(((ledgerBytes / truth.bytes) * 100).toFixed(2)),
			editor,
		});
		printTable(corpusRows);
		console.log(
			`editor ledger process, first ingest: ${editor['firstRefreshMs']} ms; host heap growth ${editor['hostHeapGrowthMB']} MB, RSS growth ${editor['hostRssGrowthMB']} MB; ledger process heap ${editor['ledgerHeapAfterFirstMB']} MB + buffers ${editor['ledgerBuffersAfterFirstMB']} MB, RSS ${editor['ledgerRssAfterFirstMB']} MB (idle: heap ${editor['ledgerHeapIdleMB']} MB, RSS ${editor['ledgerRssIdleMB']} MB)`,
		);
		console.log(`engine warm refresh (+10 lines, in process): median ${median(engine.refreshMs).toFixed(1)} ms looking at every file, ${median(engine.namedRefreshMs).toFixed(1)} ms at the named file, heap ${Math.round(engine.heapMB)} MB; ledger on disk ${(ledgerBytes / 1e6).toFixed(1)} MB = ${((ledgerBytes / truth.bytes) * 100).toFixed(2)} % of the source bytes`);
		fs.rmSync(home, { recursive: true, force: true });
	}
	const results = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`, reps, rows, extras };
	fs.writeFileSync(path.join(repoRoot, 'bench-results', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
	fs.writeFileSync(path.join(repoRoot, 'bench-results', 'results.md'), markdown(results));
	console.log(`\nWrote bench-results/results.json and results.md`);
	const wrong = rows.filter((row) => row.exact === false);
	if (wrong.length > 0) {
		console.error(`Totals differ from the ground truth for: ${wrong.map((row) => `${row.tool} @ ${row.corpus}`).join(', ')}`);
		process.exitCode = 1;
	}
}

function countFiles(dir: string): number {
	return fs.readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.jsonl')).length;
}

function printTable(rows: readonly Row[]): void {
	console.log(['tool'.padEnd(42), 'median s'.padStart(9), '× ccusage'.padStart(10), 'peak RSS MB'.padStart(12), 'exact'.padStart(6)].join(' '));
	for (const row of rows) {
		console.log([row.tool.padEnd(42), row.seconds.toFixed(3).padStart(9), (row.ratioToCcusage ?? 0).toFixed(2).padStart(10), row.rssMB.toFixed(0).padStart(12), String(row.exact ?? '-').padStart(6)].join(' '));
	}
}

function markdown(results: { date: string; machine: string; reps: number; rows: Row[]; extras: Record<string, unknown>[] }): string {
	const lines = [
		`# Benchmark results`,
		'',
		`${results.date.slice(0, 10)}, ${results.machine}, medians of ${results.reps} interleaved runs (\`npm run bench\`).`,
		'',
		'| Corpus | Tool | Median wall time | × ccusage | Peak RSS | Totals exact |',
		'|--:|:--|--:|--:|--:|:--|',
		...results.rows.map((row) => `| ${row.corpus} (${row.files} files) | ${row.tool} | ${row.seconds.toFixed(3)} s | ${(row.ratioToCcusage ?? 0).toFixed(2)} | ${row.rssMB.toFixed(0)} MB | ${row.exact === null ? '–' : row.exact ? 'yes' : '**no**'} |`),
		'',
		'| Corpus | Engine warm refresh (+10 lines), every file | … the changed file named | Ledger on disk (share of source bytes) |',
		'|--:|--:|--:|--:|',
		...results.extras.map((extra) => `| ${String(extra['corpus'])} | ${String(extra['engineRefreshMedianMs'])} ms | ${String(extra['engineNamedRefreshMedianMs'])} ms | ${(Number(extra['ledgerBytes']) / 1e6).toFixed(1)} MB (${String(extra['ledgerShareOfSource'])} %) |`),
		'',
		"In the editor: the extension's ledger process (`dist/worker.js`, started as the extension starts it) on a first ingest of the corpus, from a process standing in for the extension host.",
		'',
		'| Corpus | First ingest | Host heap growth | Host RSS growth | Ledger process heap + buffers after it | Ledger process RSS after it | … after an idle refresh |',
		'|--:|--:|--:|--:|--:|--:|--:|',
		...results.extras.map((extra) => {
			const editor = extra['editor'] as Record<string, number>;
			return `| ${String(extra['corpus'])} | ${editor['firstRefreshMs']} ms | ${editor['hostHeapGrowthMB']} MB | ${editor['hostRssGrowthMB']} MB | ${editor['ledgerHeapAfterFirstMB']} + ${editor['ledgerBuffersAfterFirstMB']} MB | ${editor['ledgerRssAfterFirstMB']} MB | ${editor['ledgerRssIdleMB']} MB |`;
		}),
		'',
	];
	return lines.join('\n');
}

main();
