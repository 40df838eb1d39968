// Starts a real VS Code (code-server, installed by test/support/provision.sh) for integration and
// end-to-end tests, isolated from the machine: every run gets its own HOME, XDG folders, TMPDIR,
// user-data dir, extensions dir and config file, and a free port on 127.0.0.1.
//
// Only Node built-ins are imported at load time; runExtensionTests() loads ./browser (and with it
// playwright-core) lazily, so tests that only need the server do not need a browser.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
// Type-only: erased at run time, so playwright-core is not loaded with this module.
import type { BrowserSession } from './browser';

// ------------------------------------------------------------------------------------------ paths

/** What provision.sh writes to .vscode-test/paths.json. */
export interface HarnessPaths {
	/** Node 24 binary that code-server must run on. */
	node: string;
	/** code-server's entry script (run as `node <codeServer> ...`). */
	codeServer: string;
	chromium: string;
	nodeVersion: string;
	codeServerVersion: string;
	vscodeVersion: string;
}

/** Folders to search upwards from: this file's folder (CommonJS / tsx) and the working directory. */
function searchRoots(): string[] {
	const roots: string[] = [];
	// `__dirname` does not exist when this file is loaded as an ES module: typeof does not throw.
	if (typeof __dirname === 'string') roots.push(__dirname);
	roots.push(process.cwd());
	return roots;
}

function findUp(relative: string): string | undefined {
	for (const start of searchRoots()) {
		let dir = path.resolve(start);
		for (;;) {
			const candidate = path.join(dir, relative);
			if (fs.existsSync(candidate)) return candidate;
			const parent = path.dirname(dir);
			if (parent === dir) break;
			dir = parent;
		}
	}
	return undefined;
}

function pathsJsonLocation(): string | undefined {
	const cache = process.env['VSCODE_TEST_CACHE'];
	if (cache) return path.join(cache, 'paths.json');
	return findUp(path.join('.vscode-test', 'paths.json'));
}

function isHarnessPaths(v: unknown): v is HarnessPaths {
	if (typeof v !== 'object' || v === null) return false;
	const o = v as Record<string, unknown>;
	return ['node', 'codeServer', 'chromium', 'nodeVersion', 'codeServerVersion', 'vscodeVersion'].every((k) => typeof o[k] === 'string');
}

/** Reads .vscode-test/paths.json (or $VSCODE_TEST_CACHE/paths.json); undefined when not provisioned. */
export function findHarnessPaths(): HarnessPaths | undefined {
	const file = pathsJsonLocation();
	if (!file || !fs.existsSync(file)) return undefined;
	const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
	if (!isHarnessPaths(parsed)) throw new Error(`${file} is not what test/support/provision.sh writes; run it again`);
	if (!fs.existsSync(parsed.node) || !fs.existsSync(parsed.codeServer)) return undefined;
	return parsed;
}

/**
 * Like findHarnessPaths(), but runs test/support/provision.sh when nothing is provisioned yet
 * (unless `provision` is false) and throws with instructions when that is not possible.
 */
export function loadHarnessPaths(opts: { provision?: boolean | undefined } = {}): HarnessPaths {
	const found = findHarnessPaths();
	if (found) return found;
	const script = findUp(path.join('test', 'support', 'provision.sh'));
	if (opts.provision !== false && script) {
		// Progress (stderr) goes to the test output; stdout carries only the paths JSON.
		const res = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
		if (res.status !== 0) throw new Error(`${script} failed (exit ${String(res.status ?? res.signal)})`);
		const again = findHarnessPaths();
		if (again) return again;
	}
	throw new Error('code-server is not provisioned: run `bash test/support/provision.sh` first');
}

// --------------------------------------------------------------------------------------- cleanup

