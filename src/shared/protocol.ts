import type { DashboardSnapshot, DateKey } from './viewModels';

/**
 * The messages between the dashboard webview and the extension host.
 *
 * The host posts nothing until the webview says `ready`; it then posts complete snapshots, never
 * deltas (a hidden webview keeps only what it is sent last). The webview asks for a week, an export or
 * the settings; it never sees raw usage events. Everything that comes from the webview is untrusted:
 * the host takes it only through `parseWebviewMessage`.
 */
export type HostToWebview =
	| { readonly type: 'snapshot'; readonly snapshot: DashboardSnapshot }
	| { readonly type: 'error'; readonly message: string };

export type ExportFormat = 'csv' | 'json';

export type WebviewToHost =
	/** The webview's script runs and listens; `week` is the week it showed before (its saved state), null for this week. */
	| { readonly type: 'ready'; readonly week: DateKey | null }
	/** Show the week that contains `week`; null: the current week (which then follows the calendar). */
	| { readonly type: 'showWeek'; readonly week: DateKey | null }
	/** Save the shown week's figures as a file the user picks. */
	| { readonly type: 'export'; readonly format: ExportFormat }
	/** Open the settings that say where records are read from (the empty state's way out). */
	| { readonly type: 'openSettings' }
	/** Open the sources report (where each assistant's records were looked for and found). */
	| { readonly type: 'showSources' }
	/** The page broke its Content Security Policy: logged, so a regression is visible. */
	| { readonly type: 'cspViolation'; readonly directive: string; readonly blocked: string };

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const maxTextLength = 300;

/** A real calendar date written as `YYYY-MM-DD` (2026-02-30 is not). */
export function isCalendarDate(value: unknown): value is DateKey {
	if (typeof value !== 'string') return false;
	const match = datePattern.exec(value);
	if (match === null) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isWeek(value: unknown): value is DateKey | null {
	return value === null || isCalendarDate(value);
}

function shortText(value: unknown): string | undefined {
	return typeof value === 'string' ? value.slice(0, maxTextLength) : undefined;
}

/**
 * Checks a message from the webview and returns a typed copy with only the known fields, or
 * undefined when it is not one of ours (wrong type, missing or malformed fields).
 */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
	const message = value as Record<string, unknown>;
	switch (message['type']) {
		case 'ready':
			return isWeek(message['week']) ? { type: 'ready', week: message['week'] } : undefined;
		case 'showWeek':
			return isWeek(message['week']) ? { type: 'showWeek', week: message['week'] } : undefined;
		case 'export':
			return message['format'] === 'csv' || message['format'] === 'json' ? { type: 'export', format: message['format'] } : undefined;
		case 'openSettings':
			return { type: 'openSettings' };
		case 'showSources':
			return { type: 'showSources' };
		case 'cspViolation': {
			const directive = shortText(message['directive']);
			const blocked = shortText(message['blocked']);
			return directive === undefined || blocked === undefined ? undefined : { type: 'cspViolation', directive, blocked };
		}
		default:
			return undefined;
	}
}
