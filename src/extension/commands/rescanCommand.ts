import * as vscode from 'vscode';
import { formatUSD } from '../../core/format';
import type { Snapshot } from '../../engine/workerProtocol';
import { CommandId } from '../constants';

/** "Token Ledger: Rescan Usage Records": reads new records now, and says what it found. */
export function registerRescanCommand(refresh: () => Promise<Snapshot>): vscode.Disposable {
	return vscode.commands.registerCommand(CommandId.Rescan, async () => {
		const snapshot = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Window, title: 'Token Ledger: reading usage records' },
			() => refresh(),
		);
		const { stats, today, diagnostics } = snapshot;
		const skipped = diagnostics.reduce((sum, file) => sum + file.malformed, 0);
		void vscode.window.showInformationMessage(
			`Token Ledger: ${stats.eventsStored} new requests from ${stats.filesRead} changed files; today ${formatUSD(today.costUSD)}.` +
				(skipped > 0 ? ` ${skipped} malformed lines skipped (see the log).` : ''),
		);
	});
}
