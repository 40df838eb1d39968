import * as fs from 'node:fs';

/**
 * Writes all of `bytes` at the descriptor's position, or at `position` in the file when given (a
 * single write may take only part of them).
 */
export function writeAll(fd: number, bytes: Uint8Array, position?: number): void {
	for (let written = 0; written < bytes.byteLength; ) {
		written += position === undefined ? fs.writeSync(fd, bytes, written, bytes.byteLength - written) : fs.writeSync(fd, bytes, written, bytes.byteLength - written, position + written);
	}
}
