import * as vscode from 'vscode';
import { CommandId } from '../constants';

/** "Token Ledger: Open Weekly Cost": the week's cost dashboard (also the status-bar item's click). */
export function registerOpenWeeklyCostCommand(open: () => void): vscode.Disposable {
	return vscode.commands.registerCommand(CommandId.OpenWeeklyCost, () => open());
}
