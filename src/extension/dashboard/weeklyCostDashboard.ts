import * as vscode from 'vscode';
import { weeklyCostViewType } from '../constants';
import type { Logger } from '../logger';
import type { DashboardData } from './dashboardPanel';
import { DashboardPanel, dashboardWebviewOptions } from './dashboardPanel';

/**
 * Owns the one weekly cost panel: opens it, brings it back when asked again, and restores it after a
 * window reload (the serializer; package.json activates on `onWebviewPanel:tokenLedger.weeklyCost`).
 * The panel itself is created only when first shown.
 */
export class WeeklyCostDashboard implements vscode.Disposable {
	private panel: DashboardPanel | undefined;
	private readonly serializer: vscode.Disposable;

	constructor(
		private readonly extensionUri: vscode.Uri,
		private readonly data: DashboardData,
		private readonly logger: Logger,
	) {
		this.serializer = vscode.window.registerWebviewPanelSerializer(weeklyCostViewType, {
			// The page's saved state (the week it showed) comes back with its `ready` message.
			deserializeWebviewPanel: (panel) => {
				this.adopt(panel);
				return Promise.resolve();
			},
		});
	}

	open(): void {
		if (this.panel !== undefined) {
			this.panel.reveal();
			return;
		}
		const panel = vscode.window.createWebviewPanel(weeklyCostViewType, 'Weekly Cost', vscode.ViewColumn.Active, {
			...dashboardWebviewOptions(this.extensionUri),
			// The page keeps its own UI state and gets a full snapshot when shown again: no need to keep it alive hidden.
			retainContextWhenHidden: false,
		});
		this.adopt(panel);
	}

	dispose(): void {
		this.serializer.dispose();
		this.panel?.dispose();
		this.panel = undefined;
	}

	private adopt(panel: vscode.WebviewPanel): void {
		if (this.panel !== undefined) {
			// Only one weekly cost panel: a second one restored beside it is closed.
			panel.dispose();
			this.panel.reveal();
			return;
		}
		const dashboard = new DashboardPanel(panel, this.extensionUri, this.data, this.logger);
		dashboard.onDidDispose(() => {
			if (this.panel === dashboard) this.panel = undefined;
		});
		this.panel = dashboard;
	}
}
