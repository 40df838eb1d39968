import type { UsageEvent } from './usageEvent';
import { totalTokens } from './usageEvent';

/**
 * Which copy of one request counts, whatever order the copies arrive in.
 *
 * The rule follows ccusage's (reference data-sources §2.3): among copies with the same key, a
 * main-thread copy beats a sidechain copy, then the larger token total wins (streamed fragments grow
 * towards the complete usage), then the copy that carries the speed tier, then the one with the
 * larger cost the tool recorded. Because the winner does not
 * depend on arrival order, an incremental ledger and a full rebuild count the same.
 */
export function isBetterCopy(candidate: UsageEvent, kept: UsageEvent): boolean {
	if (candidate.sidechain !== kept.sidechain) {
		return !candidate.sidechain;
	}
	const candidateTotal = totalTokens(candidate);
	const keptTotal = totalTokens(kept);
	if (candidateTotal !== keptTotal) {
		return candidateTotal > keptTotal;
	}
	if (candidate.hasSpeed !== kept.hasSpeed) {
		return candidate.hasSpeed;
	}
	// A rewrite that fills in the billed cost later (Cline with OpenRouter) keeps its tokens: take the cost.
	return (candidate.reportedCostUSD ?? -1) > (kept.reportedCostUSD ?? -1);
}

/**
 * Holds the best copy of every request and answers which requests count.
 *
 * Besides exact key collisions there is one cross-key rule: a sidechain entry that replays a message
 * id already seen under another request id (Claude's `/btw` side questions replay parent messages) is
 * a duplicate. Main-thread entries with distinct request ids all count.
 */
export class DedupeIndex {
	private readonly best = new Map<string, UsageEvent>();
	/** Message id → its key, or its keys once a second key appears (rare: most ids have one). */
	private readonly keysByMessage = new Map<string, string | string[]>();

	get size(): number {
		return this.best.size;
	}

	/** Returns true when the event is new or replaces a worse copy, i.e. when it is worth storing. */
	add(event: UsageEvent): boolean {
		const kept = this.best.get(event.key);
		if (kept === undefined) {
			this.best.set(event.key, event);
			if (event.messageId !== '') {
				const keys = this.keysByMessage.get(event.messageId);
				if (keys === undefined) {
					this.keysByMessage.set(event.messageId, event.key);
				} else if (typeof keys === 'string') {
					this.keysByMessage.set(event.messageId, [keys, event.key]);
				} else {
					keys.push(event.key);
				}
			}
			return true;
		}
		if (isBetterCopy(event, kept)) {
			this.best.set(event.key, event);
			return true;
		}
		return false;
	}

	/** The best copy stored under a key. */
	get(key: string): UsageEvent | undefined {
		return this.best.get(key);
	}

	/** The best copy of every key, replays included: what a rewritten ledger must keep. */
	all(): UsageEvent[] {
		return [...this.best.values()];
	}

	/** The events that count, each request once. */
	counted(): UsageEvent[] {
		const result: UsageEvent[] = [];
		for (const event of this.best.values()) {
			if (this.isSidechainReplay(event)) {
				continue;
			}
			result.push(event);
		}
		return result;
	}

	private isSidechainReplay(event: UsageEvent): boolean {
		if (!event.sidechain || event.messageId === '') {
			return false;
		}
		const keys = this.keysByMessage.get(event.messageId);
		if (keys === undefined || typeof keys === 'string') {
			return false;
		}
		for (const key of keys) {
			if (key === event.key) {
				continue;
			}
			const other = this.best.get(key);
			if (other === undefined) {
				continue;
			}
			// Any main-thread copy makes the sidechain copy a replay. Among sidechain-only copies one
			// must survive: the best, with the smaller key breaking ties so the choice is stable.
			if (!other.sidechain || isBetterCopy(other, event) || (!isBetterCopy(event, other) && key < event.key)) {
				return true;
			}
		}
		return false;
	}
}
