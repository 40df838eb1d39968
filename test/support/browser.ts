// Drives the code-server workbench from Debian's Chromium through playwright-core.
//
// playwright-core never downloads a browser: it gets the Chromium that test/support/provision.sh
// installed ($CHROMIUM_PATH, else the path in .vscode-test/paths.json, else /usr/bin/chromium).
// Every launch gets a fresh profile folder and a fresh HOME / XDG folders, because Chromium
// writes into ~/.config/chromium and ~/.cache even when it is given a profile folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { findHarnessPaths, guardCleanup } from './codeServer';

/** Flags for a headless Chromium in a container: no sandbox (root), no GPU, no network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage',
];

export interface LaunchBrowserOptions {
	/** Chromium binary; default: $CHROMIUM_PATH, then paths.json's `chromium`, then /usr/bin/chromium. */
	executablePath?: string | undefined;
	/** Default true. */
	headless?: boolean | undefined;
	/** Default 1400x900. */
	viewport?: { width: number; height: number } | undefined;
	/** Extra Chromium flags, added to CHROMIUM_ARGS (do not pass --user-data-dir: Playwright throws). */
	args?: readonly string[] | undefined;
	/** Keep the profile folder after close() (for debugging). Default false. */
	keepProfile?: boolean | undefined;
}

export interface BrowserSession {
	context: BrowserContext;
	/** The context's first page. */
	page: Page;
	/** The throw-away folder holding the Chromium profile and its HOME. */
	profileDir: string;
	/** Closes Chromium and removes the profile folder; never rejects. */
	close(): Promise<void>;
}

function chromiumPath(explicit: string | undefined): string {
	if (explicit) return explicit;
	const fromEnv = process.env['CHROMIUM_PATH'];
	if (fromEnv) return fromEnv;
	const fromPaths = findHarnessPaths()?.chromium;
	if (fromPaths && fs.existsSync(fromPaths)) return fromPaths;
	return '/usr/bin/chromium';
}

export async function launchBrowser(opts: LaunchBrowserOptions = {}): Promise<BrowserSession> {
	const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-harness-chromium-'));
	const home = path.join(profileDir, 'home');
	fs.mkdirSync(home, { recursive: true });
	const env: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
	Object.assign(env, {
		HOME: home,
		XDG_CONFIG_HOME: path.join(home, '.config'),
		XDG_CACHE_HOME: path.join(home, '.cache'),
		XDG_DATA_HOME: path.join(home, '.local', 'share'),
	});
	// Chromium exits by itself when this process dies (its DevTools pipe closes); the profile
	// folder would stay behind.
	const guard = guardCleanup({ dir: opts.keepProfile ? undefined : profileDir });
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(path.join(profileDir, 'profile'), {
			executablePath: chromiumPath(opts.executablePath),
			headless: opts.headless ?? true,
			args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
			viewport: opts.viewport ?? { width: 1400, height: 900 },
			env,
		});
	} catch (err) {
		fs.rmSync(profileDir, { recursive: true, force: true });
		guard.disarm();
		throw err;
	}
	const page = context.pages()[0] ?? (await context.newPage());
	let closed: Promise<void> | undefined;
	return {
		context,
		page,
		profileDir,
		close(): Promise<void> {
			closed ??= (async () => {
				await context.close().catch(() => undefined);
				if (!opts.keepProfile) fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 3 });
				guard.disarm();
			})();
			return closed;
		},
	};
}

/** Waits until the workbench has rendered its status bar (the last part to appear). */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
	const started = Date.now();
	await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
	const left = Math.max(1_000, timeoutMs - (Date.now() - started));
	await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: left });
}

/**
 * Runs a command through the command palette by its visible label, `Category: Title`
 * (e.g. 'Token Ledger: Rescan Usage Records'). Resolves when the palette has closed again.
 */
