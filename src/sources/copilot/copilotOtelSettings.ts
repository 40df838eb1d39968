import * as path from 'node:path';

/**
 * The VS Code settings that make Copilot Chat write its OpenTelemetry to a JSON-lines file, and
 * how to undo that. Pure: the caller reads the settings and applies the changes.
 *
 * What Copilot Chat does with them (its `resolveOTelConfig`): export is on when `…otel.enabled` is
 * true; a non-empty `…otel.outfile` selects the file exporter (whatever `…otel.exporterType` says),
 * which writes spans, log records and metrics to that one file and replaces any OTLP export: Copilot
 * Chat has a single exporter. Environment variables win over settings (`COPILOT_OTEL_ENABLED`,
 * `COPILOT_OTEL_FILE_EXPORTER_PATH`), and `telemetry.telemetryLevel: "off"` turns OTel off whatever
 * else is set. The settings are read when Copilot Chat starts: a window reload applies them.
 */
export const copilotOtelSettingKeys = {
	enabled: 'github.copilot.chat.otel.enabled',
	exporterType: 'github.copilot.chat.otel.exporterType',
	outfile: 'github.copilot.chat.otel.outfile',
	otlpEndpoint: 'github.copilot.chat.otel.otlpEndpoint',
	captureContent: 'github.copilot.chat.otel.captureContent',
	telemetryLevel: 'telemetry.telemetryLevel',
} as const;

/**
 * The keys to read before planning. Pass the user-level values (`inspect(key)?.globalValue`) and
 * write the changes to the user settings (third-party guides describe these settings as
 * application-scoped). Leave a key out, or undefined, when the user has not set it: `get()` would
 * return the defaults, which the revert would then write back as explicit values.
 */
export const copilotOtelRelevantKeys: readonly string[] = Object.values(copilotOtelSettingKeys);

const defaultOtlpEndpoint = 'http://localhost:4318';

export interface SettingChange {
	readonly key: string;
	/** The value before the change; undefined when the key was not set. */
	readonly oldValue: unknown;
	/** The value to write; undefined means remove the key (VS Code's `update(key, undefined)`). */
	readonly newValue: unknown;
}

export type CopilotOtelWarningCode =
	| 'replacesOtlpExport'
	| 'replacesOtherFile'
	| 'capturesContent'
	| 'telemetryOff'
	| 'envOverridesFile'
	| 'envDisablesExport';

export interface CopilotOtelWarning {
	readonly code: CopilotOtelWarningCode;
	readonly message: string;
	/** The endpoint or file the warning is about, when there is one. */
	readonly detail?: string;
}

export interface CopilotOtelPlan {
	/** The changes that turn the file export on, in order; empty when it already is. */
	readonly enable: readonly SettingChange[];
	/** The changes that put the settings back as they were, in order. */
	readonly revert: readonly SettingChange[];
	readonly warnings: readonly CopilotOtelWarning[];
	/** Copilot Chat reads these settings when it starts. */
	readonly reloadNeeded: boolean;
}

/**
 * The setting changes that make Copilot Chat export to `targetFile` (an absolute path), given the
 * user's current values, and the changes that revert them. `env` is the environment Copilot Chat
 * runs with (the extension host's), for the variables that override the settings.
 */
export function planCopilotOtelFileExport(
	current: Readonly<Record<string, unknown>>,
	targetFile: string,
	env: Readonly<Record<string, string | undefined>> = {},
): CopilotOtelPlan {
	if (!path.isAbsolute(targetFile)) {
		throw new RangeError(`The OTel file must be an absolute path: Copilot Chat opens it from its own working folder (${targetFile}).`);
	}
	const wanted: ReadonlyArray<readonly [string, unknown]> = [
		[copilotOtelSettingKeys.enabled, true],
		// Redundant with `outfile` in current builds, which pick the file exporter from it; explicit for
		// builds that still go by the exporter type.
		[copilotOtelSettingKeys.exporterType, 'file'],
		[copilotOtelSettingKeys.outfile, targetFile],
	];
	const enable: SettingChange[] = [];
	for (const [key, value] of wanted) {
		const oldValue = current[key];
		const same = key === copilotOtelSettingKeys.outfile ? samePath(oldValue, targetFile) : sameValue(oldValue, value);
		if (!same) enable.push({ key, oldValue, newValue: value });
	}
	const revert = enable.map((change) => ({ key: change.key, oldValue: change.newValue, newValue: change.oldValue })).reverse();
	return { enable, revert, warnings: warningsFor(current, targetFile, env), reloadNeeded: enable.length > 0 };
}

