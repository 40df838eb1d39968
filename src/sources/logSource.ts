import type { SourceId } from '../core/usage/usageEvent';
import type { ChunkParser } from './lineParse';

/** What a source needs to know about the machine: the same things the tools themselves look at. */
export interface Environment {
	readonly home: string;
	readonly env: Readonly<Record<string, string | undefined>>;
	readonly platform: NodeJS.Platform;
}

/** An assistant whose records are append-only line files (JSONL). */
export interface LogSource {
	readonly id: SourceId;
	/** Folders that hold the records, whether they exist yet or not: watched for changes. */
	readonly roots: readonly string[];
	/** The record files that exist now. */
	listFiles(): string[];
	readonly parse: ChunkParser;
}
