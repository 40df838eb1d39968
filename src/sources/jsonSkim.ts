/**
 * Removes the value of one key from a JSON text without parsing it, so that JSON.parse only pays for
 * what a source reads. Claude's assistant lines are mostly `content` (text, thinking, tool input);
 * cutting it out before JSON.parse keeps the exact JSON semantics for every other field, in any key
 * order.
 *
 * A match is a key only when the previous non-blank character is `{` or `,`: inside a string the same
 * characters appear escaped (`\"content\":`). Values are skipped structurally, jumping over strings
 * with indexOf, so the cost follows the number of JSON tokens, not the bytes.
 *
 * It works on UTF-8 bytes and decodes only what is kept: the removed values (the bulk of a
 * Claude assistant line) are never turned into a string at all. Quotes and backslashes are single
 * bytes in UTF-8 and never occur inside a multi-byte character, so scanning bytes is exact.
 * Returns undefined when the bytes do not look like valid JSON there.
 */
export function textWithoutKey(bytes: Buffer, start: number, end: number, key: string): string | undefined {
	const needle = Buffer.from(`"${key}":`);
	const kept: Array<[number, number]> = [];
	let keepFrom = start;
	let from = start;
	for (;;) {
		const at = bytes.indexOf(needle, from);
		if (at === -1 || at >= end) break;
		const before = previousNonBlankByte(bytes, at - 1, start);
		if (before < start || (bytes[before] !== 0x7b && bytes[before] !== 0x2c)) {
			from = at + needle.length;
			continue;
		}
		const valueEnd = endOfSkimmedValue(bytes, at + needle.length, end);
		if (valueEnd === -1) return undefined;
		const after = skipBlankBytes(bytes, valueEnd, end);
		if (bytes[after] === 0x2c) {
			kept.push([keepFrom, at]);
			keepFrom = after + 1;
		} else if (bytes[before] === 0x2c) {
			kept.push([keepFrom, before]);
			keepFrom = valueEnd;
		} else {
			kept.push([keepFrom, at]);
			keepFrom = valueEnd;
		}
		from = keepFrom;
	}
	if (kept.length === 0) return bytes.toString('utf8', start, end);
	kept.push([keepFrom, end]);
	return kept.map(([a, b]) => bytes.toString('utf8', a, b)).join('');
}

/**
 * Where the value that starts after a key's colon ends, as `textWithoutKey` skips it: structurally
 * (brackets balanced, strings jumped over) but without checking that the value is valid JSON.
 * Returns -1 when it runs past `end`. Readers that must agree with `textWithoutKey` about what it
 * cuts out skip the value with this.
 */
export function endOfSkimmedValue(bytes: Buffer, afterColon: number, end: number): number {
	return skipValueBytes(bytes, skipBlankBytes(bytes, afterColon, end), end);
}

function previousNonBlankByte(bytes: Buffer, index: number, floor: number): number {
	let i = index;
	while (i >= floor && isBlank(bytes[i]!)) i--;
	return i;
}

function skipBlankBytes(bytes: Buffer, index: number, end: number): number {
	let i = index;
	while (i < end && isBlank(bytes[i]!)) i++;
	return i;
}

function skipValueBytes(bytes: Buffer, start: number, end: number): number {
	const first = bytes[start];
	if (first === 0x22) return skipStringBytes(bytes, start, end);
	if (first !== 0x7b && first !== 0x5b) {
		let i = start;
		while (i < end && !isDelimiter(bytes[i]!)) i++;
		return i > start ? i : -1;
	}
	let depth = 0;
	let i = start;
	while (i < end) {
		const byte = bytes[i]!;
		if (byte === 0x22) {
			i = skipStringBytes(bytes, i, end);
			if (i === -1) return -1;
			continue;
		}
		if (byte === 0x7b || byte === 0x5b) depth++;
		else if (byte === 0x7d || byte === 0x5d) {
			depth--;
			if (depth === 0) return i + 1;
		}
		i++;
	}
	return -1;
}

function skipStringBytes(bytes: Buffer, start: number, end: number): number {
	let i = start + 1;
	for (;;) {
		const quote = bytes.indexOf(0x22, i);
		if (quote === -1 || quote >= end) return -1;
		let backslashes = 0;
		for (let j = quote - 1; bytes[j] === 0x5c; j--) backslashes++;
		if (backslashes % 2 === 0) return quote + 1;
		i = quote + 1;
	}
}

function isDelimiter(byte: number): boolean {
	return byte === 0x2c || byte === 0x7d || byte === 0x5d || isBlank(byte);
}

function isBlank(code: number): boolean {
	return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
