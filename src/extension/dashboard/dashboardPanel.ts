import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { formatUSD } from '../../core/format';
import type { ExportFormat, HostToWebview } from '../../shared/protocol';
import { parseWebviewMessage } from '../../shared/protocol';
import type { DashboardSnapshot, DateKey, WeekDashboard } from '../../shared/viewModels';
import { CommandId } from '../constants';
import type { Logger } from '../logger';
import { exportWeek } from './dashboardExport';
import { dashboardHtml } from './dashboardHtml';

/** Where the dashboard's figures come from: the ledger client (the worker computes them). */
export interface DashboardData {
	dashboard(week: DateKey | null): Promise<DashboardSnapshot>;
	/** Fires after every refresh of the ledger. */
	readonly onSnapshot: vscode.Event<unknown>;
}

/** Scripts on, and local files only from the webview bundle and the media folder. */
export function dashboardWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
	return {
		enableScripts: true,
		enableCommandUris: false,
		localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
	};
}

/** `Weekly Cost: $12.34`, with the status bar's marks: `~` estimated, `*` partly unpriced. */
export function dashboardTitle(dashboard: WeekDashboard): string {
	const { totals, week } = dashboard;
	const amount = `${totals.estimatedRequests > 0 ? '~' : ''}${formatUSD(totals.costUSD)}${totals.unpricedRequests > 0 ? '*' : ''}`;
	return week.isCurrent ? `Weekly Cost: ${amount}` : `Weekly Cost: ${amount} (${week.start})`;
}

/**
 * One weekly cost panel: its page, the messages from it, and the snapshots sent to it.
 *
 * Nothing is posted before the page says `ready` (earlier messages would be lost); every post is a
 * complete snapshot of one week. The page is rebuilt whenever the panel comes back from the
 * background (no retained context), and then says `ready` again with the week it showed.
 */
export class DashboardPanel implements vscode.Disposable {
	private readonly disposables: vscode.Disposable[] = [];
	private readonly disposeEmitter = new vscode.EventEmitter<void>();
	readonly onDidDispose = this.disposeEmitter.event;
	private ready = false;
	/** The week asked for; null follows the calendar's current week. */
	private week: DateKey | null = null;
	/** Increases with each request, so that an older answer never overwrites a newer one. */
	private generation = 0;
	private shown: DashboardSnapshot | undefined;
	private shownFingerprint = '';
	private disposed = false;

	constructor(
		private readonly panel: vscode.WebviewPanel,
		extensionUri: vscode.Uri,
		private readonly data: DashboardData,
		private readonly logger: Logger,
	) {
		// Set again on a restored panel too: after an update the stored roots may point at an old folder.
		panel.webview.options = dashboardWebviewOptions(extensionUri);
		panel.iconPath = {
			light: vscode.Uri.joinPath(extensionUri, 'media', 'weekly-cost-light.svg'),
			dark: vscode.Uri.joinPath(extensionUri, 'media', 'weekly-cost-dark.svg'),
		};
		const webview = panel.webview;
		webview.html = dashboardHtml({
			cspSource: webview.cspSource,
			nonce: randomBytes(16).toString('base64'),
			scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js')).toString(),
			styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css')).toString(),
		});
		webview.onDidReceiveMessage((message: unknown) => this.receive(message), this, this.disposables);
		panel.onDidChangeViewState(() => {
			// A hidden page is torn down; it says `ready` again when shown.
			if (!panel.visible) this.ready = false;
		}, this, this.disposables);
		panel.onDidDispose(() => this.dispose(), this, this.disposables);
		data.onSnapshot(() => {
			if (this.ready) void this.update();
		}, this, this.disposables);
	}

	reveal(): void {
		this.panel.reveal();
	}

	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		this.ready = false;
		this.panel.dispose();
		for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
		this.disposeEmitter.fire();
		this.disposeEmitter.dispose();
	}

	private receive(raw: unknown): void {
		const message = parseWebviewMessage(raw);
		if (message === undefined) {
			this.logger.warn(`Weekly cost view: ignored a message that is not part of its protocol: ${JSON.stringify(raw)?.slice(0, 200)}`);
			return;
		}
		switch (message.type) {
			case 'ready':
				this.ready = true;
				this.week = message.week;
				this.shownFingerprint = ''; // a new page has nothing yet
				void this.update();
				break;
			case 'showWeek':
				this.week = message.week;
				void this.update();
				break;
			case 'export':
				void this.export(message.format);
				break;
			case 'openSettings':
				void vscode.commands.executeCommand('workbench.action.openSettings', 'tokenLedger.sources');
				break;
			case 'showSources':
				void vscode.commands.executeCommand(CommandId.ShowSources);
				break;
			case 'cspViolation':
				this.logger.warn(`Weekly cost view: the Content Security Policy blocked ${message.blocked} (${message.directive}).`);
				break;
			default:
				message satisfies never;
		}
	}

	/** Asks the worker for the week and posts it, unless a newer request or the same figures came first. */
	private async update(): Promise<void> {
		const generation = ++this.generation;
		try {
			const snapshot = await this.data.dashboard(this.week);
			if (generation !== this.generation || this.disposed || !this.ready) return;
			// Refreshes run every few seconds; most change nothing, and the page need not redraw then.
			const fingerprint = JSON.stringify({ ...snapshot, dashboard: { ...snapshot.dashboard, generatedAt: 0 } });
			if (fingerprint === this.shownFingerprint) return;
			this.shown = snapshot;
			this.panel.title = dashboardTitle(snapshot.dashboard);
			if (await this.post({ type: 'snapshot', snapshot })) {
				this.shownFingerprint = fingerprint;
				this.logger.debug(`Weekly cost view: the week of ${snapshot.dashboard.week.start} sent, about ${fingerprint.length} bytes`);
			}
		} catch (error) {
			if (generation !== this.generation || this.disposed) return;
			this.logger.error('Computing the weekly cost failed', error);
			await this.post({ type: 'error', message: 'The weekly figures could not be computed. The Token Ledger log (Token Ledger: Show Log) says why.' });
		}
	}

	private post(message: HostToWebview): Thenable<boolean> {
		return this.panel.webview.postMessage(message);
	}

	private async export(format: ExportFormat): Promise<void> {
		const shown = this.shown;
		if (shown === undefined) return;
		try {
			const file = await exportWeek(shown.dashboard, format);
			if (file !== undefined) void vscode.window.showInformationMessage(`Token Ledger: saved the week of ${shown.dashboard.week.start} to ${file.fsPath}.`);
		} catch (error) {
			this.logger.error('Exporting the week failed', error);
			void vscode.window.showErrorMessage(`Token Ledger: the export failed: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
}
