import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { TokenLedgerApi } from '../../../src/extension';
import { formatUSD } from '../../../src/core/format';

/** Runs inside a real VS Code (code-server): the weekly cost panel through the real `vscode` API. */
const cliPath = process.env['TOKEN_LEDGER_TEST_CLI'] ?? '';
const viewType = 'tokenLedger.weeklyCost';

interface WeeklyRow {
	week: string;
	costUSD: number;
	estimatedRequests: number;
	unpricedRequests: number;
}

function cliWeekly(): Promise<WeeklyRow[]> {
	return new Promise((resolve, reject) => {
		execFile(process.execPath, [cliPath, 'weekly', '--json'], { env: process.env }, (error, stdout, stderr) => {
			if (error) reject(new Error(`${error.message}\n${stderr}`));
			else resolve((JSON.parse(stdout) as { weekly: WeeklyRow[] }).weekly);
		});
	});
}

/** Tabs showing the weekly cost panel (the workbench prefixes webview view types). */
function dashboardTabs(): vscode.Tab[] {
	return vscode.window.tabGroups.all
		.flatMap((group) => group.tabs)
		.filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType));
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
	const started = Date.now();
	let last: unknown;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		last = dashboardTabs().map((tab) => tab.label);
		if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (tabs: ${JSON.stringify(last)})`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe('Token Ledger: the weekly cost panel', () => {
	after(async () => {
		for (const tab of dashboardTabs()) await vscode.window.tabGroups.close(tab);
	});

	it('contributes the command and opens one panel that shows this week’s cost from the worker', async () => {
		const commands = await vscode.commands.getCommands(true);
		assert.ok(commands.includes('tokenLedger.openWeeklyCost'));
		const ledger = (await vscode.extensions.getExtension<TokenLedgerApi>('token-ledger.token-ledger')!.activate()) as TokenLedgerApi;
		await ledger.refresh();

		await vscode.commands.executeCommand('tokenLedger.openWeeklyCost');
		const tab = await waitFor('the panel', () => dashboardTabs()[0], 10_000);
		assert.equal(tab.isActive, true);
		// The title carries the week's cost once the page said `ready` and got its snapshot: the whole
		// round trip (page → host → worker → host → page) has run.
		const current = (await cliWeekly()).at(-1)!;
		const amount = `${current.estimatedRequests > 0 ? '~' : ''}${formatUSD(current.costUSD)}${current.unpricedRequests > 0 ? '*' : ''}`;
		assert.ok(current.costUSD > 0, 'the generated data has usage this week');
		await waitFor(`the title "Weekly Cost: ${amount}"`, () => (dashboardTabs()[0]?.label === `Weekly Cost: ${amount}` ? true : undefined), 15_000);
	});

	it('reuses the panel when opened again, also from another editor group', async () => {
		await vscode.commands.executeCommand('workbench.action.newGroupRight');
		await vscode.commands.executeCommand('tokenLedger.openWeeklyCost');
		await vscode.commands.executeCommand('tokenLedger.openWeeklyCost');
		await new Promise((resolve) => setTimeout(resolve, 300));
		const tabs = dashboardTabs();
		assert.equal(tabs.length, 1, `one weekly cost panel, not ${tabs.length}`);
		assert.equal(tabs[0]!.isActive, true, 'brought to the front');
		await vscode.commands.executeCommand('workbench.action.joinAllGroups');
	});

	it('opens a new panel after the old one was closed', async () => {
		await vscode.window.tabGroups.close(dashboardTabs());
		assert.equal(dashboardTabs().length, 0);
		await vscode.commands.executeCommand('tokenLedger.openWeeklyCost');
		await waitFor('the panel again', () => (dashboardTabs().length === 1 ? true : undefined), 10_000);
		await waitFor('its figures', () => (dashboardTabs()[0]?.label.startsWith('Weekly Cost: $') ? true : undefined), 15_000);
	});
});
