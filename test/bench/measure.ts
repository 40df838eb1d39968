import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What every benchmark shares: where it works, our CLI, the pinned peer, and how a run is measured. */
export const repoRoot = path.resolve(__dirname, '..', '..');
export const work = path.join(repoRoot, 'bench-results', 'tmp');
/** Run as users run it: the file itself, so that its shebang's Node options apply. */
export const cli = path.join(repoRoot, 'dist', 'cli.js');
export const peerVersion = '20.0.24';
const peerDir = path.join(work, `ccusage-${peerVersion}`);
export const ccusage = path.join(peerDir, 'node_modules', '.bin', 'ccusage');

export interface Measurement {
	seconds: number;
	rssMB: number;
	stdout: string;
}

export function arg(name: string, fallback: string): string {
	const index = process.argv.indexOf(name);
	return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1]! : fallback;
}

/** Wall time and peak RSS of a command, measured by GNU time. */
export function measure(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Measurement {
	const timing = path.join(work, `time-${process.pid}.txt`);
	const result = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timing, command, ...args], { env, maxBuffer: 1 << 28 });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr.toString().slice(-2000)}`);
	const [seconds, kilobytes] = fs.readFileSync(timing, 'utf8').trim().split(/\s+/).map(Number);
	return { seconds: seconds!, rssMB: kilobytes! / 1024, stdout: result.stdout.toString() };
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The peer, pinned, in a folder of its own. It is not a devDependency of the project because the
 * registry lacks its other platforms' binary packages, which leaves `npm ci` unable to check the lock.
 */
export function ensurePeer(): void {
	if (fs.existsSync(ccusage)) return;
	console.log(`Installing ccusage@${peerVersion} (the peer) into ${path.relative(repoRoot, peerDir)}…`);
	fs.mkdirSync(peerDir, { recursive: true });
	fs.writeFileSync(path.join(peerDir, 'package.json'), JSON.stringify({ name: 'bench-peer', private: true }));
	execFileSync('npm', ['install', '--no-audit', '--no-fund', `ccusage@${peerVersion}`], { cwd: peerDir, stdio: 'inherit' });
}

export function ensureGnuTime(): void {
	if (fs.existsSync('/usr/bin/time')) return;
	console.log('Installing GNU time (Debian package "time") to measure peak memory…');
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
	execFileSync('apt-get', ['install', '-y', '-qq', 'time'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
