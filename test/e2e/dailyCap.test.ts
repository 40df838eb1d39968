import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { formatUSD } from '../../src/core/format';
import type { BrowserSession } from '../support/browser';
import { launchBrowser, statusBarItem, waitForStatusBarItemText, waitForWorkbench } from '../support/browser';
import { assistantLine } from '../support/claudeCorpus';
import type { CodeServer } from '../support/codeServer';
import { startCodeServer } from '../support/codeServer';
import { cliPath, liveClaudeSetup, repoRoot } from '../support/liveData';

const itemId = 'token-ledger.token-ledger.tokenLedger.todayCost';
const resultsDir = path.join(repoRoot, 'test-results');
const vsix = path.join(repoRoot, 'token-ledger.vsix');
/** Sonnet 4.5 output costs $15 per million tokens: this many output tokens cost `usd`. */
const outputTokensFor = (usd: number): number => Math.round((usd * 1e6) / 15);

/**
 * The daily cap as a user meets it: set from the command palette, then usage written by the assistant
 * crosses 80 % and 100 %; the status bar changes colour and exactly one notification per threshold.
 */
describe('end to end: the daily cap', () => {
	const setup = liveClaudeSetup();
	const env = { CLAUDE_CONFIG_DIR: setup.claudeDir, TOKEN_LEDGER_HOME: setup.ledgerDir, TZ: process.env['TZ'] ?? 'UTC' };
	const liveFile = path.join(setup.claudeDir, 'projects', '-home-dev-acme-api', 'cap.jsonl');
	let server: CodeServer | undefined;
	let browser: BrowserSession | undefined;

	const cli = (...args: string[]): { costUSD: number; cap: { dailyUSD: number | null; state: string; percent: number | null } } =>
		JSON.parse(execFileSync(process.execPath, [cliPath, ...args, '--json'], { env: { ...process.env, ...env } }).toString()) as never;
	const spend = (usd: number, id: string): void => {
		fs.mkdirSync(path.dirname(liveFile), { recursive: true });
		fs.appendFileSync(liveFile, assistantLine({ messageId: `msg_cap_${id}_${Date.now()}`, timestamp: Date.now(), inputTokens: 0, outputTokens: outputTokensFor(usd) }));
	};
	const toastTexts = async (page: Page): Promise<string[]> => page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();

	before(async () => {
		fs.mkdirSync(resultsDir, { recursive: true });
		server = await startCodeServer({ folder: setup.workspace, vsixPath: vsix, env });
		browser = await launchBrowser();
		await browser.page.goto(server.url);
		await waitForWorkbench(browser.page);
		await waitForStatusBarItemText(browser.page, itemId, formatUSD(cli('status').costUSD), 30_000);
	});

	after(async () => {
		await browser?.close();
		await server?.stop();
		fs.rmSync(setup.root, { recursive: true, force: true });
	});

	it('is set from the palette with today’s spend as a hint, and the CLI uses it', async () => {
		const page = browser!.page;
		const spent = cli('status').costUSD;
		const cap = Math.ceil((spent / 0.7) * 100) / 100; // today's spend is 70 % of it
		await page.keyboard.press('F1');
		const input = page.locator('.quick-input-widget .quick-input-box input');
		await input.fill('>Token Ledger: Set Daily Cap');
		await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Set Daily Cap' }).first().waitFor();
		await page.keyboard.press('Enter');
		await page.locator('.quick-input-widget .quick-input-message', { hasText: `spent today ${formatUSD(spent)}` }).waitFor({ timeout: 10_000 });
		await input.fill('ten dollars');
		await page.locator('.quick-input-widget', { hasText: 'Enter an amount in USD' }).waitFor({ timeout: 5_000 });
		await input.fill(String(cap));
		await page.keyboard.press('Enter');
		await waitFor(() => cli('status').cap.dailyUSD === cap, 10_000, 'the CLI to see the cap set in the editor');
		assert.equal(cli('status').cap.state, 'ok');
		assert.equal(await statusBarItem(page, itemId).evaluate((el) => el.classList.contains('warning-kind') || el.classList.contains('error-kind')), false);
	});

	it('warns once at 80 % and once at 100 %, with the status bar in warning and error colours', async () => {
		const page = browser!.page;
		const cap = cli('status').cap.dailyUSD!;
		const spent = cli('status').costUSD;
		spend(cap * 0.85 - spent, 'eighty');
		await page.locator('.notifications-toasts .notification-list-item-message', { hasText: '% of your daily cap' }).first().waitFor({ timeout: 10_000 });
		await waitFor(async () => statusBarItem(page, itemId).evaluate((el) => el.classList.contains('warning-kind')), 5_000, 'the warning colour');
		await page.screenshot({ path: path.join(resultsDir, 'cap-warning.png') });

		spend(cap * 0.05, 'ninety'); // still between 80 % and 100 %: no second warning
		await waitForStatusBarItemText(page, itemId, formatUSD(cli('status').costUSD), 10_000);
		spend(cap * 0.2, 'over');
		await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'over your daily cap' }).first().waitFor({ timeout: 10_000 });
		await waitFor(async () => statusBarItem(page, itemId).evaluate((el) => el.classList.contains('error-kind')), 5_000, 'the error colour');
		spend(cap * 0.1, 'more'); // further spend over the cap: no new notification
		await waitForStatusBarItemText(page, itemId, formatUSD(cli('status').costUSD), 10_000);
		await new Promise((resolve) => setTimeout(resolve, 1_500));
		await page.screenshot({ path: path.join(resultsDir, 'cap-over.png') });

		const texts = await toastTexts(page);
		assert.equal(texts.filter((text) => text.includes('% of your daily cap')).length, 1, texts.join('\n'));
		assert.equal(texts.filter((text) => text.includes('over your daily cap')).length, 1, texts.join('\n'));
		assert.equal(cli('status').cap.state, 'over');
	});
});

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await probe())) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
