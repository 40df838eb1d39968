/**
 * Calendar dates in a time zone. Events are stored in UTC and bucketed here, at query time.
 *
 * A date key is `YYYY-MM-DD`. Formatting with Intl is slow next to the rest of a scan, so keys are
 * cached per quarter hour: every real zone offset is a multiple of 15 minutes, so the local date
 * cannot change inside one quarter hour.
 */
export type DateKey = string;

export type WeekStart = 'monday' | 'sunday';

const quarterHourMs = 15 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

export class ZonedCalendar {
	private readonly format: Intl.DateTimeFormat;
	private readonly cache = new Map<number, DateKey>();

	constructor(readonly timeZone: string) {
		this.format = new Intl.DateTimeFormat('en-CA', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
		});
	}

	dateKey(utcMs: number): DateKey {
		const slot = Math.floor(utcMs / quarterHourMs);
		let key = this.cache.get(slot);
		if (key === undefined) {
			key = this.formatDate(slot * quarterHourMs);
			if (this.cache.size > 50_000) {
				this.cache.clear();
			}
			this.cache.set(slot, key);
		}
		return key;
	}

	/** The UTC instant at which the local date `key` begins (handles DST and zones without midnight). */
	startOfDay(key: DateKey): number {
		const { year, month, day } = parseDateKey(key);
		// Local midnight lies within a day of UTC midnight of the same calendar date; walk quarter hours.
		let probe = Date.UTC(year, month - 1, day) - dayMs;
		const end = probe + 3 * dayMs;
		while (probe < end) {
			if (this.dateKey(probe) === key) {
				// Historic offsets (local mean time) are not whole quarter hours: refine to the minute.
				let t = probe;
				while (this.formatDate(t - 60_000) === key) {
					t -= 60_000;
				}
				return t;
			}
			probe += quarterHourMs;
		}
		throw new RangeError(`No instant has the date ${key} in ${this.timeZone}`);
	}

	private formatDate(utcMs: number): DateKey {
		const parts = this.format.formatToParts(utcMs);
		let year = '';
		let month = '';
		let day = '';
		for (const part of parts) {
			if (part.type === 'year') year = part.value;
			else if (part.type === 'month') month = part.value;
			else if (part.type === 'day') day = part.value;
		}
		return `${year.padStart(4, '0')}-${month}-${day}`;
	}
}

export function isDateKey(value: string): boolean {
	const match = datePattern.exec(value);
	if (match === null) {
		return false;
	}
	const { year, month, day } = parseDateKey(value);
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseDateKey(key: DateKey): { year: number; month: number; day: number } {
	const match = datePattern.exec(key);
	if (match === null) {
		throw new RangeError(`Not a date (YYYY-MM-DD): ${key}`);
	}
	return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** Calendar arithmetic on date keys; time zones play no part once a date is known. */
export function addDays(key: DateKey, days: number): DateKey {
	const { year, month, day } = parseDateKey(key);
	return new Date(Date.UTC(year, month - 1, day) + days * dayMs).toISOString().slice(0, 10);
}

/** The first day of the week that contains `key`. */
export function weekStartOf(key: DateKey, weekStart: WeekStart): DateKey {
	const { year, month, day } = parseDateKey(key);
	const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay(); // 0 = Sunday
	const back = weekStart === 'sunday' ? weekday : (weekday + 6) % 7;
	return addDays(key, -back);
}
