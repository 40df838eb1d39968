/**
 * The column layout of a table, read from its `CREATE TABLE` statement in `sqlite_schema`: the only
 * place SQLite keeps column names and their order.
 */
export interface TableShape {
	readonly columns: readonly ColumnShape[];
	readonly withoutRowid: boolean;
}

export interface ColumnShape {
	readonly name: string;
	/** Position of the column's value in a stored record; -1 for a virtual generated column (not stored). */
	readonly storedIndex: number;
	/** `INTEGER PRIMARY KEY`: the record holds NULL and the value is the row's rowid. */
	readonly rowidAlias: boolean;
	/** The value of rows written before `ALTER TABLE ADD COLUMN` added the column (they store nothing). */
	readonly defaultValue: DefaultValue;
}

export type DefaultValue = null | number | string | Uint8Array;

type Token = { readonly kind: 'word'; readonly text: string; readonly quoted: boolean } | { readonly kind: 'punct' | 'string'; readonly text: string };

/** Column definitions start with a name; these words start table constraints instead. */
const tableConstraintWords = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']);
/** Words that end a column's type name and begin its constraints. */
const columnConstraintWords = new Set(['CONSTRAINT', 'PRIMARY', 'NOT', 'NULL', 'UNIQUE', 'CHECK', 'DEFAULT', 'COLLATE', 'REFERENCES', 'GENERATED', 'AS']);

/** The table's columns, or null for a statement without a column list (`CREATE TABLE ... AS SELECT`). */
export function parseCreateTable(sql: string): TableShape | null {
	const tokens = tokenize(sql);
	const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
	if (open === -1) return null;

	const items: Token[][] = [[]];
	let depth = 0;
	let close = -1;
	for (let i = open + 1; i < tokens.length; i++) {
		const token = tokens[i]!;
		if (token.kind === 'punct' && token.text === '(') depth++;
		if (token.kind === 'punct' && token.text === ')') {
			if (depth === 0) {
				close = i;
				break;
			}
			depth--;
		}
		if (depth === 0 && token.kind === 'punct' && token.text === ',') {
			items.push([]);
		} else {
			items[items.length - 1]!.push(token);
		}
	}
	if (close === -1) return null;

	const tablePrimaryKey: string[] = [];
	const definitions: { name: string; type: string; primaryKey: boolean; descending: boolean; generated: boolean; stored: boolean; defaultValue: DefaultValue }[] = [];
	for (const item of items) {
		const first = item[0];
		if (first === undefined || first.kind !== 'word') continue;
		if (!first.quoted && tableConstraintWords.has(first.text.toUpperCase())) {
			const keyAt = findWords(item, ['PRIMARY', 'KEY']);
			if (keyAt !== -1) tablePrimaryKey.push(...namesInParentheses(item, keyAt + 2));
			continue;
		}
		let at = 1;
		const typeWords: string[] = [];
		while (at < item.length) {
			const token = item[at]!;
			if (token.kind !== 'word' || (!token.quoted && columnConstraintWords.has(token.text.toUpperCase()))) break;
			typeWords.push(token.text.toUpperCase());
			at++;
		}
		const keyAt = findWords(item, ['PRIMARY', 'KEY']);
		const afterKey = keyAt === -1 ? undefined : item[keyAt + 2];
		const asAt = item.findIndex((token, index) => token.kind === 'word' && !token.quoted && token.text.toUpperCase() === 'AS' && item[index + 1]?.text === '(');
		definitions.push({
			name: first.text,
			type: typeWords.join(' '),
			primaryKey: keyAt !== -1,
			descending: afterKey?.kind === 'word' && afterKey.text.toUpperCase() === 'DESC',
			generated: asAt !== -1,
			stored: asAt !== -1 && item.some((token) => token.kind === 'word' && !token.quoted && token.text.toUpperCase() === 'STORED'),
			defaultValue: literalAfterDefault(item),
		});
	}

	const tail = tokens.slice(close + 1).filter((token) => token.kind === 'word').map((token) => token.text.toUpperCase());
	const withoutRowid = tail.some((word, index) => word === 'WITHOUT' && tail[index + 1] === 'ROWID');
	const singleTableKey = tablePrimaryKey.length === 1 ? tablePrimaryKey[0]!.toLowerCase() : undefined;

	let stored = 0;
	const columns = definitions.map((definition): ColumnShape => {
		const isKey = (definition.primaryKey && !definition.descending) || definition.name.toLowerCase() === singleTableKey;
		return {
			name: definition.name,
			storedIndex: definition.generated && !definition.stored ? -1 : stored++,
			rowidAlias: !withoutRowid && isKey && definition.type === 'INTEGER',
			defaultValue: definition.defaultValue,
		};
	});
	return { columns, withoutRowid };
}

