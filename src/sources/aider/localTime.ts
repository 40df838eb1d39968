/**
 * Wall-clock times without a zone (Aider's `# aider chat started at 2026-05-02 11:14:03`, written
 * with Python's `datetime.now()`) turned into UTC instants for a given IANA zone. Pure: Intl only.
 */
export interface WallTime {
	readonly year: number;
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
	readonly second: number;
}

const hourMs = 60 * 60 * 1000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
	let format = formats.get(timeZone);
	if (format === undefined) {
		format = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric',
		});
		formats.set(timeZone, format);
	}
	return format;
}

/** How far the zone's wall clock is ahead of UTC at `utcMs`, in milliseconds. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
	const parts: Record<string, number> = {};
	for (const part of formatFor(timeZone).formatToParts(utcMs)) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	const wallAsUtc = Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
	return wallAsUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * Every UTC instant at which the zone's clocks showed `wall`, earliest first: one normally, two in
 * the hour repeated when clocks go back. A time skipped when clocks go forward never showed; it is
 * read with the offset in force before the change (what a clock that was not moved would have said).
 */
export function wallTimeToUtc(wall: WallTime, timeZone: string): number[] {
	const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
	// Offsets in force around that moment: a zone changes its offset at most once within a day or so.
	const offsets = new Set([zoneOffsetMs(asUtc - 26 * hourMs, timeZone), zoneOffsetMs(asUtc, timeZone), zoneOffsetMs(asUtc + 26 * hourMs, timeZone)]);
	const instants: number[] = [];
	for (const offset of offsets) {
		const candidate = asUtc - offset;
		if (zoneOffsetMs(candidate, timeZone) === offset && !instants.includes(candidate)) instants.push(candidate);
	}
	if (instants.length === 0) instants.push(asUtc - zoneOffsetMs(asUtc - 26 * hourMs, timeZone));
	return instants.sort((a, b) => a - b);
}

/** The zone this process runs in (the user's system zone), or UTC when the runtime cannot say. */
export function systemTimeZone(): string {
	try {
		return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	} catch {
		return 'UTC';
	}
}
