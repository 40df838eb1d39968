import * as vscode from 'vscode';
import type { SettingChange } from '../../sources/copilot/copilotOtelSettings';
import { applicableRevert, copilotOtelRelevantKeys, planCopilotOtelFileExport } from '../../sources/copilot/copilotOtelSettings';
import { CommandId } from '../constants';

const revertKey = 'tokenLedger.copilotOtelRevert';
const copilotChatId = 'GitHub.copilot-chat';

/**
 * Copilot Chat keeps no token counts unless its OpenTelemetry file export is on. These commands turn
 * it on, pointed at a file this extension reads, after showing exactly which user settings change;
 * the second command puts back what was there before (unless the user changed it again since).
 */
export function registerCopilotUsageCommands(context: vscode.ExtensionContext, otelFile: string, changed: () => void): vscode.Disposable {
	const enable = vscode.commands.registerCommand(CommandId.EnableCopilotUsage, async () => {
		// VS Code refuses to write settings that no installed extension declares.
		if (vscode.extensions.getExtension(copilotChatId) === undefined) {
			void vscode.window.showInformationMessage('GitHub Copilot Chat is not installed in this editor: there is no usage export to turn on.');
			return;
		}
		const plan = planCopilotOtelFileExport(userValues(), otelFile, process.env);
		if (plan.enable.length === 0) {
			void vscode.window.showInformationMessage(`Copilot Chat already writes its usage to ${otelFile}; Token Ledger reads it.`);
			return;
		}
		const detail = [
			'These user settings will change:',
			...plan.enable.map(describeChange),
			...plan.warnings.map((warning) => `⚠ ${warning.message}${warning.detail === undefined ? '' : ` (${warning.detail})`}`),
			plan.reloadNeeded ? 'Copilot Chat reads them at start: reload the window afterwards.' : '',
			'Undo at any time with "Token Ledger: Stop Recording Copilot Chat Usage".',
		].filter((line) => line !== '');
		const choice = await vscode.window.showWarningMessage('Record Copilot Chat token usage to a local file?', { modal: true, detail: detail.join('\n') }, 'Change Settings');
		if (choice !== 'Change Settings') return;
		// Keep the way back before changing anything, so a failure half-way can still be undone.
		await context.globalState.update(revertKey, plan.revert);
		try {
			await apply(plan.enable);
		} catch (error) {
			void vscode.window.showErrorMessage(`Token Ledger could not change the Copilot settings: ${error instanceof Error ? error.message : String(error)}. Run "Stop Recording Copilot Chat Usage" to undo what was changed.`);
			return;
		}
		changed();
		if (plan.reloadNeeded) {
			const reload = await vscode.window.showInformationMessage('Copilot Chat usage will be recorded after a window reload.', 'Reload Window');
			if (reload === 'Reload Window') await vscode.commands.executeCommand('workbench.action.reloadWindow');
		}
	});
	const disable = vscode.commands.registerCommand(CommandId.DisableCopilotUsage, async () => {
		const stored = context.globalState.get<SettingChange[]>(revertKey);
		if (stored === undefined || stored.length === 0) {
			void vscode.window.showInformationMessage('Token Ledger did not change any Copilot settings.');
			return;
		}
		const revert = applicableRevert(userValues(), stored);
		await apply(revert);
		await context.globalState.update(revertKey, undefined);
		const skipped = stored.length - revert.length;
		void vscode.window.showInformationMessage(
			`Copilot Chat settings restored${skipped > 0 ? ` (${skipped} you changed since were left as they are)` : ''}. Usage recorded so far stays in the ledger.`,
		);
		changed();
	});
	return vscode.Disposable.from(enable, disable);
}

/** The user-level values only: a revert must not write defaults back as explicit settings. */
function userValues(): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const key of copilotOtelRelevantKeys) {
		values[key] = vscode.workspace.getConfiguration().inspect(key)?.globalValue;
	}
	return values;
}

async function apply(changes: readonly SettingChange[]): Promise<void> {
	for (const change of changes) {
		await vscode.workspace.getConfiguration().update(change.key, change.newValue, vscode.ConfigurationTarget.Global);
	}
}

function describeChange(change: SettingChange): string {
	const show = (value: unknown): string => (value === undefined ? '(not set)' : JSON.stringify(value));
	return `• ${change.key}: ${show(change.oldValue)} → ${show(change.newValue)}`;
}
