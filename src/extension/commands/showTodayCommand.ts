import * as vscode from 'vscode';
import { formatTokens, formatUSD } from '../../core/format';
import type { Totals } from '../../core/report/totals';
import type { Snapshot } from '../../engine/workerProtocol';
import { CommandId } from '../constants';

/** "Token Ledger: Show Today's Breakdown": today's cost by source and model, freshly read. */
export function registerShowTodayCommand(refresh: () => Promise<Snapshot>): vscode.Disposable {
	return vscode.commands.registerCommand(CommandId.ShowToday, async () => {
		const snapshot = await refresh();
		const { today } = snapshot;
		if (today.requests === 0) {
			const where = snapshot.roots.join(', ');
			void vscode.window.showInformationMessage(
				`No AI usage recorded today (${today.date}, ${snapshot.timeZone}). Looked in: ${where}.`,
			);
			return;
		}
		const item = (label: string, totals: Totals, kind: string): vscode.QuickPickItem => ({
			label,
			description: `${formatUSD(totals.costUSD)}${totals.unpricedRequests > 0 ? ' (partly unpriced)' : ''}${totals.estimatedRequests > 0 ? ' (estimated)' : ''}`,
			detail: `${kind} · ${formatTokens(totals.totalTokens)} tokens: input ${formatTokens(totals.inputTokens)}, output ${formatTokens(totals.outputTokens)}, cache write ${formatTokens(totals.cacheCreationTokens)}, cache read ${formatTokens(totals.cacheReadTokens)} · ${totals.requests} requests`,
		});
		const byCost = (entries: Record<string, Totals>): Array<[string, Totals]> =>
			Object.entries(entries).sort(([, a], [, b]) => b.costUSD - a.costUSD);
		const items: vscode.QuickPickItem[] = [
			item(`Today ${today.date}`, today, snapshot.timeZone),
			{ label: 'By assistant', kind: vscode.QuickPickItemKind.Separator },
			...byCost(today.bySource).map(([source, totals]) => item(source, totals, 'assistant')),
			{ label: 'By model', kind: vscode.QuickPickItemKind.Separator },
			...byCost(today.byModel).map(([model, totals]) => item(model, totals, totals.unpricedRequests > 0 ? 'model, no known price' : 'model')),
		];
		await vscode.window.showQuickPick(items, { title: `AI cost today: ${formatUSD(today.costUSD)}`, matchOnDetail: true });
	});
}
