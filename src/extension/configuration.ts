import * as vscode from 'vscode';
import type { EngineSettings } from '../engine/settings';
import { checkSettings } from '../engine/settings';
import { configSection } from './constants';

/** The raw values the engine understands, read from the `tokenLedger.*` settings. */
export interface ConfigurationSnapshot {
	/** As the engine's settings file expects them (shared with the CLI). */
	readonly raw: Record<string, unknown>;
	readonly settings: EngineSettings;
	/** Settings that were rejected, each with the reason. */
	readonly errors: readonly string[];
	readonly pollIntervalSeconds: number;
}

const minimumPollSeconds = 1;

/** Typed access to the extension's settings, validated in one place. */
export function readConfiguration(): ConfigurationSnapshot {
	const config = vscode.workspace.getConfiguration(configSection);
	// VS Code hands out read-only proxies; a plain copy can be posted to the worker and written to disk.
	const raw = JSON.parse(
		JSON.stringify({
			timeZone: config.get<unknown>('timeZone'),
			weekStart: config.get<unknown>('weekStart'),
			priceOverrides: config.get<unknown>('priceOverrides'),
			sources: config.get<unknown>('sources'),
			dailyCap: config.get<unknown>('dailyCap'),
			capThresholds: config.get<unknown>('capThresholds'),
			capScope: config.get<unknown>('capScope'),
			billing: config.get<unknown>('billing'),
		}),
	) as Record<string, unknown>;
	const { settings, errors } = checkSettings(raw);
	const problems = errors.map((error) => `tokenLedger.${error}`);
	let pollIntervalSeconds = 5;
	const poll = config.get<unknown>('pollIntervalSeconds');
	if (typeof poll === 'number' && Number.isFinite(poll) && poll >= minimumPollSeconds) {
		pollIntervalSeconds = poll;
	} else if (poll !== undefined) {
		problems.push(`tokenLedger.pollIntervalSeconds must be a number of seconds ≥ ${minimumPollSeconds}; using 5.`);
	}
	return { raw, settings, errors: problems, pollIntervalSeconds };
}

/** True when a configuration change touches this extension (or on the first call, with no event). */
export function affectsUs(event: vscode.ConfigurationChangeEvent | undefined): boolean {
	return event === undefined || event.affectsConfiguration(configSection);
}
