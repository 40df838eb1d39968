import * as vscode from 'vscode';
import type { SourceStatus } from '../../engine/sourceStatus';
import { CommandId } from '../constants';

const scheme = 'token-ledger-doctor';

/**
 * "Token Ledger: Show Sources (Doctor)": for each assistant, whether its records were found, where,
 * how many requests, the newest, exact or estimated, and the lines that could not be used. The same
 * report as `token-ledger sources`, shown as a read-only Markdown document.
 */
export function registerShowSourcesCommand(sources: () => Promise<readonly SourceStatus[]>): vscode.Disposable {
	let latest = '';
	const changed = new vscode.EventEmitter<vscode.Uri>();
	const provider = vscode.workspace.registerTextDocumentContentProvider(scheme, { onDidChange: changed.event, provideTextDocumentContent: () => latest });
	const command = vscode.commands.registerCommand(CommandId.ShowSources, async () => {
		const statuses = await vscode.window.withProgress(
			{ location: vscode.ProgressLocation.Window, title: 'Token Ledger: checking sources' },
			() => sources(),
		);
		latest = renderSourcesMarkdown(statuses);
		const uri = vscode.Uri.from({ scheme, path: '/Token Ledger Sources.md' });
		changed.fire(uri);
		const document = await vscode.workspace.openTextDocument(uri);
		await vscode.languages.setTextDocumentLanguage(document, 'markdown');
		await vscode.window.showTextDocument(document, { preview: true });
	});
	return vscode.Disposable.from(provider, command, changed);
}

export function renderSourcesMarkdown(statuses: readonly SourceStatus[]): string {
	const lines = ['# Token Ledger: sources', '', '| Source | Status | Files | Requests | Newest (UTC) | Numbers | Malformed lines |', '|:--|:--|--:|--:|:--|:--|--:|'];
	for (const status of statuses) {
		const state = !status.supported ? 'not yet supported' : !status.enabled ? 'turned off' : status.found ? '**found**' : 'not found';
		lines.push(
			`| ${status.id} | ${state} | ${status.files} | ${status.requests} | ${status.newestActivity?.slice(0, 16).replace('T', ' ') ?? '–'} | ${status.accuracy ?? '–'} | ${status.malformedLines} |`,
		);
	}
	lines.push('', '## Where each source looked', '');
	for (const status of statuses.filter((s) => s.supported && s.enabled)) {
		for (const location of status.locations) lines.push(`- ${status.id}: \`${location.path}\`${location.exists ? '' : ' (missing)'}`);
	}
	const problems = statuses.flatMap((status) => status.problems.map((problem) => `- \`${problem.file}:${problem.line}\`: ${problem.reason}`));
	if (problems.length > 0) lines.push('', '## Skipped lines', '', ...problems);
	lines.push('', 'Estimated numbers come from tokenizer counts or partial records, not from provider usage. Turn a source off or add locations in the `tokenLedger.sources.*` settings.', '');
	return lines.join('\n');
}
