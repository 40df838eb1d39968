/**
 * Writes `JSON.stringify(value, null, 2)` and a newline, the same text, a part at a time. A report of
 * a long history's 22,200 sessions is 54 MB of JSON: built as one string and then converted for
 * the output, it held some 170 MB at once.
 *
 * Values are plain data (what JSON.stringify would give for them is what is written): objects,
 * arrays, strings, numbers, booleans and null; a `toJSON` method is honoured, and properties that
 * JSON leaves out (undefined, functions, symbols) are left out, as in arrays they are null.
 */
export function writeJson(value: unknown, out: (text: string) => void): void {
	const writer = new PartWriter(out);
	writeValue(value, '', writer);
	writer.push('\n');
	writer.flush();
}

/** Characters gathered before they are handed on. */
const partChars = 64 * 1024;

class PartWriter {
	private part = '';

	constructor(private readonly out: (text: string) => void) {}

	push(text: string): void {
		this.part += text;
		if (this.part.length >= partChars) this.flush();
	}

	flush(): void {
		if (this.part.length > 0) this.out(this.part);
		this.part = '';
	}
}

function writeValue(value: unknown, indent: string, writer: PartWriter): void {
	const json = toJsonValue(value);
	if (Array.isArray(json)) {
		if (json.length === 0) {
			writer.push('[]');
			return;
		}
		const inner = `${indent}  `;
		writer.push('[');
		json.forEach((item, i) => {
			writer.push(`${i === 0 ? '' : ','}\n${inner}`);
			writeValue(omitted(toJsonValue(item)) ? null : item, inner, writer);
		});
		writer.push(`\n${indent}]`);
		return;
	}
	if (json !== null && typeof json === 'object') {
		const inner = `${indent}  `;
		let first = true;
		for (const [key, item] of Object.entries(json)) {
			if (omitted(toJsonValue(item))) continue;
			writer.push(`${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `);
			writeValue(item, inner, writer);
			first = false;
		}
		writer.push(first ? '{}' : `\n${indent}}`);
		return;
	}
	writer.push(JSON.stringify(json) ?? 'null');
}

function toJsonValue(value: unknown): unknown {
	const withToJson = value as { toJSON?: () => unknown } | null | undefined;
	return withToJson !== null && withToJson !== undefined && typeof withToJson.toJSON === 'function' ? withToJson.toJSON() : value;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
	return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