/**
 * The constant after DEFAULT. Columns added by ALTER TABLE may only have constant defaults, which is
 * the only case where the default is read back; anything else reads as NULL.
 */
function literalAfterDefault(item: readonly Token[]): DefaultValue {
	const at = item.findIndex((token) => token.kind === 'word' && !token.quoted && token.text.toUpperCase() === 'DEFAULT');
	if (at === -1) return null;
	let next = item[at + 1];
	let sign = 1;
	if (next?.kind === 'punct' && (next.text === '-' || next.text === '+')) {
		sign = next.text === '-' ? -1 : 1;
		next = item[at + 2];
	}
	if (next === undefined) return null;
	if (next.kind === 'string') return next.text;
	if (next.kind !== 'word' || next.quoted) return null;
	const upper = next.text.toUpperCase();
	if (upper === 'TRUE') return 1;
	if (upper === 'FALSE') return 0;
	if (upper === 'X') {
		const hex = item[item.indexOf(next) + 1];
		return hex?.kind === 'string' && /^([0-9a-f]{2})*$/i.test(hex.text) ? new Uint8Array(Buffer.from(hex.text, 'hex')) : null;
	}
	// A number: the tokenizer splits `1.5` and `1e3` into words and a dot, so rejoin what follows.
	let literal = next.text;
	const rest = item.slice(item.indexOf(next) + 1);
	for (const token of rest) {
		if (token.kind === 'string' || (token.kind === 'word' && token.quoted)) break;
		if (token.kind === 'punct' && !['.', '+', '-'].includes(token.text)) break;
		if (token.kind === 'word' && columnConstraintWords.has(token.text.toUpperCase())) break;
		literal += token.text;
	}
	const value = Number(literal);
	return /^[0-9.]/.test(literal) && Number.isFinite(value) ? sign * value : null;
}

function findWords(item: readonly Token[], words: readonly string[]): number {
	for (let i = 0; i + words.length <= item.length; i++) {
		if (words.every((word, k) => {
			const token = item[i + k]!;
			return token.kind === 'word' && !token.quoted && token.text.toUpperCase() === word;
		})) {
			return i;
		}
	}
	return -1;
}

/** `(a, b DESC, ...)` starting at `start`: the column names. */
function namesInParentheses(item: readonly Token[], start: number): string[] {
	if (item[start]?.text !== '(') return [];
	const names: string[] = [];
	let expectName = true;
	for (let i = start + 1; i < item.length; i++) {
		const token = item[i]!;
		if (token.kind === 'punct' && token.text === ')') break;
		if (token.kind === 'punct' && token.text === ',') {
			expectName = true;
		} else if (expectName && token.kind === 'word') {
			names.push(token.text);
			expectName = false;
		}
	}
	return names;
}

function tokenize(sql: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < sql.length) {
		const char = sql[i]!;
		if (/\s/.test(char)) {
			i++;
		} else if (sql.startsWith('--', i)) {
			const end = sql.indexOf('\n', i);
			i = end === -1 ? sql.length : end + 1;
		} else if (sql.startsWith('/*', i)) {
			const end = sql.indexOf('*/', i + 2);
			i = end === -1 ? sql.length : end + 2;
		} else if (char === '"' || char === '`' || char === '[' || char === "'") {
			const closing = char === '[' ? ']' : char;
			let text = '';
			let j = i + 1;
			while (j < sql.length) {
				if (sql[j] === closing) {
					if (closing !== ']' && sql[j + 1] === closing) {
						text += closing; // doubled quote
						j += 2;
						continue;
					}
					break;
				}
				text += sql[j];
				j++;
			}
			tokens.push(char === "'" ? { kind: 'string', text } : { kind: 'word', text, quoted: true });
			i = j + 1;
		} else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(char)) {
			let j = i + 1;
			while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
			tokens.push({ kind: 'word', text: sql.slice(i, j), quoted: false });
			i = j;
		} else {
			tokens.push({ kind: 'punct', text: char });
			i++;
		}
	}
	return tokens;
}
