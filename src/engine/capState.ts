import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CapOverride } from '../core/budget/dailyCap';
import type { DateKey } from '../core/time/zonedDate';

/**
 * Today's cap decisions shared by every process through the ledger folder: a raise or snooze for
 * today (written by the editor's notification actions or `token-ledger cap`), and which threshold
 * notifications were already shown, so that several windows notify once between them.
 */
export function readCapOverride(home: string): CapOverride | undefined {
	try {
		const value = JSON.parse(fs.readFileSync(path.join(home, 'cap-today.json'), 'utf8')) as Partial<CapOverride>;
		if (typeof value.date !== 'string') return undefined;
		return { date: value.date, raisedToUSD: typeof value.raisedToUSD === 'number' ? value.raisedToUSD : null, snoozed: value.snoozed === true };
	} catch {
		return undefined;
	}
}

export function writeCapOverride(home: string, override: CapOverride): void {
	fs.mkdirSync(home, { recursive: true });
	const file = path.join(home, 'cap-today.json');
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, `${JSON.stringify(override)}\n`);
	fs.renameSync(temporary, file);
}

/**
 * Claims the notification for one threshold of one cap on one day. Only the first caller gets true:
 * the marker is created exclusively, which holds across processes. A cap changed mid-day is a new cap,
 * so its thresholds notify afresh.
 */
export function claimNotification(home: string, date: DateKey, threshold: number, capUSD: number): boolean {
	return claimOnce(home, date, `cap_${threshold}_${capUSD}`);
}

/** Claims a once-a-day notice by key (e.g. a runaway session); true for the first caller only. */
export function claimOnce(home: string, date: DateKey, key: string): boolean {
	const dir = path.join(home, 'notified');
	fs.mkdirSync(dir, { recursive: true });
	for (const name of fs.readdirSync(dir)) {
		if (!name.startsWith(date)) fs.rmSync(path.join(dir, name), { force: true }); // earlier days
	}
	try {
		fs.writeFileSync(path.join(dir, `${date}_${encodeURIComponent(key)}`), '', { flag: 'wx' });
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	}
}
