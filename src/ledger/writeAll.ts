import * as fs from 'node:fs';

/** Writes all of `bytes` at the descriptor's position (a single write may take only part of them). */
export function writeAll(fd: number, bytes: Uint8Array): void {
	for (let written = 0; written < bytes.byteLength; ) written += fs.writeSync(fd, bytes, written, bytes.byteLength - written);
}
