import * as vscode from 'vscode';
import { CommandId } from '../constants';
import type { Logger } from '../logger';

export function registerShowLogCommand(logger: Logger): vscode.Disposable {
	return vscode.commands.registerCommand(CommandId.ShowLog, () => logger.show());
}
