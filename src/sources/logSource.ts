import type { SourceId, UsageEvent } from '../core/usage/usageEvent';
import type { ChunkPosition, ChunkResult, LineIssue } from './lineParse';

/** What a source needs to know about the machine: the same things the tools themselves look at. */
export interface Environment {
	readonly home: string;
	readonly env: Readonly<Record<string, string | undefined>>;
	readonly platform: NodeJS.Platform;
}

/** Records parsed from one whole file or database. */
export interface ParsedRecords {
	readonly events: UsageEvent[];
	readonly malformed: number;
	readonly issues: LineIssue[];
}

/**
 * Append-only line files (JSONL): read on from a byte offset. A parser that needs to remember
 * something between chunks (Codex's running totals) returns a JSON-serialisable `state`; the ledger
 * keeps it with the file's cursor and hands it back with the next chunk (undefined at the start).
 */
export interface LinesReader {
	readonly kind: 'lines';
	parse(bytes: Buffer, position: ChunkPosition, state: unknown): ChunkResult & { readonly state?: unknown };
}

/** Files the tool rewrites whole (JSON documents): parsed again from the start when they change. */
export interface DocumentReader {
	readonly kind: 'document';
	parse(bytes: Buffer, file: string): ParsedRecords;
}

/**
 * Databases (SQLite): queried, read-only, when the file or its write-ahead log changes. The only
 * reader that does its own I/O, because the database engine must open the file itself.
 */
export interface DatabaseReader {
	readonly kind: 'database';
	read(file: string): ParsedRecords;
}

export type SourceReader = LinesReader | DocumentReader | DatabaseReader;

/** One assistant's records on this machine. */
export interface LogSource {
	readonly id: SourceId;
	/** Folders that hold the records, whether they exist yet or not: watched for changes. */
	readonly roots: readonly string[];
	/** The record files that exist now. */
	listFiles(): string[];
	readonly reader: SourceReader;
}
