import * as vscode from 'vscode';
import { Container } from './extension/container';

import type { Snapshot } from './engine/workerProtocol';

/** What the extension exports: a read-only view used by integration tests and other extensions. */
export interface TokenLedgerApi {
	/** Ingests new records now and returns the snapshot the status bar then shows. */
	refresh(): Promise<Snapshot | undefined>;
	readonly lastSnapshot: Snapshot | undefined;
	/** The status-bar item's current text. */
	readonly statusBarText: string;
	/** Settings rejected at the last read, each with its reason. */
	readonly configurationErrors: readonly string[];
	/** Activation to the stored figure and to the first fresh one, and the worst event-loop delay (ms). */
	readonly timings: {
		readonly storedShownMs: number;
		readonly firstSnapshotMs: number | null;
		/** The longest the extension host spent on one refresh result (status bar, notifications). */
		readonly longestSnapshotWorkMs: number;
		readonly maxEventLoopDelayMs: number;
	};
}

export function activate(context: vscode.ExtensionContext): TokenLedgerApi {
	const activatedAt = performance.now();
	try {
		const container = new Container(context, activatedAt);
		context.subscriptions.push(container);
		return {
			refresh: () => container.refresh(),
			get lastSnapshot() {
				return container.lastSnapshot;
			},
			get statusBarText() {
				return container.statusBarText;
			},
			get configurationErrors() {
				return container.configurationErrors;
			},
			get timings() {
				return { ...container.timings, maxEventLoopDelayMs: container.maxEventLoopDelayMs };
			},
		};
	} catch (error) {
		// VS Code shows nothing when activation fails; say it, then let VS Code record the failure.
		void vscode.window.showErrorMessage(`Token Ledger failed to start: ${error instanceof Error ? error.message : String(error)}`);
		throw error;
	}
}

export function deactivate(): void {
	// Everything is disposed through context.subscriptions.
}
