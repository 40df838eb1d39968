import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenLedgerApi } from '../../../src/extension';
import { assistantLine } from '../../support/claudeCorpus';

/** The daily cap through the real `vscode` API: the command writes the setting, usage moves the state. */
const claudeDir = process.env['CLAUDE_CONFIG_DIR']!;

async function api(): Promise<TokenLedgerApi> {
	const extension = vscode.extensions.getExtension<TokenLedgerApi>('token-ledger.token-ledger')!;
	return extension.isActive ? extension.exports : await extension.activate();
}

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!probe()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** Sonnet 4.5 output: $15 per million tokens. */
function spend(usd: number, id: string): void {
	const file = path.join(claudeDir, 'projects', '-home-dev-cap', 'cap.jsonl');
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.appendFileSync(file, assistantLine({ messageId: `msg_capsuite_${id}_${Date.now()}`, timestamp: Date.now(), inputTokens: 0, outputTokens: Math.round((usd * 1e6) / 15) }));
}

describe('the daily cap in a real VS Code', () => {
	after(async () => {
		await vscode.workspace.getConfiguration('tokenLedger').update('dailyCap', undefined, vscode.ConfigurationTarget.Global);
	});

	it('sets the cap from the command, and the state follows spend past 80 % and 100 %', async () => {
		const ledger = await api();
		const spent = (await ledger.refresh())!.cap.spentUSD;
		const cap = Math.ceil((spent + 10) * 100) / 100;
		await vscode.commands.executeCommand('tokenLedger.setDailyCap', cap);
		assert.equal(vscode.workspace.getConfiguration('tokenLedger').get('dailyCap'), cap);
		await until('the cap in the snapshot', () => ledger.lastSnapshot?.cap.dailyUSD === cap);
		assert.equal(ledger.lastSnapshot!.cap.state, 'ok');

		spend(cap * 0.85 - spent, 'warning');
		await until('the warning state', () => ledger.lastSnapshot?.cap.state === 'warning');
		assert.deepEqual(ledger.lastSnapshot!.cap.reachedThresholds, [80]);

		spend(cap * 0.2, 'over');
		await until('the over state', () => ledger.lastSnapshot?.cap.state === 'over');
		assert.deepEqual(ledger.lastSnapshot!.cap.reachedThresholds, [80, 100]);
		assert.ok(ledger.lastSnapshot!.cap.forecastCrossAt !== null, 'the crossing time is known once over');

		await vscode.commands.executeCommand('tokenLedger.setDailyCap', 'off');
		await until('the cap off', () => ledger.lastSnapshot?.cap.state === 'off');
	});

	it('rejects an amount that is not one', async () => {
		await assert.rejects(Promise.resolve(vscode.commands.executeCommand('tokenLedger.setDailyCap', 'ten')), /Not a daily cap/);
	});
});
