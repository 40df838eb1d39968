import * as vscode from 'vscode';
import { formatTokens, formatUSD } from '../core/format';
import type { Totals } from '../core/report/totals';
import { unpricedModels } from '../core/report/totals';
import { ZonedCalendar } from '../core/time/zonedDate';
import { CommandId, statusBarItemId, statusBarItemName } from './constants';
import type { StoredToday } from './lastSnapshotStore';
import type { CapView } from '../engine/capEvaluation';

/** Today's running cost in the status bar, with a breakdown in its tooltip. */
export class StatusBarController implements vscode.Disposable {
	private readonly item: vscode.StatusBarItem;

	constructor() {
		this.item = vscode.window.createStatusBarItem(statusBarItemId, vscode.StatusBarAlignment.Right, 100);
		this.item.name = statusBarItemName;
		this.item.command = CommandId.OpenWeeklyCost;
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
		// The theme's own warning and error colours, at the cap's thresholds.
		const state = value.cap?.state;
		this.item.backgroundColor =
			state === 'over' ? new vscode.ThemeColor('statusBarItem.errorBackground') : state === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
		this.item.accessibilityInformation = {
			label: `AI usage today: ${formatUSD(today.costUSD)}, ${formatTokens(today.totalTokens)} tokens`,
			role: 'button',
		};
	}

	dispose(): void {
		this.item.dispose();
	}
}

function tooltip({ today, timeZone, at, cap }: StoredToday): vscode.MarkdownString {
	const md = new vscode.MarkdownString('', true);
	md.isTrusted = { enabledCommands: [CommandId.ShowToday, CommandId.Rescan, CommandId.ShowLog, CommandId.SetDailyCap] };
	md.appendMarkdown(`**Token Ledger: today** (${today.date}, ${escape(timeZone)})\n\n`);
	md.appendMarkdown(`**${formatUSD(today.costUSD)}** for ${formatTokens(today.totalTokens)} tokens in ${today.requests} requests\n\n`);
	if (cap !== undefined) md.appendMarkdown(capMarkdown(cap));
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

/** Spend, cap, what is left and the forecast; runaway sessions; subscription value. */
function capMarkdown(cap: CapView): string {
	const parts: string[] = [];
	if (cap.state === 'off') {
		parts.push(`No daily cap · [Set one](command:${CommandId.SetDailyCap})`);
	} else {
		const left = Math.max(0, (cap.dailyUSD ?? 0) - cap.spentUSD);
		const label = cap.state === 'over' ? '$(error) **Over the daily cap**' : cap.state === 'warning' ? '$(warning) **Near the daily cap**' : 'Daily cap';
		parts.push(
			`${label}: ${formatUSD(cap.spentUSD)} of ${formatUSD(cap.dailyUSD ?? 0)} (${Math.round(cap.percent ?? 0)} %), ${formatUSD(left)} left` +
				`${cap.raisedForToday ? ' · raised for today' : ''}${cap.snoozedForToday ? ' · snoozed for today' : ''}${cap.scope === 'payPerToken' ? ' · pay-per-token sources only' : ''}`,
		);
		if (cap.forecastCrossAt !== null) {
			const time = new Date(cap.forecastCrossAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
			parts.push(cap.state === 'over' ? `Crossed at ${time}` : `At the recent rate the cap is reached at **${time}**`);
		} else {
			parts.push('At the recent rate the cap is not reached today');
		}
	}
	for (const runaway of cap.runaways) {
		parts.push(`$(flame) Runaway: \`${escape(runaway.session)}\` spends ${formatUSD(runaway.ratePerHour)}/h${runaway.usualPerHour === null ? '' : ` (usually ${formatUSD(runaway.usualPerHour)}/h)`}`);
	}
	if (cap.subscriptionValueUSD > 0) {
		parts.push(`Subscription usage at API prices (value, not money spent): ${formatUSD(cap.subscriptionValueUSD)}`);
	}
	return `${parts.join('\n\n')}\n\n`;
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
