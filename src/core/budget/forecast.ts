/** One priced request, as the forecast sees it. */
export interface SpendPoint {
	readonly timestamp: number;
	readonly costUSD: number;
	/** Source and session, to spot a runaway session. */
	readonly session: string;
}

const minute = 60_000;
const bucketMs = 5 * minute;
/** The window whose average rate is projected forward. */
const rateWindowMs = 60 * minute;
/** No spend for this long means the user is idle: no crossing is projected until they resume. */
const idleAfterMs = 30 * minute;

/**
 * When today's spend crossed, or at the recent rate will cross, the cap; null when it will not today.
 *
 * The model: the average spend rate of the last hour (idle minutes inside that hour included, so a
 * burst followed by a pause slows the projection), projected from now to local midnight. After half an
 * hour without spend the user counts as idle and nothing is projected. Already over: the moment the
 * running total crossed the cap.
 */
export function forecastCrossing(todaysPoints: readonly SpendPoint[], capUSD: number, now: number, endOfDay: number): number | null {
	const points = [...todaysPoints].filter((point) => point.timestamp <= now).sort((a, b) => a.timestamp - b.timestamp);
	let running = 0;
	for (const point of points) {
		running += point.costUSD;
		if (running >= capUSD) return point.timestamp;
	}
	const last = points[points.length - 1];
	if (last === undefined || now - last.timestamp > idleAfterMs) return null;
	const windowStart = Math.max(now - rateWindowMs, points[0]!.timestamp);
	const windowSpend = points.filter((point) => point.timestamp > now - rateWindowMs).reduce((sum, point) => sum + point.costUSD, 0);
	// A day that started minutes ago still averages over at least a quarter hour.
	const perMs = windowSpend / Math.max(now - windowStart, 15 * minute);
	if (!(perMs > 0)) return null;
	const crossing = now + (capUSD - running) / perMs;
	return crossing < endOfDay ? Math.round(crossing) : null;
}

/** A user's usual spend per active hour, from past days: the median over days with activity. */
export function usualHourlyRate(pastPoints: readonly SpendPoint[], dayOf: (timestamp: number) => string): number | null {
	const days = new Map<string, { spend: number; buckets: Set<number> }>();
	for (const point of pastPoints) {
		const key = dayOf(point.timestamp);
		let day = days.get(key);
		if (day === undefined) {
			day = { spend: 0, buckets: new Set() };
			days.set(key, day);
		}
		day.spend += point.costUSD;
		day.buckets.add(Math.floor(point.timestamp / bucketMs));
	}
	const rates = [...days.values()].filter((day) => day.spend > 0).map((day) => day.spend / ((day.buckets.size * bucketMs) / (60 * minute)));
	if (rates.length === 0) return null;
	rates.sort((a, b) => a - b);
	const middle = Math.floor(rates.length / 2);
	return rates.length % 2 === 1 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
}

export interface Runaway {
	readonly session: string;
	/** USD per hour over the last 15 minutes. */
	readonly ratePerHour: number;
	readonly usualPerHour: number | null;
}

/**
 * Sessions spending far faster than usual: over the last 15 minutes at least 4× the user's usual
 * hourly rate (or $4/h when there is no history yet), and at least $1 in that quarter hour so that
 * small sessions never alarm anyone.
 */
export function runawaySessions(todaysPoints: readonly SpendPoint[], usualPerHour: number | null, now: number): Runaway[] {
	const since = now - 15 * minute;
	const bySession = new Map<string, number>();
	for (const point of todaysPoints) {
		if (point.timestamp >= since && point.timestamp <= now) bySession.set(point.session, (bySession.get(point.session) ?? 0) + point.costUSD);
	}
	const threshold = Math.max(4 * (usualPerHour ?? 0), 4);
	return [...bySession.entries()]
		.filter(([, spend]) => spend >= 1 && spend * 4 >= threshold)
		.map(([session, spend]) => ({ session, ratePerHour: spend * 4, usualPerHour }))
		.sort((a, b) => b.ratePerHour - a.ratePerHour);
}

/** The median of recent days' spend, as a hint when choosing a cap. */
export function medianDailySpend(dailySpend: readonly number[]): number | null {
	const days = dailySpend.filter((spend) => spend > 0).sort((a, b) => a - b);
	if (days.length === 0) return null;
	const middle = Math.floor(days.length / 2);
	return days.length % 2 === 1 ? days[middle]! : (days[middle - 1]! + days[middle]!) / 2;
}
