import type { WeekStart } from '../core/time/zonedDate';
import { isDateKey, isValidTimeZone } from '../core/time/zonedDate';
import type { SourceId } from '../core/usage/usageEvent';
import { isSourceId, sourceIds } from '../core/usage/usageEvent';

export const commands = ['today', 'daily', 'weekly', 'sessions', 'sources', 'rebuild'] as const;
export type Command = (typeof commands)[number];

export interface CliArgs {
	readonly command: Command | 'help' | 'version';
	readonly json: boolean;
	readonly since?: string;
	readonly until?: string;
	readonly timeZone?: string;
	readonly sources?: ReadonlySet<SourceId>;
	readonly weekStart?: WeekStart;
}

export class UsageError extends Error {
	readonly reason = 'usage';
}

const valueFlags = new Set(['--since', '--until', '--tz', '--source', '--week-start']);

/** Parses the command line; throws a UsageError with a message meant for the user. */
export function parseArgs(argv: readonly string[]): CliArgs {
	let command: CliArgs['command'] | undefined;
	let json = false;
	const values = new Map<string, string>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--help' || arg === '-h') return { command: 'help', json: false };
		if (arg === '--version' || arg === '-v') return { command: 'version', json: false };
		if (arg === '--json') {
			json = true;
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
	return {
		command,
		json,
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
  rebuild     recreate the ledger from the assistants' records (keeps history whose logs are gone)

Options:
  --json                 print JSON (a stable contract) instead of a table
  --since YYYY-MM-DD     first day to include (inclusive, in the chosen zone)
  --until YYYY-MM-DD     last day to include (inclusive)
  --tz IANA              time zone for days and weeks (default: the system's)
  --source id[,id]       only these sources (${sourceIds.join(', ')})
  --week-start monday|sunday   first day of the week (default: monday)
  -h, --help             this text
  -v, --version          the version

The ledger lives in the platform's data folder; TOKEN_LEDGER_HOME moves it.
Sources are found as the assistants find them (HOME, CLAUDE_CONFIG_DIR, ...).
`;
