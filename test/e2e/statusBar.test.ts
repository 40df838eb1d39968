import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
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

/**
 * End to end, as a user gets it: the packaged VSIX installed into a real VS Code (code-server), the
 * workbench in Chromium, the status bar read from the page.
 */
describe('end to end: the status bar in Chromium', () => {
	const setup = liveClaudeSetup();
	const env = { CLAUDE_CONFIG_DIR: setup.claudeDir, TOKEN_LEDGER_HOME: setup.ledgerDir, TZ: process.env['TZ'] ?? 'UTC' };
	let server: CodeServer | undefined;
	let browser: BrowserSession | undefined;

	const cliToday = (): { costUSD: number; requests: number } =>
		JSON.parse(execFileSync(process.execPath, [cliPath, 'today', '--json'], { env: { ...process.env, ...env } }).toString()) as { costUSD: number; requests: number };

	before(async () => {
		assert.ok(fs.existsSync(vsix), 'npm test packages the VSIX before this test');
		fs.mkdirSync(resultsDir, { recursive: true });
		server = await startCodeServer({ folder: setup.workspace, vsixPath: vsix, env });
		browser = await launchBrowser();
		await browser.page.goto(server.url);
		await waitForWorkbench(browser.page);
	});

	after(async () => {
		await browser?.close();
		await server?.stop();
		fs.rmSync(setup.root, { recursive: true, force: true });
	});

	it('shows today’s cost, equal to `token-ledger today`, and follows new usage', async () => {
		const page = browser!.page;
		const expected = formatUSD(cliToday().costUSD);
		const text = await waitForStatusBarItemText(page, itemId, expected, 30_000);
		assert.equal(text, expected);
		assert.equal(await statusBarItem(page, itemId).locator('.codicon-pulse').count(), 1, 'the pulse icon is shown');
		await page.screenshot({ path: path.join(resultsDir, 'status-bar.png') });

		// New usage written by the assistant appears without any action.
		const file = path.join(setup.claudeDir, 'projects', '-home-dev-acme-api', 'recent.jsonl');
		fs.appendFileSync(file, assistantLine({ messageId: `msg_e2e_${Date.now()}`, timestamp: Date.now(), inputTokens: 100_000, outputTokens: 200_000 }));
		const next = formatUSD(cliToday().costUSD);
		assert.notEqual(next, expected);
		assert.equal(await waitForStatusBarItemText(page, itemId, next, 10_000), next);
	});

	it('opens today’s breakdown from the command palette and the tooltip on hover', async () => {
		const page = browser!.page;
		await statusBarItem(page, itemId).hover();
		const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'Token Ledger: today' }).first();
		await hover.waitFor({ state: 'visible', timeout: 10_000 });
		assert.match(await hover.innerText(), /claude-code/);
		await page.screenshot({ path: path.join(resultsDir, 'status-bar-tooltip.png') });
		await page.mouse.move(700, 300);

		await page.keyboard.press('F1');
		const input = page.locator('.quick-input-widget .quick-input-box input');
		await input.waitFor({ state: 'visible' });
		await input.fill(">Token Ledger: Show Today's Breakdown");
		await page.locator('.quick-input-widget .monaco-list-row', { hasText: "Show Today's Breakdown" }).first().waitFor();
		await page.keyboard.press('Enter');
		const title = page.locator('.quick-input-widget .quick-input-title');
		await title.filter({ hasText: 'AI cost today:' }).waitFor({ state: 'visible', timeout: 10_000 });
		assert.equal(await title.innerText(), `AI cost today: ${formatUSD(cliToday().costUSD)}`);
		assert.ok((await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'claude-sonnet-4-5-20250929' }).count()) > 0);
		await page.screenshot({ path: path.join(resultsDir, 'today-breakdown.png') });
		await page.keyboard.press('Escape');
	});
});