/** Process groups of running servers, killed synchronously if this process exits without stop(). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
	});
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false; // ESRCH: the group is gone
	}
}

function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

// The 'exit' hook does not run when this process is killed by a signal it does not handle
// (SIGKILL, SIGTERM from a test runner's timeout, ...). So every server (and every browser
// profile) also gets a tiny watchdog process that holds the read end of a pipe from us: when we
// die, the pipe closes and the watchdog kills the process group and removes the temp folder.
// A clean shutdown disarms it first.
const WATCHDOG_SOURCE = `
const [pgid, dir] = [Number(process.argv[1]), process.argv[2]];
let disarmed = false, fired = false;
const alive = () => { if (!pgid) return false; try { process.kill(-pgid, 0); return true; } catch { return false; } };
const fire = () => {
	if (fired) return; fired = true;
	if (disarmed) process.exit(0);
	if (pgid) try { process.kill(-pgid, 'SIGTERM'); } catch {}
	const started = Date.now();
	const poll = setInterval(() => {
		// Without a group to wait for, give the owner's children (e.g. Chromium) a moment to exit.
		if (pgid ? alive() && Date.now() - started < 3000 : Date.now() - started < 1000) return;
		clearInterval(poll);
		if (pgid) try { process.kill(-pgid, 'SIGKILL'); } catch {}
		if (dir) try { require('fs').rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); } catch {}
		process.exit(0);
	}, 100);
};
process.stdin.on('data', (d) => { if (String(d).includes('disarm')) disarmed = true; });
process.stdin.on('end', fire);
process.stdin.on('close', fire);
process.stdin.on('error', fire);
process.stdin.resume();
`;

export interface CleanupGuard {
	/** Call once the resources were released the normal way. */
	disarm(): void;
}

/**
 * Kills process group `pgid` and removes `dir` if this process dies (however) before disarm().
 * Used for code-server here and for Chromium's profile folder in ./browser.
 */
export function guardCleanup(target: { pgid?: number | undefined; dir?: string | undefined }): CleanupGuard {
	let dog: ChildProcess | undefined;
	try {
		dog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(target.pgid ?? 0), target.dir ?? ''], {
			detached: true, // own session: a Ctrl-C to the test's process group must not kill it
			stdio: ['pipe', 'ignore', 'ignore'],
			env: { PATH: process.env['PATH'] ?? '' }, // no NODE_OPTIONS loaders from the test runner
		});
		dog.on('error', () => undefined);
		dog.unref();
		// The pipe must not keep the test process alive either.
		if (dog.stdin instanceof net.Socket) dog.stdin.unref();
		dog.stdin?.on('error', () => undefined);
	} catch {
		dog = undefined; // the exit hook still covers ordinary exits of code-server
	}
	return {
		disarm(): void {
			if (dog?.stdin?.writable) dog.stdin.end('disarm\n');
		},
	};
}

// ------------------------------------------------------------------------------------------ server

export interface StartCodeServerOptions {
	/** Workspace folder to open (must exist). */
	folder: string;
	/** Extension under development: loaded through the URL's payload (see `url`). */
	extensionDevelopmentPath?: string | undefined;
	/** An extension-host test module (exports `run(): Promise<void>`); needs enableTestDriver. */
	extensionTestsPath?: string | undefined;
	/** Default: a fresh folder in this run's temp dir. */
	extensionsDir?: string | undefined;
	/** A .vsix installed with `code-server --install-extension` before the server starts. */
	vsixPath?: string | undefined;
	/** Merged over the defaults (telemetry, updates, start page and AI features off). */
	userSettings?: Record<string, unknown> | undefined;
	/**
	 * Extra environment for code-server and so for the extension host, e.g. TOKEN_LEDGER_HOME or
	 * CLAUDE_CONFIG_DIR. Applied last: it may even override the isolated HOME.
	 */
	env?: Record<string, string> | undefined;
	/**
	 * Passes `--vscode-option enable-smoke-test-driver`. VS Code 1.139 ignores the URL's
	 * extension-development payload without it, so the default is true when
	 * extensionDevelopmentPath or extensionTestsPath is given. Side effect: the workbench then
	 * shows no notification toasts (they only go to the notification center).
	 */
	enableTestDriver?: boolean | undefined;
	/** Default 0: the server picks a free port and we read it from its log. */
	port?: number | undefined;
	/** Startup timeout (default 60 s). */
	timeoutMs?: number | undefined;
	/** Keep the temp folder (HOME, user data, logs) after stop(), for debugging. */
	keepRunDir?: boolean | undefined;
	/** More code-server arguments, e.g. `['--log', 'debug']` to keep extensions' debug log lines. */
	extraArgs?: readonly string[] | undefined;
}

export interface CodeServer {
	/** Workbench URL: opens `folder`, with the extension-development payload when one was given. */
	url: string;
	/** http://127.0.0.1:PORT */
	baseUrl: string;
	port: number;
	/** The temp folder holding home/, tmp/, user-data/, extensions/ and config.yaml. */
	runDir: string;
	userDataDir: string;
	extensionsDir: string;
	/** The environment code-server (and its extension host) runs with. */
	env: NodeJS.ProcessEnv;
	pid: number;
	/** code-server's stdout and stderr so far. */
	logs(): string;
	/** Kills the whole process group and removes the temp folder; always resolves. */
	stop(): Promise<void>;
}

