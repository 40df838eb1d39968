import { formatUSD } from '../core/format';
import { dailyReport, dayReport, sessionsReport, weeklyReport } from '../core/report/reports';
import type { ReportOptions } from '../core/report/reports';
import { currentEnvironment, openLedger, reportOptions } from '../engine/engine';
import { readSharedSettings } from '../engine/settings';
import { cachedPriceBook, savePriceCache } from '../engine/priceCache';
import { ledgerHome } from '../ledger/ledgerHome';
import type { CapOverride } from '../core/budget/dailyCap';
import { allowsNewRequests } from '../core/budget/dailyCap';
import type { CountedUsage } from '../core/usage/usageEvent';
import type { CapView } from '../engine/capEvaluation';
import { capView, capViewRange } from '../engine/capEvaluation';
import { readCapOverride, writeCapOverride } from '../engine/capState';
import type { EngineSettings } from '../engine/settings';
import type { CliArgs } from './args';
import { helpText, parseArgs, UsageError } from './args';
import { breakdownRows, renderSources, renderTable } from './table';
import { describeSources } from '../engine/sourceStatus';
import { cliEditorContext } from '../sources/registry';
import { writeJson } from './jsonOut';

declare const TOKEN_LEDGER_VERSION: string;

interface Output {
	out(text: string): void;
	err(text: string): void;
}

