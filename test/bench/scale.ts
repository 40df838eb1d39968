import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateClaudeCorpus } from '../support/claudeCorpus';
import type { Measurement } from './measure';
import { arg, ccusage, cli, ensureGnuTime, ensurePeer, measure, median, peerVersion, repoRoot, work } from './measure';

/**
 * `npm run bench:scale`: the cold scan at growing history sizes (default 1 and 5 GB, with ~4 files per
 * MB like a long-used Claude Code folder: 20,000 files at 5 GB), beside ccusage on the same files, to
 * see whether time stays linear in bytes and how memory grows. Each size is read once first so that
 * both tools find it in the page cache (this measures the tools, not the disk). Prints one line per
 * size and tool, and checks our request count against the generator's ground truth and our tokens
 * against the peer's, and how each tool's peak grows from one size to the next. Options:
 * --gigabytes 1,5  --reps 3 (10 GB shows the plateau: it needs some 12 GB of disk and 3 GB of memory
 * for the peer); --files 4500 keeps about that many files at every size (longer sessions instead of
 * more of them), to tell how memory grows with bytes from how it grows with files.
 */
interface Truth {
	requests: number;
	bytes: number;
	files: number;
}

interface Totals {
	inputTokens: number;
	outputTokens: number;
	cacheReadTokens: number;
	totalTokens: number;
}

/** Responses per session in the usual corpus: about 222 KB a file, 4,500 files a GB. */
const usualResponses = 30;
const usualFileBytes = 222_000;

function corpus(gigabytes: number, files: number | undefined): { dir: string; truth: Truth } {
	const dir = path.join(work, files === undefined ? `scale-${gigabytes}GB` : `scale-${gigabytes}GB-${files}files`);
	const responsesPerSession = files === undefined ? usualResponses : Math.max(1, Math.round((usualResponses * gigabytes * 1e9) / files / usualFileBytes));
	const truthFile = path.join(dir, 'truth.json');
	if (fs.existsSync(truthFile)) return { dir, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')) as Truth };
	fs.rmSync(dir, { recursive: true, force: true });
	const truth: Truth = { requests: 0, bytes: 0, files: 0 };
	const started = Date.now();
	for (let batch = 0; truth.bytes < gigabytes * 1e9; batch++) {
		const part = generateClaudeCorpus({ configDir: path.join(dir, 'claude'), sessions: 100, responsesPerSession, end: Date.parse('2026-11-20T12:00:00Z'), days: 365, seed: 5000 + batch, toolResultBytes: [1000, 9500] });
		truth.requests += part.requests;
		truth.bytes += part.bytes;
		truth.files += part.files.length;
	}
	fs.writeFileSync(truthFile, JSON.stringify(truth));
	console.log(`generated ${gigabytes} GB in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	return { dir, truth };
}

function main(): void {
	const reps = Number(arg('--reps', '3'));
	fs.mkdirSync(work, { recursive: true });
	ensureGnuTime();
	ensurePeer();
	execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.js'), '--production'], { stdio: 'inherit' });
	/** Per history size: requests, and each tool's median peak RSS. */
	const peaks: Array<{ gigabytes: number; requests: number; files: number; oursMB: number; peerMB: number }> = [];
	const files = process.argv.includes('--files') ? Number(arg('--files', '4500')) : undefined;
	for (const gigabytes of arg('--gigabytes', '1,5').split(',').map(Number)) {
		const { dir, truth } = corpus(gigabytes, files);
		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-home-'));
		const ledger = path.join(work, `scale-ledger-${path.basename(dir).replace(/^scale-/, '')}`);
		const env = { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(dir, 'claude'), TOKEN_LEDGER_HOME: ledger };
		measure(process.execPath, [path.join(__dirname, 'readOnlyScan.mjs'), path.join(dir, 'claude')], env);
		const ours: Measurement[] = [];
		const peer: Measurement[] = [];
		for (let rep = 0; rep < reps; rep++) {
			fs.rmSync(ledger, { recursive: true, force: true });
			ours.push(measure(cli, ['daily', '--json', '--tz', 'UTC'], env));
			peer.push(measure(ccusage, ['claude', 'daily', '--json', '--offline', '-z', 'UTC'], env));
		}
		const ourTotals = (JSON.parse(ours[0]!.stdout) as { totals: Totals & { requests: number } }).totals;
		const peerTotals = (JSON.parse(peer[0]!.stdout) as { totals: Totals }).totals;
		const sameTokens = (['inputTokens', 'outputTokens', 'cacheReadTokens', 'totalTokens'] as const).every((field) => ourTotals[field] === peerTotals[field]);
		const line = (tool: string, runs: readonly Measurement[], verdict: string): string => {
			const seconds = median(runs.map((run) => run.seconds));
			const rss = median(runs.map((run) => run.rssMB));
			return `${gigabytes} GB, ${truth.files} files, ${truth.requests} requests: ${tool.padEnd(36)} ${seconds.toFixed(2)} s (${(truth.bytes / 1e6 / seconds).toFixed(0)} MB/s), peak RSS ${rss.toFixed(0)} MB (${((rss * 2 ** 20) / truth.requests).toFixed(0)} B per request), ${verdict}`;
		};
		console.log(line('token-ledger daily, cold', ours, ourTotals.requests === truth.requests ? 'requests exact' : `requests WRONG (${ourTotals.requests})`));
		console.log(line(`ccusage ${peerVersion} claude daily --offline`, peer, sameTokens ? 'same tokens as ours' : 'tokens DIFFER from ours'));
		peaks.push({ gigabytes, requests: truth.requests, files: truth.files, oursMB: median(ours.map((run) => run.rssMB)), peerMB: median(peer.map((run) => run.rssMB)) });
		fs.rmSync(home, { recursive: true, force: true });
	}
	// How memory grows with the history: the peak's growth from each size to the next, per request and
	// per file added (the index's rows are sealed to disk; what remains in memory is per file).
	for (let i = 1; i < peaks.length; i++) {
		const [small, large] = [peaks[i - 1]!, peaks[i]!];
		if (large.requests <= small.requests) continue;
		const per = (from: number, to: number, count: number): string => (((to - from) * 2 ** 20) / count).toFixed(0);
		const requests = large.requests - small.requests;
		const added = large.files - small.files;
		const perFile = added > small.files / 10 ? `, ${per(small.oursMB, large.oursMB, added)} B per file added` : `, files ${small.files} → ${large.files}`;
		console.log(
			`peak RSS growth from ${small.gigabytes} to ${large.gigabytes} GB: token-ledger ${(large.oursMB - small.oursMB).toFixed(0)} MB (${per(small.oursMB, large.oursMB, requests)} B per request${perFile}), ccusage ${(large.peerMB - small.peerMB).toFixed(0)} MB (${per(small.peerMB, large.peerMB, requests)} B per request added)`,
		);
	}
}

main();