export async function runCommandFromPalette(page: Page, label: string, timeoutMs = 20_000): Promise<void> {
	const widget = page.locator('.quick-input-widget');
	const input = widget.locator('.quick-input-box input');
	// F1 needs the keyboard focus inside the workbench: a click on the status bar's empty area would
	// hit items, so focus the editor area instead.
	await page.locator('#workbench\\.parts\\.editor').focus().catch(() => undefined);
	await page.keyboard.press('F1');
	await input.waitFor({ state: 'visible', timeout: timeoutMs });
	await input.fill(`>${label}`);
	const row = widget.locator('.monaco-list-row', { hasText: label }).first();
	await row.waitFor({ state: 'visible', timeout: timeoutMs });
	// Enter runs the focused row; only when an earlier row holds the focus (fuzzy match or a
	// "recently used" entry) click the matching one instead.
	const focused = widget.locator('.monaco-list-row.focused', { hasText: label });
	if ((await focused.count()) > 0) await page.keyboard.press('Enter');
	else await row.click();
	await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/**
 * A status-bar item by its element id. The workbench sets that id to `<extension id>.<item id>`,
 * i.e. `<publisher>.<name>.<id passed to createStatusBarItem>`, e.g. 'token-ledger.token-ledger.today'.
 */
export function statusBarItem(page: Page, elementId: string): Locator {
	return page.locator(`#workbench\\.parts\\.statusbar [id="${elementId.replace(/["\\]/g, '\\$&')}"]`);
}

/**
 * The visible text of a status-bar item once it is shown. Codicons (`$(name)`) render as
 * `.codicon-name` child elements without text, so they do not appear in the result.
 */
export async function statusBarItemText(page: Page, elementId: string, timeoutMs = 30_000): Promise<string> {
	const item = statusBarItem(page, elementId);
	await item.waitFor({ state: 'visible', timeout: timeoutMs });
	return (await item.innerText()).trim();
}

function matches(text: string, expected: string | RegExp): boolean {
	return typeof expected === 'string' ? text.includes(expected) : expected.test(text);
}

async function pollText(read: () => Promise<string | undefined>, expected: string | RegExp, what: string, timeoutMs: number): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	let last: string | undefined;
	for (;;) {
		last = await read().catch(() => undefined);
		if (last !== undefined && matches(last, expected)) return last;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} to match ${String(expected)}; last text: ${JSON.stringify(last)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Waits until a status-bar item's text contains `expected` (or matches the RegExp); returns the text. */
export async function waitForStatusBarItemText(page: Page, elementId: string, expected: string | RegExp, timeoutMs = 30_000): Promise<string> {
	const item = statusBarItem(page, elementId);
	return pollText(async () => ((await item.count()) > 0 ? (await item.first().innerText()).trim() : undefined), expected, `status-bar item ${elementId}`, timeoutMs);
}

/**
 * Waits for a notification whose message contains `expected` (or matches the RegExp) and returns
 * that message. Looks at the toasts and at the notification center: with the smoke-test driver
 * (which extension-development payloads need on 1.139) the workbench never shows toasts, so the
 * center is opened (and closed again afterwards) when no toast matches.
 */
export async function waitForNotification(page: Page, expected: string | RegExp, timeoutMs = 30_000): Promise<string> {
	const toastMessages = page.locator('.notifications-toasts .notification-list-item-message');
	const center = page.locator('.notifications-center');
	const centerMessages = center.locator('.notification-list-item-message');
	const toggleCenter = (): Promise<void> => statusBarItem(page, 'status.notifications').click();
	let opened = false;
	try {
		return await pollText(
			async () => {
				const toasts = await toastMessages.allInnerTexts();
				const toast = toasts.find((t) => matches(t, expected));
				if (toast !== undefined) return toast;
				if (!(await center.isVisible())) {
					await toggleCenter();
					opened = true;
					await center.waitFor({ state: 'visible', timeout: 5_000 });
				}
				const all = [...toasts, ...(await centerMessages.allInnerTexts())];
				return all.find((t) => matches(t, expected)) ?? all.join('\n');
			},
			expected,
			'a notification',
			timeoutMs,
		);
	} finally {
		if (opened && (await center.isVisible().catch(() => false))) await toggleCenter().catch(() => undefined);
	}
}
