import type { CountedUsage, SourceId } from '../usage/usageEvent';

export interface SourceActivity {
	requests: number;
	estimatedRequests: number;
	/** UTC ms of the newest request, or null. */
	newest: number | null;
}

/** Requests per source, how many of them are estimates, and the newest: the "doctor" numbers. */
export function activityBySource(events: Iterable<CountedUsage>): Map<SourceId, SourceActivity> {
	const result = new Map<SourceId, SourceActivity>();
	for (const event of events) {
		let activity = result.get(event.source);
		if (activity === undefined) {
			activity = { requests: 0, estimatedRequests: 0, newest: null };
			result.set(event.source, activity);
		}
		activity.requests++;
		if (event.estimated) activity.estimatedRequests++;
		if (activity.newest === null || event.timestamp > activity.newest) activity.newest = event.timestamp;
	}
	return result;
}

export type Accuracy = 'exact' | 'estimated' | 'mixed';

export function accuracyOf(activity: SourceActivity): Accuracy | null {
	if (activity.requests === 0) return null;
	if (activity.estimatedRequests === 0) return 'exact';
	return activity.estimatedRequests === activity.requests ? 'estimated' : 'mixed';
}
