/**
 * Removes the values of the given keys from a JSON text without parsing it, so that JSON.parse only
 * pays for what a source reads. Claude's assistant lines are mostly `content` (text, thinking, tool
 * input); cutting it out before JSON.parse keeps the exact JSON semantics for every other field, in
 * any key order.
 *
 * A match is a key only when the previous non-blank character is `{` or `,`: inside a string the same
 * characters appear escaped (`\"content\":`). Values are skipped structurally, jumping over strings
 * with indexOf, so the cost follows the number of JSON tokens, not the bytes. Returns undefined when
 * the text does not look like valid JSON there; the caller then parses the whole text as it is.
 */
export function withoutKeys(json: string, keys: readonly string[]): string | undefined {
	let result = json;
	for (const key of keys) {
		const needle = `"${key}":`;
		let from = 0;
		for (;;) {
			const at = result.indexOf(needle, from);
			if (at === -1) break;
			if (!isKeyPosition(result, at)) {
				from = at + needle.length;
				continue;
			}
			const valueEnd = skipValue(result, skipBlank(result, at + needle.length));
			if (valueEnd === -1) return undefined;
			// Take the pair out together with one neighbouring comma, so the object stays valid.
			const after = skipBlank(result, valueEnd);
			if (result[after] === ',') {
				result = result.slice(0, at) + result.slice(after + 1);
			} else {
				const before = previousNonBlank(result, at - 1);
				if (result[before] === ',') result = result.slice(0, before) + result.slice(valueEnd);
				else result = result.slice(0, at) + result.slice(valueEnd);
			}
			from = at;
		}
	}
	return result;
}

function isKeyPosition(text: string, at: number): boolean {
	const before = previousNonBlank(text, at - 1);
	return before >= 0 && (text[before] === '{' || text[before] === ',');
}

function previousNonBlank(text: string, index: number): number {
	let i = index;
	while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
	return i;
}

function skipBlank(text: string, index: number): number {
	let i = index;
	while (i < text.length && isBlank(text.charCodeAt(i))) i++;
	return i;
}

function isBlank(code: number): boolean {
	return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** The index just past the JSON value starting at `start`, or -1. */
function skipValue(text: string, start: number): number {
	const first = text[start];
	if (first === '"') return skipString(text, start);
	if (first !== '{' && first !== '[') {
		// A number, true, false or null: ends at the next delimiter.
		let i = start;
		while (i < text.length && !',}] \t\r\n'.includes(text[i]!)) i++;
		return i > start ? i : -1;
	}
	let depth = 0;
	let i = start;
	while (i < text.length) {
		const char = text[i]!;
		if (char === '"') {
			i = skipString(text, i);
			if (i === -1) return -1;
			continue;
		}
		if (char === '{' || char === '[') depth++;
		else if (char === '}' || char === ']') {
			depth--;
			if (depth === 0) return i + 1;
		}
		i++;
	}
	return -1;
}

/** Past the closing quote of the string opening at `start`. */
function skipString(text: string, start: number): number {
	let i = start + 1;
	for (;;) {
		const quote = text.indexOf('"', i);
		if (quote === -1) return -1;
		let backslashes = 0;
		for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
		if (backslashes % 2 === 0) return quote + 1;
		i = quote + 1;
	}
}