export const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>> = {
	'telemetry.telemetryLevel': 'off',
	'update.mode': 'none',
	'workbench.startupEditor': 'none',
	'workbench.tips.enabled': false,
	'workbench.enableExperiments': false,
	'workbench.welcomePage.walkthroughs.openOnInstall': false,
	// 1.139 opens a chat panel on a fresh profile otherwise.
	'chat.disableAIFeatures': true,
	'workbench.secondarySideBar.defaultVisibility': 'hidden',
	'extensions.autoCheckUpdates': false,
	'extensions.autoUpdate': false,
	'extensions.ignoreRecommendations': true,
	'security.workspace.trust.enabled': false,
};

// Variables that would steer code-server or the Node it runs on away from what we ask for:
// $PORT overrides --bind-addr, NODE_OPTIONS may --require a test runner's loader into Node 24,
// VSCODE_* / ELECTRON_RUN_AS_NODE leak in when the tests run from a VS Code terminal.
const STRIPPED_ENV = /^(PORT|PASSWORD|HASHED_PASSWORD|CODE_SERVER_CONFIG|NODE_OPTIONS|ELECTRON_RUN_AS_NODE|VSCODE_.*)$/;

function encodeRemotePath(absPath: string): string {
	return absPath.split('/').map(encodeURIComponent).join('/');
}

/** `vscode-remote://<authority>/abs/path`, the form the workbench payload needs for server paths. */
export function toRemoteUri(authority: string, absPath: string): string {
	return `vscode-remote://${authority}${encodeRemotePath(path.resolve(absPath))}`;
}

export interface WorkbenchUrlOptions {
	/** http://127.0.0.1:PORT */
	baseUrl: string;
	folder?: string | undefined;
	extensionDevelopmentPath?: string | readonly string[] | undefined;
	extensionTestsPath?: string | undefined;
}

/**
 * `/?folder=F&payload=[["extensionDevelopmentPath","vscode-remote://127.0.0.1:PORT/abs/ext"],
 * ["extensionTestsPath","vscode-remote://127.0.0.1:PORT/abs/suite/index"]]`, URL-encoded.
 */
export function buildWorkbenchUrl(o: WorkbenchUrlOptions): string {
	const base = new URL(o.baseUrl);
	const authority = base.host;
	const payload: [string, string][] = [];
	const devPaths = o.extensionDevelopmentPath === undefined ? [] : typeof o.extensionDevelopmentPath === 'string' ? [o.extensionDevelopmentPath] : o.extensionDevelopmentPath;
	for (const p of devPaths) payload.push(['extensionDevelopmentPath', toRemoteUri(authority, p)]);
	if (o.extensionTestsPath !== undefined) payload.push(['extensionTestsPath', toRemoteUri(authority, o.extensionTestsPath)]);
	const params: string[] = [];
	if (o.folder !== undefined) params.push(`folder=${encodeURIComponent(path.resolve(o.folder))}`);
	if (payload.length > 0) params.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
	return `${base.origin}/${params.length > 0 ? `?${params.join('&')}` : ''}`;
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
	return new Promise((resolve) => {
		const req = http.get(url, { timeout: timeoutMs }, (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		});
		req.on('timeout', () => req.destroy());
		req.on('error', () => resolve(0));
	});
}