/**
 * The revert changes still worth applying: a key the user has changed again since is left alone.
 * `current` holds the user-level values as for `planCopilotOtelFileExport`.
 */
export function applicableRevert(current: Readonly<Record<string, unknown>>, revert: readonly SettingChange[]): SettingChange[] {
	return revert.filter((change) =>
		change.key === copilotOtelSettingKeys.outfile && typeof change.oldValue === 'string'
			? samePath(current[change.key], change.oldValue)
			: sameValue(current[change.key], change.oldValue),
	);
}

function warningsFor(current: Readonly<Record<string, unknown>>, targetFile: string, env: Readonly<Record<string, string | undefined>>): CopilotOtelWarning[] {
	const warnings: CopilotOtelWarning[] = [];
	const enabled = current[copilotOtelSettingKeys.enabled] === true;
	const outfile = typeof current[copilotOtelSettingKeys.outfile] === 'string' ? (current[copilotOtelSettingKeys.outfile] as string).trim() : '';
	const exporterType = current[copilotOtelSettingKeys.exporterType];
	if (enabled && outfile === '' && exporterType !== 'file' && exporterType !== 'console') {
		const endpoint = typeof current[copilotOtelSettingKeys.otlpEndpoint] === 'string' ? (current[copilotOtelSettingKeys.otlpEndpoint] as string) : defaultOtlpEndpoint;
		warnings.push({
			code: 'replacesOtlpExport',
			message: `Copilot Chat exports OpenTelemetry to ${endpoint}; it has one exporter, so writing a file stops that export.`,
			detail: endpoint,
		});
	}
	if (enabled && outfile !== '' && !samePath(outfile, targetFile)) {
		warnings.push({
			code: 'replacesOtherFile',
			message: `Copilot Chat already writes OpenTelemetry to ${outfile}; reading that file needs no settings change.`,
			detail: outfile,
		});
	}
	if (current[copilotOtelSettingKeys.captureContent] === true || isTrue(env['COPILOT_OTEL_CAPTURE_CONTENT'])) {
		warnings.push({
			code: 'capturesContent',
			message: 'Content capture is on: the file will hold full prompts and responses, and grow quickly.',
		});
	}
	if (current[copilotOtelSettingKeys.telemetryLevel] === 'off') {
		warnings.push({
			code: 'telemetryOff',
			message: 'telemetry.telemetryLevel is "off", which turns Copilot Chat\'s OpenTelemetry off whatever these settings say.',
		});
	}
	const envFile = env['COPILOT_OTEL_FILE_EXPORTER_PATH']?.trim();
	if (envFile !== undefined && envFile !== '' && !samePath(envFile, targetFile)) {
		warnings.push({
			code: 'envOverridesFile',
			message: `COPILOT_OTEL_FILE_EXPORTER_PATH is set, so Copilot Chat writes to ${envFile} instead of the configured file.`,
			detail: envFile,
		});
	}
	const envEnabled = env['COPILOT_OTEL_ENABLED'];
	if (envEnabled !== undefined && !isTrue(envEnabled)) {
		warnings.push({
			code: 'envDisablesExport',
			message: `COPILOT_OTEL_ENABLED is "${envEnabled}", which turns the export off whatever the settings say.`,
			detail: envEnabled,
		});
	}
	return warnings;
}

/** Copilot Chat's reading of a boolean environment variable. */
function isTrue(value: string | undefined): boolean {
	return value === 'true' || value === '1';
}

function samePath(value: unknown, target: string): boolean {
	return typeof value === 'string' && value.trim() !== '' && path.resolve(value.trim()) === path.resolve(target);
}

function sameValue(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	return JSON.stringify(a) === JSON.stringify(b);
}
