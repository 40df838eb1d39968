import * as vscode from 'vscode';
import { formatTokens, formatUSD } from '../core/format';
import type { Totals } from '../core/report/totals';
import { unpricedModels } from '../core/report/totals';
import { ZonedCalendar } from '../core/time/zonedDate';
import { CommandId, statusBarItemId, statusBarItemName } from './constants';
import type { StoredToday } from './lastSnapshotStore';

/** Today's running cost in the status bar, with a breakdown in its tooltip. */
export class StatusBarController implements vscode.Disposable {
	private readonly item: vscode.StatusBarItem;

	constructor() {
		this.item = vscode.window.createStatusBarItem(statusBarItemId, vscode.StatusBarAlignment.Right, 100);
		this.item.name = statusBarItemName;
		this.item.command = CommandId.ShowToday;
		this.item.text = '$(pulse) …';
		this.item.tooltip = 'Token Ledger: reading usage records…';
		this.item.show();
	}

	get text(): string {
		return this.item.text;
	}

	/** Shows a stored figure if it is still today's in its zone; otherwise waits for the first scan. */
	showStored(stored: StoredToday | undefined, now: number): void {
		if (stored === undefined) return;
		const todayThere = new ZonedCalendar(stored.timeZone).dateKey(now);
		if (stored.today.date === todayThere) this.update(stored);
	}

	update(value: StoredToday): void {
		const { today } = value;
		const estimated = today.estimatedRequests > 0 ? '~' : '';
		const unpriced = today.unpricedRequests > 0 ? '*' : '';
		this.item.text = `$(pulse) ${estimated}${formatUSD(today.costUSD)}${unpriced}`;
		this.item.tooltip = tooltip(value);
		this.item.accessibilityInformation = {
			label: `AI usage today: ${formatUSD(today.costUSD)}, ${formatTokens(today.totalTokens)} tokens`,
			role: 'button',
		};
	}

	dispose(): void {
		this.item.dispose();
	}
}

function tooltip({ today, timeZone, at }: StoredToday): vscode.MarkdownString {
	const md = new vscode.MarkdownString('', true);
	md.isTrusted = { enabledCommands: [CommandId.ShowToday, CommandId.Rescan, CommandId.ShowLog] };
	md.appendMarkdown(`**Token Ledger: today** (${today.date}, ${escape(timeZone)})\n\n`);
	md.appendMarkdown(`**${formatUSD(today.costUSD)}** for ${formatTokens(today.totalTokens)} tokens in ${today.requests} requests\n\n`);
	if (today.requests > 0) {
		md.appendMarkdown('| | Tokens | Cost |\n|:--|--:|--:|\n');
		for (const [source, totals] of sorted(today.bySource)) md.appendMarkdown(row(`**${escape(source)}**`, totals));
		for (const [model, totals] of sorted(today.byModel)) md.appendMarkdown(row(escape(model), totals));
		md.appendMarkdown('\n');
		md.appendMarkdown(
			`Input ${formatTokens(today.inputTokens)} · output ${formatTokens(today.outputTokens)} · cache write ${formatTokens(today.cacheCreationTokens)} · cache read ${formatTokens(today.cacheReadTokens)}\n\n`,
		);
	}
	const unpriced = unpricedModels(today);
	if (unpriced.length > 0) {
		md.appendMarkdown(`\\* Unpriced (tokens counted, no cost): ${unpriced.map(escape).join(', ')}\n\n`);
	}
	if (today.estimatedRequests > 0) {
		md.appendMarkdown(`~ ${formatUSD(today.estimatedCostUSD)} of this is estimated from tokenizer counts\n\n`);
	}
	md.appendMarkdown(`Updated ${new Date(at).toLocaleTimeString()}\n\n`);
	md.appendMarkdown(
		`[Breakdown](command:${CommandId.ShowToday}) · [Rescan](command:${CommandId.Rescan}) · [Log](command:${CommandId.ShowLog})`,
	);
	return md;
}

function row(label: string, totals: Totals): string {
	const marks = `${totals.unpricedRequests > 0 ? '\\*' : ''}${totals.estimatedRequests > 0 ? '~' : ''}`;
	return `| ${label} | ${formatTokens(totals.totalTokens)} | ${formatUSD(totals.costUSD)}${marks} |\n`;
}

function sorted(map: Record<string, Totals>): Array<[string, Totals]> {
	return Object.entries(map).sort(([, a], [, b]) => b.costUSD - a.costUSD);
}

function escape(text: string): string {
	return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