const MAX_LOG_CHARS = 2_000_000;

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts code-server and resolves once /healthz answers. */
export async function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServer> {
	if (!fs.statSync(opts.folder, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`folder does not exist: ${opts.folder}`);
	const paths = loadHarnessPaths();
	const timeoutMs = opts.timeoutMs ?? 60_000;
	const enableTestDriver = opts.enableTestDriver ?? (opts.extensionDevelopmentPath !== undefined || opts.extensionTestsPath !== undefined);

	const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-harness-'));
	const home = path.join(runDir, 'home');
	const userDataDir = path.join(runDir, 'user-data');
	const extensionsDir = opts.extensionsDir ?? path.join(runDir, 'extensions');
	const configFile = path.join(runDir, 'config.yaml');
	for (const d of [home, path.join(home, '.config'), path.join(home, '.local', 'share'), path.join(runDir, 'tmp'), path.join(userDataDir, 'User'), extensionsDir]) {
		fs.mkdirSync(d, { recursive: true });
	}
	// Without --config, code-server writes ~/.config/code-server/config.yaml with a password.
	fs.writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
	fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...opts.userSettings }, null, 2)}\n`);

	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !STRIPPED_ENV.test(k)) env[k] = v;
	Object.assign(env, {
		HOME: home,
		XDG_CONFIG_HOME: path.join(home, '.config'),
		XDG_DATA_HOME: path.join(home, '.local', 'share'),
		XDG_CACHE_HOME: path.join(home, '.cache'),
		TMPDIR: path.join(runDir, 'tmp'),
		...opts.env,
	});
	const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
	const removeRunDir = (): void => {
		if (!opts.keepRunDir) fs.rmSync(runDir, { recursive: true, force: true });
	};

	if (opts.vsixPath !== undefined) {
		const res = spawnSync(paths.node, [paths.codeServer, ...common, '--force', '--install-extension', path.resolve(opts.vsixPath)], {
			env,
			cwd: runDir,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: timeoutMs,
			killSignal: 'SIGKILL',
		});
		if (res.status !== 0) {
			removeRunDir();
			throw new Error(`installing ${opts.vsixPath} failed (exit ${String(res.status ?? res.signal)}):\n${res.stdout}${res.stderr}`);
		}
	}

	const args = [
		paths.codeServer,
		...common,
		'--bind-addr', `127.0.0.1:${String(opts.port ?? 0)}`,
		'--auth', 'none',
		'--disable-telemetry',
		'--disable-update-check',
		'--disable-workspace-trust',
		'--disable-getting-started-override',
		...(enableTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
		...(opts.extraArgs ?? []),
		path.resolve(opts.folder),
	];
	installExitHook();
	// detached: a process group of its own (code-server, its extension hosts, file watcher, pty
	// host), so stop() can signal all of them at once.
	const child = spawn(paths.node, args, { env, cwd: runDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const pid = child.pid;
	if (pid === undefined) {
		removeRunDir();
		throw new Error(`could not start ${paths.node} ${paths.codeServer}`);
	}
	liveGroups.add(pid);
	const guard = guardCleanup({ pgid: pid, dir: opts.keepRunDir ? undefined : runDir });
	// Neither the server nor its pipes keep the test process alive: the exit hook and the
	// watchdog clean up if the caller never calls stop().
	child.unref();

	let output = '';
	let exited = false;
	const exitedPromise = new Promise<void>((resolve) => {
		child.on('exit', () => {
			exited = true;
			resolve();
		});
		child.on('error', () => {
			exited = true;
			resolve();
		});
	});
	let onPort: ((port: number) => void) | undefined;
	const portPromise = new Promise<number>((resolve) => (onPort = resolve));
	const onData = (chunk: Buffer): void => {
		output += chunk.toString('utf8');
		if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
		const m = /HTTP server listening on https?:\/\/[^\s/]+:(\d+)\//.exec(output);
		if (m?.[1] !== undefined) onPort?.(Number(m[1]));
	};
	for (const stream of [child.stdout, child.stderr]) {
		stream?.on('data', onData);
		if (stream instanceof net.Socket) stream.unref();
	}

	let stopping: Promise<void> | undefined;
	const stop = (): Promise<void> => {
		stopping ??= (async () => {
			try {
				guard.disarm();
				if (!exited) killGroup(pid, 'SIGTERM');
				// code-server shuts down gracefully on SIGTERM (the extension host gets to run
				// deactivate()); wait for the whole group, 5 s at most, then force it.
				const deadline = Date.now() + 5_000;
				while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
				killGroup(pid, 'SIGKILL');
			} catch {
				killGroup(pid, 'SIGKILL');
			} finally {
				liveGroups.delete(pid);
				try {
					removeRunDir();
				} catch {
					// a process that was still writing; nothing to do
				}
			}
		})();
		return stopping;
	};

	let startupTimer: NodeJS.Timeout | undefined;
	try {
		const started = Date.now();
		const port = await Promise.race([
			portPromise,
			exitedPromise.then(() => Promise.reject(new Error('code-server exited during startup'))),
			new Promise<never>((_, reject) => {
				startupTimer = setTimeout(() => reject(new Error(`code-server did not report its port within ${timeoutMs} ms`)), timeoutMs);
			}),
		]);
		clearTimeout(startupTimer);
		const baseUrl = `http://127.0.0.1:${port}`;
		while ((await httpStatus(`${baseUrl}/healthz`, 2_000)) !== 200) {
			if (exited) throw new Error('code-server exited during startup');
			if (Date.now() - started > timeoutMs) throw new Error(`${baseUrl}/healthz did not answer within ${timeoutMs} ms`);
			await sleep(100);
		}
		return {
			url: buildWorkbenchUrl({ baseUrl, folder: opts.folder, extensionDevelopmentPath: opts.extensionDevelopmentPath, extensionTestsPath: opts.extensionTestsPath }),
			baseUrl,
			port,
			runDir,
			userDataDir,
			extensionsDir,
			env,
			pid,
			logs: () => output,
			stop,
		};
	} catch (err) {
		clearTimeout(startupTimer);
		await stop();
		const msg = err instanceof Error ? err.message : String(err);
		throw new Error(`${msg}\n--- code-server output ---\n${output}`);
	}
}

