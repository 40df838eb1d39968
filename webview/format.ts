/**
 * How the dashboard writes figures, dates and names. Amounts and token counts use the very functions
 * the status bar and the CLI use (src/core/format.ts, which has no dependencies), so the same figure
 * reads the same everywhere. Calendar dates are formatted as dates (in UTC, where a date key is
 * midnight), instants in the user's configured zone. No DOM here: unit tests import this module.
 */
import { formatTokens, formatUSD } from '../src/core/format';
import type { DateKey, TotalsView } from '../src/shared/viewModels';

export { formatTokens, formatUSD };

const dayMs = 86_400_000;

function utcDate(date: DateKey): Date {
	const [year, month, day] = date.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(year, month - 1, day));
}

const weekdayShort = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short' });
const monthDay = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' });
const longDay = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });

/** `Mon 4` */
export function dayLabel(date: DateKey): string {
	return `${weekdayShort.format(utcDate(date))} ${utcDate(date).getUTCDate()}`;
}

/** `Monday, May 4, 2026` */
export function longDayLabel(date: DateKey): string {
	return longDay.format(utcDate(date));
}

/** `May 4 – 10, 2026`, `Apr 27 – May 3, 2026`, `Dec 28, 2026 – Jan 3, 2027` */
export function weekRangeLabel(start: DateKey, end: DateKey): string {
	const from = utcDate(start);
	const to = utcDate(end);
	if (from.getUTCFullYear() !== to.getUTCFullYear()) {
		return `${monthDay.format(from)}, ${from.getUTCFullYear()} – ${monthDay.format(to)}, ${to.getUTCFullYear()}`;
	}
	const sameMonth = from.getUTCMonth() === to.getUTCMonth();
	return `${monthDay.format(from)} – ${sameMonth ? to.getUTCDate() : monthDay.format(to)}, ${to.getUTCFullYear()}`;
}

/** Days between two date keys (b − a). */
export function daysBetween(a: DateKey, b: DateKey): number {
	return Math.round((utcDate(b).getTime() - utcDate(a).getTime()) / dayMs);
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** `Mon 14:05` in the given IANA zone (the zone the figures are bucketed in). */
export function instantLabel(utcMs: number, timeZone: string): string {
	let format = instantFormats.get(timeZone);
	if (format === undefined) {
		format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
		instantFormats.set(timeZone, format);
	}
	return format.format(utcMs);
}

/** Four decimals: what "exact" means for an amount on hover (the tables round to cents). */
export function formatUSDExact(amount: number): string {
	return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 })}`;
}

/** `+$1.20`, `−$0.35`, `$0.00` */
export function formatSignedUSD(amount: number): string {
	const rounded = Math.round(amount * 100) / 100;
	if (rounded === 0) return formatUSD(0);
	return `${rounded > 0 ? '+' : '−'}${formatUSD(Math.abs(rounded))}`;
}

/** `87%`; `<1%` for a share that is there but rounds away. */
export function formatShare(ratio: number): string {
	const percent = ratio * 100;
	if (percent > 0 && percent < 1) return '<1%';
	return `${Math.round(percent)}%`;
}

/** `+12%`, `−40%` */
export function formatChange(ratio: number): string {
	const percent = Math.round(ratio * 100);
	return percent === 0 ? '±0%' : `${percent > 0 ? '+' : '−'}${Math.abs(percent)}%`;
}

/** An amount with the marks the status bar uses: `~` includes estimates, `*` some requests unpriced. */
export function markedUSD(totals: TotalsView): string {
	return `${totals.estimatedRequests > 0 ? '~' : ''}${formatUSD(totals.costUSD)}${totals.unpricedRequests > 0 ? '*' : ''}`;
}

const sourceNames: Readonly<Record<string, string>> = {
	'claude-code': 'Claude Code',
	codex: 'Codex',
	'gemini-cli': 'Gemini CLI',
	opencode: 'OpenCode',
	amp: 'Amp',
	cline: 'Cline',
	'roo-code': 'Roo Code',
	'kilo-code': 'Kilo Code',
	aider: 'Aider',
	continue: 'Continue',
	copilot: 'GitHub Copilot',
	cursor: 'Cursor',
	proxy: 'Metering proxy',
};

export function assistantLabel(source: string): string {
	return sourceNames[source] ?? source;
}

/** The folder's last part; the full path goes in a tooltip. */
export function projectLabel(project: string): string {
	if (project === '') return '(no project)';
	const parts = project.split(/[\\/]/).filter((part) => part !== '');
	return parts[parts.length - 1] ?? project;
}

export function branchLabel(branch: string): string {
	return branch === '' ? '(no branch)' : branch;
}

export function modelLabel(model: string): string {
	return model === '' ? 'unknown' : model;
}
