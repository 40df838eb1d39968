import * as vscode from 'vscode';

/** The extension's one log channel; users pick the verbosity with "Developer: Set Log Level". */
export class Logger implements vscode.Disposable {
	readonly channel: vscode.LogOutputChannel;

	constructor() {
		this.channel = vscode.window.createOutputChannel('Token Ledger', { log: true });
	}

	trace(message: string): void {
		this.channel.trace(message);
	}

	debug(message: string): void {
		this.channel.debug(message);
	}

	info(message: string): void {
		this.channel.info(message);
	}

	warn(message: string): void {
		this.channel.warn(message);
	}

	error(message: string, error?: unknown): void {
		this.channel.error(error === undefined ? message : `${message}: ${describe(error)}`);
	}

	show(): void {
		this.channel.show(true);
	}

	dispose(): void {
		this.channel.dispose();
	}
}

export function describe(error: unknown): string {
	return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