// ---------------------------------------------------------------------------- integration tests

export interface RunExtensionTestsOptions {
	/** Folder with the extension's package.json. */
	extensionDevelopmentPath: string;
	/** Module exporting `run(): Promise<void>` (e.g. a mocha runner); loaded in the extension host. */
	extensionTestsPath: string;
	/** Workspace folder to open. */
	folder: string;
	env?: Record<string, string> | undefined;
	userSettings?: Record<string, unknown> | undefined;
	extensionsDir?: string | undefined;
	vsixPath?: string | undefined;
	/** Whole-run timeout (default 180 s); on timeout exitCode is 1 and timedOut true. */
	timeoutMs?: number | undefined;
	/** Called with each log line as it arrives (e.g. `console.log`), besides collecting it. */
	onLog?: ((line: string) => void) | undefined;
	/** Keep code-server's temp folder for debugging. */
	keepRunDir?: boolean | undefined;
}

export interface ExtensionTestsResult {
	/** What the extension host reported through codeAutomationExit: 0 passed, otherwise failed. */
	exitCode: number;
	/** The page's console (workbench and extension-host output), then code-server's own output. */
	logs: string;
	timedOut: boolean;
	durationMs: number;
}

/** The workbench logs with CSS styling (`%c INFO color: #33f text`); keep the level and text. */
function cleanConsoleText(text: string): string {
	return text.replace(/^%c\s*([A-Z]+)\s+color:\s*\S+\s?/, '$1 ').replace(/%c/g, '');
}

/**
 * Runs an extension-host test module in a real workbench: starts code-server with the smoke-test
 * driver, opens the test URL in headless Chromium and waits for the workbench to call
 * `window.codeAutomationExit(code)` when the module's run() settles.
 */
export async function runExtensionTests(opts: RunExtensionTestsOptions): Promise<ExtensionTestsResult> {
	const started = Date.now();
	const timeoutMs = opts.timeoutMs ?? 180_000;
	const lines: string[] = [];
	const log = (line: string): void => {
		lines.push(line);
		opts.onLog?.(line);
	};
	const server = await startCodeServer({
		folder: opts.folder,
		extensionDevelopmentPath: opts.extensionDevelopmentPath,
		extensionTestsPath: opts.extensionTestsPath,
		extensionsDir: opts.extensionsDir,
		vsixPath: opts.vsixPath,
		userSettings: opts.userSettings,
		env: opts.env,
		enableTestDriver: true,
		keepRunDir: opts.keepRunDir,
	});
	let browser: BrowserSession | undefined;
	let timer: NodeJS.Timeout | undefined;
	try {
		const { launchBrowser } = await import('./browser');
		browser = await launchBrowser();
		const { page } = browser;
		let settle: (r: { code: number; timedOut: boolean }) => void = () => undefined;
		const outcome = new Promise<{ code: number; timedOut: boolean }>((resolve) => (settle = resolve));
		timer = setTimeout(() => {
			log(`[harness] timed out after ${timeoutMs} ms`);
			settle({ code: 1, timedOut: true });
		}, Math.max(1, timeoutMs - (Date.now() - started)));
		// Must be in place before the workbench loads: it calls window.codeAutomationExit(code) once
		// the test module's run() has settled (0 when it resolved).
		await page.exposeFunction('codeAutomationExit', (code: unknown) => {
			log(`[harness] codeAutomationExit(${String(code)})`);
			settle({ code: typeof code === 'number' ? code : 1, timedOut: false });
		});
		page.on('crash', () => {
			log('[harness] page crashed');
			settle({ code: 1, timedOut: false });
		});
		page.on('console', (m) => log(`[${m.type()}] ${cleanConsoleText(m.text())}`));
		page.on('pageerror', (e) => log(`[pageerror] ${e.message}`));
		await page.goto(server.url, { timeout: timeoutMs });
		const { code, timedOut } = await outcome;
		return { exitCode: code, logs: `${lines.join('\n')}\n--- code-server output ---\n${server.logs()}`, timedOut, durationMs: Date.now() - started };
	} finally {
		if (timer) clearTimeout(timer);
		await browser?.close();
		await server.stop();
	}
}