/** Runs one CLI invocation and returns its exit code. */
export function run(argv: readonly string[], io: Output, now: number = Date.now()): number {
	let args: CliArgs;
	try {
		args = parseArgs(argv);
	} catch (error) {
		if (error instanceof UsageError) {
			io.err(`token-ledger: ${error.message}\nRun "token-ledger --help" for usage.\n`);
			return 2;
		}
		throw error;
	}
	if (args.command === 'help') {
		io.out(helpText);
		return 0;
	}
	if (args.command === 'version') {
		io.out(`${typeof TOKEN_LEDGER_VERSION === 'string' ? TOKEN_LEDGER_VERSION : 'dev'}\n`);
		return 0;
	}

	const environment = currentEnvironment();
	const { settings, errors } = readSharedSettings(ledgerHome(environment));
	for (const error of errors) io.err(`token-ledger: warning: ${error}\n`);
	// A hook must answer quickly: it does not wait long for another process's ingest.
	const ledger = openLedger(environment, settings, cliEditorContext(process.cwd()), args.command === 'guard' ? { lockTimeoutMs: 3_000 } : {});

	if (args.command === 'rebuild') {
		const stats = ledger.rebuild();
		const summary = {
			ledger: ledger.home,
			filesRead: stats.filesRead,
			bytesRead: stats.bytesRead,
			eventsStored: stats.eventsStored,
			malformedLines: stats.malformedLines,
			durationMs: stats.durationMs,
		};
		io.out(
			args.json
				? `${JSON.stringify(summary, null, 2)}\n`
				: `Rebuilt ${ledger.home}: ${stats.filesRead} files, ${stats.eventsStored} events, ${stats.malformedLines} malformed lines skipped, ${stats.durationMs} ms.\n`,
		);
		return 0;
	}

	const stats = ledger.refresh();
	if (!stats.ingested) {
		io.err('token-ledger: warning: another process kept the ledger busy; showing what it holds without reading new records.\n');
	}
	if (ledger.damagedLines > 0) {
		io.err(`token-ledger: warning: ${ledger.damagedLines} line(s) of the ledger in ${ledger.home} could not be read and were skipped; "token-ledger rebuild" recreates it from the sources.\n`);
	}
	const skipped = ledger.diagnostics();
	if (skipped.length > 0 && args.command !== 'sources') {
		const lines = skipped.reduce((sum, file) => sum + file.malformed, 0);
		const first = skipped[0]!;
		const where = first.issues[0] === undefined ? first.file : `${first.file}:${first.issues[0].line}: ${first.issues[0].reason}`;
		io.err(`token-ledger: skipped ${lines} malformed line(s) in ${skipped.length} file(s), e.g. ${where}\n`);
	}

	const prices = cachedPriceBook(ledger.home, settings.priceOverrides);
	const base = reportOptions(settings, args.timeZone, args.sources, prices);
	const options: ReportOptions = {
		...base,
		...(args.since === undefined ? {} : { since: args.since }),
		...(args.until === undefined ? {} : { until: args.until }),
	};
	// Today's views read only the recent days they look at, so they stay fast however long the history;
	// whole-history reports aggregate the events one at a time.
	const recent = (): CountedUsage[] => ledger.counted(capViewRange(now, base));
	const emit = (value: unknown, table: () => string): void => (args.json ? writeJson(value, io.out) : io.out(table()));

	switch (args.command) {
		case 'today': {
			const report = dayReport(recent(), { ...options, date: base.calendar.dateKey(now) });
			emit(report, () => `Today ${report.date} (${base.calendar.timeZone}): ${formatUSD(report.costUSD)}\n\n${renderTable('Source / model', breakdownRows(report), report)}`);
			break;
		}
		case 'daily': {
			const report = dailyReport(ledger.eachCounted(), options);
			emit(report, () => renderTable('Date', report.daily.map((row) => ({ key: row.date, totals: row })), report.totals));
			break;
		}
		case 'weekly': {
			const report = weeklyReport(ledger.eachCounted(), { ...options, weekStart: args.weekStart ?? settings.weekStart });
			emit(report, () => renderTable('Week of', report.weekly.map((row) => ({ key: row.week, totals: row })), report.totals));
			break;
		}
		case 'status': {
			const events = recent();
			const report = dayReport(events, { ...options, date: base.calendar.dateKey(now) });
			const cap = capFor(args, settings, ledger.home, events, now, options);
			emit({ ...report, cap }, () => `${renderCapLine(cap, report.date)}\n\n${renderTable('Source / model', breakdownRows(report), report)}`);
			break;
		}
		case 'guard': {
			const cap = capFor(args, settings, ledger.home, recent(), now, options);
			if (!allowsNewRequests(cap)) {
				// Claude Code's UserPromptSubmit protocol: this JSON on stdout refuses the prompt and shows the reason.
				io.out(
					`${JSON.stringify({
						decision: 'block',
						reason: `Token Ledger: today's AI spend ${formatUSD(cap.spentUSD)} is over your daily cap of ${formatUSD(cap.dailyUSD ?? 0)}. To go on today: run "token-ledger cap --snooze-today" (or --raise-today USD), or use the notification in VS Code.`,
					})}\n`,
				);
			}
			break;
		}
		case 'cap': {
			const today = base.calendar.dateKey(now);
			const action = args.capAction!;
			if (action.kind === 'clear') writeCapOverride(ledger.home, { date: today, raisedToUSD: null, snoozed: false });
			else if (action.kind === 'snooze') writeCapOverride(ledger.home, { ...currentOverride(ledger.home, today), snoozed: true });
			else writeCapOverride(ledger.home, { ...currentOverride(ledger.home, today), raisedToUSD: action.toUSD });
			const cap = capFor(args, settings, ledger.home, recent(), now, options);
			emit({ date: today, cap }, () => `${renderCapLine(cap, today)}\n`);
			break;
		}
		case 'sources': {
			const statuses = describeSources(ledger, environment, settings, cliEditorContext(process.cwd()));
			emit({ sources: statuses }, () => renderSources(statuses));
			break;
		}
		case 'sessions': {
			const report = sessionsReport(ledger.eachCounted(), options);
			emit(report, () =>
				renderTable(
					'Session',
					report.sessions.map((row) => ({
						key: `${row.lastActivity.slice(0, 16).replace('T', ' ')}  ${row.source}  ${shorten(row.project, 32)}${row.branch ? ` (${shorten(row.branch, 24)})` : ''}`,
						totals: row,
					})),
					report.totals,
				),
			);
			break;
		}
		default: {
			const exhaustive: never = args.command;
			throw new Error(`Unhandled command ${String(exhaustive)}`);
		}
	}
	savePriceCache(ledger.home, prices);
	return 0;
}

function capFor(args: CliArgs, settings: EngineSettings, home: string, events: readonly CountedUsage[], now: number, options: ReportOptions): CapView {
	const effective = args.dailyCap === undefined ? settings : { ...settings, cap: { ...settings.cap, dailyUSD: args.dailyCap > 0 ? args.dailyCap : null } };
	return capView(events, effective, readCapOverride(home), now, options);
}

function currentOverride(home: string, today: string): CapOverride {
	const override = readCapOverride(home);
	return override?.date === today ? override : { date: today, raisedToUSD: null, snoozed: false };
}

function renderCapLine(cap: CapView, date: string): string {
	if (cap.state === 'off') return `Today ${date}: ${formatUSD(cap.spentUSD)} spent; no daily cap set (tokenLedger.dailyCap, or --daily-cap USD).`;
	const crossing =
		cap.forecastCrossAt === null
			? cap.state === 'over'
				? ''
				: '; at the recent rate it will not be reached today'
			: cap.state === 'over'
				? `; crossed at ${new Date(cap.forecastCrossAt).toLocaleTimeString()}`
				: `; at the recent rate it is reached at ${new Date(cap.forecastCrossAt).toLocaleTimeString()}`;
	const notes = [cap.raisedForToday ? 'raised for today' : '', cap.snoozedForToday ? 'snoozed for today' : ''].filter(Boolean).join(', ');
	const runaway = cap.runaways.length > 0 ? `\nRunaway: ${cap.runaways.map((r) => `${r.session} at ${formatUSD(r.ratePerHour)}/h`).join(', ')}` : '';
	return `Today ${date}: ${formatUSD(cap.spentUSD)} of ${formatUSD(cap.dailyUSD ?? 0)} (${Math.round(cap.percent ?? 0)} %, ${cap.state}${notes ? `, ${notes}` : ''})${crossing}.${runaway}`;
}

function shorten(text: string, max: number): string {
	return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

if (require.main === module) {
	// A reader that stops early (`token-ledger sessions --json | head`) closes the pipe: the rest of
	// the output has nowhere to go, which is not an error of ours.
	let outputClosed = false;
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		outputClosed = true;
	});
	try {
		process.exitCode = run(process.argv.slice(2), {
			out: (text) => {
				if (!outputClosed) process.stdout.write(text);
			},
			err: (text) => process.stderr.write(text),
		});
	} catch (error) {
		process.stderr.write(`token-ledger: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	}
}
