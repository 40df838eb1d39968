import * as vscode from 'vscode';
import { formatUSD } from '../../core/format';
import type { Snapshot } from '../../engine/workerProtocol';
import { CommandId, configSection } from '../constants';
import { parseCapInput } from '../../core/budget/dailyCap';

/**
 * "Token Ledger: Set Daily Cap": an input box that validates the amount, shows today's spend and the
 * median of recent days as a hint, and accepts "off". It writes the `tokenLedger.dailyCap` setting,
 * which Settings Sync carries and the CLI and the Claude Code hook read. An argument (a number or
 * "off") sets the cap without asking.
 */
export function registerSetDailyCapCommand(latest: () => Promise<Snapshot | undefined>): vscode.Disposable {
	return vscode.commands.registerCommand(CommandId.SetDailyCap, async (value?: number | string) => {
		let cap: number | null | undefined;
		if (value !== undefined) {
			cap = parseCapInput(String(value));
			if (cap === undefined) throw new Error(`Not a daily cap: ${String(value)}`);
		} else {
			const snapshot = await latest();
			const current = vscode.workspace.getConfiguration(configSection).get<number | null>('dailyCap') ?? null;
			const hints = [
				snapshot === undefined ? undefined : `spent today ${formatUSD(snapshot.cap.spentUSD)}`,
				snapshot?.cap.medianDailyUSD == null ? undefined : `median of recent days ${formatUSD(snapshot.cap.medianDailyUSD)}`,
			].filter((hint) => hint !== undefined);
			const input = await vscode.window.showInputBox({
				title: 'Token Ledger: daily cap (USD)',
				prompt: `A warning at 80 % and 100 % of this amount each day${hints.length > 0 ? `: ${hints.join(', ')}` : ''}. Type "off" for no cap.`,
				placeHolder: 'e.g. 20, or off',
				value: current === null ? '' : String(current),
				validateInput: (text) => (parseCapInput(text) === undefined ? 'Enter an amount in USD (e.g. 20 or 12.50), or "off"' : undefined),
			});
			if (input === undefined) return;
			cap = parseCapInput(input);
		}
		await vscode.workspace.getConfiguration(configSection).update('dailyCap', cap ?? undefined, vscode.ConfigurationTarget.Global);
		void vscode.window.setStatusBarMessage(cap === null ? 'Token Ledger: daily cap off' : `Token Ledger: daily cap ${formatUSD(cap!)}`, 4000);
	});
}
