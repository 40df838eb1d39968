import { resized } from '../core/usage/dedupe';
import type { WalStamp } from './cursorTable';
import type { FileStat } from './lineFileReader';

/**
 * The source files a refresh has to read, with what their listing found, as columns. A first scan
 * holds every file here for its whole length: one object per file with its stat (and the stat's
 * boxed time) cost about 250 bytes a file, 11 MB at 44,000 files, where this costs some 50.
 */
export class DueFiles {
	private readonly files: string[] = [];
	private sourceIndex = new Uint16Array(0);
	private known = new Uint8Array(0);
	/** dev, ino, size, mtimeMs and the offset read up to, five numbers a file. */
	private numbers = new Float64Array(0);
	/** Only databases have a write-ahead log. */
	private readonly wals = new Map<number, WalStamp>();

	get length(): number {
		return this.files.length;
	}

	/** Adds a file; `readFrom` is how far it was read before (0 when never). */
	add(sourceIndex: number, file: string, stat: FileStat, known: boolean, readFrom: number, wal: WalStamp | undefined): void {
		const at = this.files.length;
		if (at === this.known.length) this.grow(Math.max(64, at * 2));
		this.files.push(file);
		this.sourceIndex[at] = sourceIndex;
		this.known[at] = known ? 1 : 0;
		const base = at * fields;
		const numbers = this.numbers;
		numbers[base] = stat.dev;
		numbers[base + 1] = stat.ino;
		numbers[base + 2] = stat.size;
		numbers[base + 3] = stat.mtimeMs;
		numbers[base + 4] = readFrom;
		if (wal !== undefined) this.wals.set(at, wal);
	}

	file(at: number): string {
		return this.files[at]!;
	}

	sourceOf(at: number): number {
		return this.sourceIndex[at]!;
	}

	/** Whether it has a cursor (was read before). */
	isKnown(at: number): boolean {
		return this.known[at] === 1;
	}

	/** The stat the listing took. */
	stat(at: number): FileStat {
		const base = at * fields;
		const numbers = this.numbers;
		return { dev: numbers[base]!, ino: numbers[base + 1]!, size: numbers[base + 2]!, mtimeMs: numbers[base + 3]! };
	}

	size(at: number): number {
		return this.numbers[at * fields + 2]!;
	}

	wal(at: number): WalStamp | undefined {
		return this.wals.get(at);
	}

	/** Bytes past what was read before, over every file. */
	newBytes(): number {
		let bytes = 0;
		for (let at = 0; at < this.files.length; at++) bytes += this.numbers[at * fields + 2]! - this.numbers[at * fields + 4]!;
		return bytes;
	}

	private grow(capacity: number): void {
		const used = this.files.length;
		this.sourceIndex = resized(this.sourceIndex, capacity, used);
		this.known = resized(this.known, capacity, used);
		this.numbers = resized(this.numbers, capacity * fields, used * fields);
	}
}

const fields = 5;
