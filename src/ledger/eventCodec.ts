import type { SourceId, UsageEvent } from '../core/usage/usageEvent';
import { sourceIds } from '../core/usage/usageEvent';

const knownSources: ReadonlySet<string> = new Set(sourceIds);

/**
 * The ledger's line format. Each line is a compact JSON array:
 *   ["s", n, "text"]  defines string n (models, sessions, projects, branches and files repeat a lot);
 *   ["e", key, messageId, timestamp, source, model, session, project, branch, file, flags,
 *         input, output, cacheWrite5m, cacheWrite1h, cacheRead, reasoning, reportedCost, reportedCredits]
 * where source..file are string numbers. Strings are defined before first use in the same append, so
 * a torn write can cut off only whole trailing records.
 */
const flagSidechain = 1;
const flagSpeed = 2;
const flagEstimated = 4;
const flagModelInferred = 8;

export class EventEncoder {
	private readonly ids = new Map<string, number>();

	/** Registers a string already defined in the file (read back by a decoder). */
	adoptOne(value: string, id: number): void {
		this.ids.set(value, id);
	}

	encode(events: readonly UsageEvent[]): string {
		const lines: string[] = [];
		const ref = (value: string): number => {
			let id = this.ids.get(value);
			if (id === undefined) {
				id = this.ids.size;
				this.ids.set(value, id);
				lines.push(JSON.stringify(['s', id, value]));
			}
			return id;
		};
		for (const event of events) {
			const flags =
				(event.sidechain ? flagSidechain : 0) |
				(event.hasSpeed ? flagSpeed : 0) |
				(event.estimated ? flagEstimated : 0) |
				(event.modelInferred ? flagModelInferred : 0);
			const row = [
				'e',
				event.key,
				event.messageId,
				event.timestamp,
				ref(event.source),
				ref(event.model),
				ref(event.sessionId),
				ref(event.project),
				ref(event.branch),
				ref(event.file),
				flags,
				event.inputTokens,
				event.outputTokens,
				event.cacheWrite5mTokens,
				event.cacheWrite1hTokens,
				event.cacheReadTokens,
				event.reasoningTokens,
				event.reportedCostUSD,
				event.reportedCredits,
			];
			lines.push(JSON.stringify(row));
		}
		return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
	}
}

export class EventDecoder {
	readonly strings: string[] = [];
	/** Lines that could not be decoded (should stay 0; counted rather than fatal). */
	damaged = 0;

	decodeLine(line: string): UsageEvent | null {
		let row: unknown;
		try {
			row = JSON.parse(line);
		} catch {
			this.damaged++;
			return null;
		}
		if (!Array.isArray(row)) {
			this.damaged++;
			return null;
		}
		if (row[0] === 's' && typeof row[1] === 'number' && typeof row[2] === 'string') {
			this.strings[row[1]] = row[2];
			return null;
		}
		if (row[0] !== 'e' || row.length < 18) {
			this.damaged++;
			return null;
		}
		const strings = this.strings;
		const source = strings[row[4] as number] ?? '';
		if (!knownSources.has(source)) {
			this.damaged++;
			return null;
		}
		const flags = row[10] as number;
		return {
			key: row[1] as string,
			messageId: row[2] as string,
			timestamp: row[3] as number,
			source: source as SourceId,
			model: strings[row[5] as number] ?? '',
			sessionId: strings[row[6] as number] ?? '',
			project: strings[row[7] as number] ?? '',
			branch: strings[row[8] as number] ?? '',
			file: strings[row[9] as number] ?? '',
			sidechain: (flags & flagSidechain) !== 0,
			hasSpeed: (flags & flagSpeed) !== 0,
			estimated: (flags & flagEstimated) !== 0,
			inputTokens: row[11] as number,
			outputTokens: row[12] as number,
			cacheWrite5mTokens: row[13] as number,
			cacheWrite1hTokens: row[14] as number,
			cacheReadTokens: row[15] as number,
			reasoningTokens: row[16] as number,
			reportedCostUSD: (row[17] as number | null) ?? null,
			reportedCredits: (row[18] as number | null | undefined) ?? null,
			modelInferred: (flags & flagModelInferred) !== 0,
		};
	}
}
