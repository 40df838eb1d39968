import type { WeekStart } from '../core/time/zonedDate';
import { isDateKey, isValidTimeZone } from '../core/time/zonedDate';
import type { SourceId } from '../core/usage/usageEvent';
import { isSourceId, sourceIds } from '../core/usage/usageEvent';

export const commands = ['today', 'daily', 'weekly', 'sessions', 'sources', 'status', 'guard', 'cap', 'rebuild'] as const;
export type Command = (typeof commands)[number];

export interface CliArgs {
	readonly command: Command | 'help' | 'version';
	readonly json: boolean;
	readonly since?: string;
	readonly until?: string;
	readonly timeZone?: string;
	readonly sources?: ReadonlySet<SourceId>;
	readonly weekStart?: WeekStart;
	/** `status`/`guard`: a cap that replaces the configured one for this call. */
	readonly dailyCap?: number;
	/** `cap`: what to decide for today. */
	readonly capAction?: { readonly kind: 'snooze' } | { readonly kind: 'raise'; readonly toUSD: number } | { readonly kind: 'clear' };
}

export class UsageError extends Error {
	readonly reason = 'usage';
}

const valueFlags = new Set(['--since', '--until', '--tz', '--source', '--week-start', '--daily-cap', '--raise-today']);
const switchFlags = new Set(['--snooze-today', '--clear-today']);

/** Parses the command line; throws a UsageError with a message meant for the user. */
export function parseArgs(argv: readonly string[]): CliArgs {
	let command: CliArgs['command'] | undefined;
	let json = false;
	const values = new Map<string, string>();
	const switches = new Set<string>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--help' || arg === '-h') return { command: 'help', json: false };
		if (arg === '--version' || arg === '-v') return { command: 'version', json: false };
		if (arg === '--json') {
			json = true;
			continue;
		}
		if (switchFlags.has(arg)) {
			switches.add(arg);
			continue;
		}
		const eq = arg.indexOf('=');
		const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
		if (valueFlags.has(name)) {
			const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
			if (value === undefined || value === '') throw new UsageError(`${name} needs a value.`);
			values.set(name, value);
			continue;
		}
		if (arg.startsWith('-')) throw new UsageError(`Unknown option ${arg}.`);
		if (command !== undefined) throw new UsageError(`Unexpected argument "${arg}".`);
		if (!(commands as readonly string[]).includes(arg)) {
			throw new UsageError(`Unknown command "${arg}". Commands: ${commands.join(', ')}.`);
		}
		command = arg as Command;
	}
	if (command === undefined) throw new UsageError(`Missing command. Commands: ${commands.join(', ')}.`);

	const since = values.get('--since');
	const until = values.get('--until');
	for (const [flag, value] of [['--since', since], ['--until', until]] as const) {
		if (value !== undefined && !isDateKey(value)) throw new UsageError(`${flag} takes a date as YYYY-MM-DD, not "${value}".`);
	}
	if (since !== undefined && until !== undefined && since > until) {
		throw new UsageError(`--since ${since} is after --until ${until}.`);
	}
	const timeZone = values.get('--tz');
	if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
		throw new UsageError(`--tz takes an IANA time zone such as Europe/Berlin, not "${timeZone}".`);
	}
	const weekStart = values.get('--week-start');
	if (weekStart !== undefined && weekStart !== 'monday' && weekStart !== 'sunday') {
		throw new UsageError(`--week-start takes monday or sunday, not "${weekStart}".`);
	}
	let sources: Set<SourceId> | undefined;
	const sourceList = values.get('--source');
	if (sourceList !== undefined) {
		sources = new Set();
		for (const id of sourceList.split(',').map((s) => s.trim())) {
			if (!isSourceId(id)) throw new UsageError(`Unknown source "${id}". Sources: ${sourceIds.join(', ')}.`);
			sources.add(id);
		}
	}
	let dailyCap: number | undefined;
	const capText = values.get('--daily-cap');
	if (capText !== undefined) {
		dailyCap = Number(capText);
		if (!Number.isFinite(dailyCap) || dailyCap < 0) throw new UsageError(`--daily-cap takes an amount in USD (0 for no cap), not "${capText}".`);
	}
	let capAction: CliArgs['capAction'];
	const raise = values.get('--raise-today');
	const chosen = [raise !== undefined, switches.has('--snooze-today'), switches.has('--clear-today')].filter(Boolean).length;
	if (command === 'cap') {
		if (chosen !== 1) throw new UsageError('cap takes one of --snooze-today, --raise-today USD or --clear-today.');
		if (raise !== undefined) {
			const toUSD = Number(raise);
			if (!Number.isFinite(toUSD) || toUSD <= 0) throw new UsageError(`--raise-today takes an amount in USD above 0, not "${raise}".`);
			capAction = { kind: 'raise', toUSD };
		} else {
			capAction = { kind: switches.has('--snooze-today') ? 'snooze' : 'clear' };
		}
	} else if (chosen > 0) {
		throw new UsageError('--snooze-today, --raise-today and --clear-today go with the cap command.');
	}
	return {
		command,
		json,
		...(dailyCap === undefined ? {} : { dailyCap }),
		...(capAction === undefined ? {} : { capAction }),
		...(since === undefined ? {} : { since }),
		...(until === undefined ? {} : { until }),
		...(timeZone === undefined ? {} : { timeZone }),
		...(sources === undefined ? {} : { sources }),
		...(weekStart === undefined ? {} : { weekStart: weekStart as WeekStart }),
	};
}

export const helpText = `token-ledger: what your AI coding assistants cost, from the records they keep on this machine.

Usage: token-ledger <command> [options]

Commands:
  today       today's tokens and cost, by source and model
  daily       one row per day
  weekly      one row per week (first day of the week as key)
  sessions    one row per assistant session
  sources     each assistant: found where, how many requests, newest, exact or estimated, problems
  status      today's totals and the daily cap: state, percent, forecast crossing
  guard       a Claude Code UserPromptSubmit hook: refuses new prompts once today is over the cap
  cap         today only: --snooze-today (no blocking or notifications), --raise-today USD, --clear-today
  rebuild     recreate the ledger from the assistants' records (keeps history whose logs are gone)

Options:
  --json                 print JSON (a stable contract) instead of a table
  --since YYYY-MM-DD     first day to include (inclusive, in the chosen zone)
  --until YYYY-MM-DD     last day to include (inclusive)
  --tz IANA              time zone for days and weeks (default: the system's)
  --source id[,id]       only these sources (${sourceIds.join(', ')})
  --week-start monday|sunday   first day of the week (default: monday)
  --daily-cap USD        status/guard: use this cap instead of the configured one (0: none)
  -h, --help             this text
  -v, --version          the version

The ledger lives in the platform's data folder; TOKEN_LEDGER_HOME moves it. The daily cap and the
other settings are the ones set in VS Code (tokenLedger.*), shared through that folder.

Claude Code hook (in ~/.claude/settings.json):
  {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "token-ledger guard"}]}]}}
Sources are found as the assistants find them (HOME, CLAUDE_CONFIG_DIR, ...).
`;
