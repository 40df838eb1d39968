/**
 * The index rows a scan changed since its last write, each once, in the order first marked. A Set
 * of row numbers did this before: refilled with 20,000 rows between writes and dropped each time, its
 * tables outlived the young generation and piled up as old-space garbage (a first scan of 5 GB made
 * some 50 MB of it). These two arrays are kept and reused.
 */
export class ChangedRows {
	private marked = new Uint8Array(1024);
	private rows = new Int32Array(1024);
	private count = 0;

	get size(): number {
		return this.count;
	}

	add(row: number): void {
		if (row >= this.marked.length) this.marked = grown(this.marked, row + 1);
		if (this.marked[row] === 1) return;
		this.marked[row] = 1;
		if (this.count === this.rows.length) this.rows = grown(this.rows, this.count + 1);
		this.rows[this.count++] = row;
	}

	/** The rows marked, in order (a view, valid until the next `add`), and forgets them. */
	take(): Int32Array {
		const rows = this.rows.subarray(0, this.count);
		for (const row of rows) this.marked[row] = 0;
		this.count = 0;
		return rows;
	}
}

function grown<T extends Uint8Array | Int32Array>(array: T, atLeast: number): T {
	const next = new (array.constructor as new (length: number) => T)(Math.max(atLeast, array.length * 2));
	next.set(array);
	return next;
}
