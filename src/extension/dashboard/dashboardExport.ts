import * as os from 'node:os';
import * as vscode from 'vscode';
import { weekDashboardCsv, weekDashboardJson } from '../../core/report/weekDashboardExport';
import type { ExportFormat } from '../../shared/protocol';
import type { WeekDashboard } from '../../shared/viewModels';

const filters: Record<ExportFormat, Record<string, string[]>> = {
	csv: { 'CSV (comma-separated values)': ['csv'] },
	json: { JSON: ['json'] },
};

/**
 * Asks where to save the shown week and writes it there. The webview cannot write files (and must
 * not): it only asks, and the host writes through the workspace file system, so remote folders work.
 * Returns the file written, or undefined when the user cancelled.
 */
export async function exportWeek(dashboard: WeekDashboard, format: ExportFormat): Promise<vscode.Uri | undefined> {
	const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
	const target = await vscode.window.showSaveDialog({
		defaultUri: vscode.Uri.joinPath(folder, `token-ledger-week-${dashboard.week.start}.${format}`),
		filters: filters[format],
		saveLabel: 'Export',
		title: `Export the week of ${dashboard.week.start} as ${format.toUpperCase()}`,
	});
	if (target === undefined) return undefined;
	const text = format === 'csv' ? weekDashboardCsv(dashboard) : weekDashboardJson(dashboard);
	await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
	return target;
}
