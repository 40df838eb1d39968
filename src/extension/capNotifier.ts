import * as vscode from 'vscode';
import { formatUSD } from '../core/format';
import type { CapView } from '../engine/capEvaluation';
import { claimNotification, claimOnce, writeCapOverride } from '../engine/capState';
import type { Snapshot } from '../engine/workerProtocol';
import { CommandId } from './constants';
import type { Logger } from './logger';

/**
 * One notification per threshold per day (and per cap: a cap changed mid-day notifies afresh), across
 * every window: each is claimed with a marker file in the ledger folder before it is shown. When spend
 * jumps past several thresholds at once, only the highest is shown; the lower ones are claimed with it
 * so they never fire late.
 */
export class CapNotifier {
	constructor(
		private readonly logger: Logger,
		private readonly refresh: () => void,
	) {}

	onSnapshot(snapshot: Snapshot): void {
		const { cap, today, ledgerHome } = snapshot;
		try {
			if (cap.dailyUSD !== null && !cap.snoozedForToday && cap.reachedThreshold !== null) {
				const claimed = cap.reachedThresholds.filter((threshold) => claimNotification(ledgerHome, today.date, threshold, cap.dailyUSD!));
				if (claimed.includes(cap.reachedThreshold)) this.notifyThreshold(cap, snapshot);
			}
			for (const runaway of cap.runaways) {
				if (!claimOnce(ledgerHome, today.date, `runaway_${runaway.session}`)) continue;
				const usual = runaway.usualPerHour === null ? '' : `, about ${Math.round(runaway.ratePerHour / Math.max(runaway.usualPerHour, 0.01))}× your usual rate`;
				void vscode.window.showWarningMessage(`Token Ledger: session ${runaway.session} is spending ${formatUSD(runaway.ratePerHour)}/hour${usual}.`);
			}
		} catch (error) {
			this.logger.error('Cap notification failed', error);
		}
	}

	private notifyThreshold(cap: CapView, snapshot: Snapshot): void {
		const over = cap.state === 'over';
		const message = over
			? `Token Ledger: today's AI spend ${formatUSD(cap.spentUSD)} is over your daily cap of ${formatUSD(cap.dailyUSD ?? 0)}.`
			: `Token Ledger: today's AI spend ${formatUSD(cap.spentUSD)} is ${Math.round(cap.percent ?? 0)} % of your daily cap of ${formatUSD(cap.dailyUSD ?? 0)}.`;
		const actions = ['Open Weekly Cost', 'Raise Cap for Today…', 'Snooze for Today'] as const;
		const shown = over ? vscode.window.showErrorMessage(message, ...actions) : vscode.window.showWarningMessage(message, ...actions);
		void shown.then(async (choice) => {
			if (choice === 'Open Weekly Cost') {
				const commands = await vscode.commands.getCommands(true);
				await vscode.commands.executeCommand(commands.includes(CommandId.OpenWeeklyCost) ? CommandId.OpenWeeklyCost : CommandId.ShowToday);
			} else if (choice === 'Raise Cap for Today…') {
				const input = await vscode.window.showInputBox({
					title: 'Raise the daily cap for today only',
					prompt: `Spent today: ${formatUSD(cap.spentUSD)}. The cap returns to your setting at midnight.`,
					value: String(Math.ceil(Math.max(cap.spentUSD, cap.dailyUSD ?? 0) * 1.5)),
					validateInput: (text) => (Number(text) > 0 ? undefined : 'Enter an amount in USD above 0'),
				});
				if (input === undefined) return;
				writeCapOverride(snapshot.ledgerHome, { date: snapshot.today.date, raisedToUSD: Number(input), snoozed: false });
				this.refresh();
			} else if (choice === 'Snooze for Today') {
				writeCapOverride(snapshot.ledgerHome, { date: snapshot.today.date, raisedToUSD: null, snoozed: true });
				this.refresh();
			}
		});
	}
}
