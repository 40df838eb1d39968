import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateClaudeCorpus } from '../support/claudeCorpus';

/**
 * `npm run bench:scale`: the cold scan at growing history sizes (default 1 and 5 GB, with ~4 files per
 * MB like a long-used Claude Code folder: 20,000 files at 5 GB), to see whether time stays linear in
 * bytes and how memory grows. Prints one line per size and checks the request count against the
 * generator's ground truth. Options: --gigabytes 1,5
 */
const repoRoot = path.resolve(__dirname, '..', '..');
const work = path.join(repoRoot, 'bench-results', 'tmp');
const cli = path.join(repoRoot, 'dist', 'cli.js');

function arg(name: string, fallback: string): string {
	const index = process.argv.indexOf(name);
	return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

function main(): void {
	execFileSync(process.execPath, [path.join(repoRoot, 'esbuild.js'), '--production'], { stdio: 'inherit' });
	for (const gigabytes of arg('--gigabytes', '1,5').split(',').map(Number)) {
		const dir = path.join(work, `scale-${gigabytes}GB`);
		const truthFile = path.join(dir, 'truth.json');
		let truth: { requests: number; bytes: number; files: number };
		if (fs.existsSync(truthFile)) {
			truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as typeof truth;
		} else {
			fs.rmSync(dir, { recursive: true, force: true });
			truth = { requests: 0, bytes: 0, files: 0 };
			const started = Date.now();
			for (let batch = 0; truth.bytes < gigabytes * 1e9; batch++) {
				const part = generateClaudeCorpus({ configDir: path.join(dir, 'claude'), sessions: 100, responsesPerSession: 30, end: Date.parse('2026-11-20T12:00:00Z'), days: 365, seed: 5000 + batch, toolResultBytes: [1000, 9500] });
				truth.requests += part.requests;
				truth.bytes += part.bytes;
				truth.files += part.files.length;
			}
			fs.writeFileSync(truthFile, JSON.stringify(truth));
			console.log(`generated ${gigabytes} GB in ${((Date.now() - started) / 1000).toFixed(0)} s`);
		}
		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-home-'));
		const ledger = path.join(work, `scale-ledger-${gigabytes}GB`);
		fs.rmSync(ledger, { recursive: true, force: true });
		const timing = path.join(work, 'scale-time.txt');
		const result = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timing, cli, 'daily', '--json', '--tz', 'UTC'], {
			env: { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: path.join(dir, 'claude'), TOKEN_LEDGER_HOME: ledger },
			maxBuffer: 1 << 28,
		});
		if (result.status !== 0) throw new Error(`the scan failed: ${result.stderr.toString().slice(-2000)}`);
		const [seconds, kilobytes] = fs.readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number);
		const requests = (JSON.parse(result.stdout.toString()) as { totals: { requests: number } }).totals.requests;
		console.log(
			`${gigabytes} GB, ${truth.files} files, ${truth.requests} requests: cold scan ${seconds!.toFixed(2)} s (${(truth.bytes / 1e6 / seconds!).toFixed(0)} MB/s), peak RSS ${(kilobytes! / 1024).toFixed(0)} MB, totals ${requests === truth.requests ? 'exact' : `WRONG (${requests})`}`,
		);
		fs.rmSync(home, { recursive: true, force: true });
	}
}

main();
