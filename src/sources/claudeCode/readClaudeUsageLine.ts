import { endOfSkimmedValue } from '../jsonSkim';
import { count } from '../lineParse';

/**
 * What a Claude Code usage line says, field by field, with the meaning JSON.parse would give it:
 * strings are '' when absent or not strings, counts follow `count()`.
 */
export interface ClaudeUsageLine {
	/** `Date.parse` of the timestamp: NaN when it is absent or not a date. */
	readonly timestamp: number;
	readonly requestId: string;
	readonly sessionId: string;
	readonly cwd: string;
	readonly gitBranch: string;
	/** The entry's uuid, only for a line without a message id: the one case where it names the event. */
	readonly uuid: string;
	/** `isSidechain === true`. */
	readonly sidechain: boolean;
	/** `costUSD` when it is a number. */
	readonly costUSD: number | null;
	readonly messageId: string;
	readonly model: string;
	/** `usage.speed` is a string. */
	readonly hasSpeed: boolean;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheCreationTokens: number;
	readonly cacheReadTokens: number;
	/** `usage.cache_creation` is an object holding an `ephemeral_5m_input_tokens` or `ephemeral_1h_input_tokens` key. */
	readonly splitsCacheWrites: boolean;
	/** The two parts of `usage.cache_creation`, 0 when it is not an object. */
	readonly cacheWrite5mTokens: number;
	readonly cacheWrite1hTokens: number;
}

/**
 * Reads a Claude Code usage line in one forward pass over its bytes, instead of JSON.parse: only the
 * fields an event needs are decoded, everything else is stepped over. The message content, most of
 * the bytes, is skimmed exactly as `textWithoutKey` cuts it out; the rest is checked against the JSON
 * grammar as it is stepped over, so that the reading is the one JSON.parse would give.
 *
 * Returns null for a line whose message has no usage object (the word came up elsewhere, e.g. in a
 * tool result), and undefined for any line it cannot vouch for: malformed JSON, escaped keys where
 * names matter, deep nesting, a repeated `content` key. The caller parses those the slow way, so
 * rare shapes only cost time, never a different answer.
 */
export function readClaudeUsageLine(bytes: Buffer, start: number, end: number): ClaudeUsageLine | null | undefined {
	try {
		return reader.read(bytes, start, end);
	} catch (error) {
		if (error === unsure) return undefined;
		throw error;
	} finally {
		reader.release();
	}
}

/** Thrown from deep inside the reader when the line is not one it can read exactly; never escapes it. */
class UnsureOfLine extends Error {}
const unsure = new UnsureOfLine('line left to JSON.parse');

function giveUp(): never {
	throw unsure;
}

/** Nesting beyond this is left to JSON.parse rather than to the reader's recursion. */
const maxDepth = 64;

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const minus = 0x2d;
const plus = 0x2b;
const dot = 0x2e;
const zero = 0x30;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

const trueBytes = Buffer.from('true');
const falseBytes = Buffer.from('false');
const nullBytes = Buffer.from('null');
const noBytes = Buffer.alloc(0);

/** The keys the reader acts on, at any level of the line. */
const enum Key {
	/** Any key the object at hand does not read. */
	other,
	/** A `"content":` key, whose value `textWithoutKey` cuts out unchecked (only with the colon right after the quote). */
	skimmedContent,
	timestamp,
	requestId,
	sessionId,
	cwd,
	gitBranch,
	isSidechain,
	costUSD,
	uuid,
	message,
	id,
	model,
	usage,
	inputTokens,
	outputTokens,
	cacheCreationTokens,
	cacheReadTokens,
	speed,
	cacheCreation,
	ephemeral5m,
	ephemeral1h,
}

/** The keys one object level reads (and `content`), by their JSON spelling. */
class KeyNames {
	/** Each name followed by its closing quote. */
	readonly spelled: Buffer[];
	readonly keys: Key[];
	/** The first name starting with a byte, and the next one starting with the same byte: most keys are ruled out by their first byte. */
	private readonly firstByFirstByte = new Int8Array(256).fill(-1);
	private readonly nextWithSameFirstByte: number[];

	constructor(names: ReadonlyArray<readonly [string, Key]>) {
		const all = [...names, ['content', Key.skimmedContent] as const];
		this.spelled = all.map(([name]) => Buffer.from(`${name}"`));
		this.keys = all.map(([, key]) => key);
		this.nextWithSameFirstByte = all.map(() => -1);
		for (let n = all.length - 1; n >= 0; n--) {
			const first = this.spelled[n]![0]!;
			this.nextWithSameFirstByte[n] = this.firstByFirstByte[first]!;
			this.firstByFirstByte[first] = n;
		}
	}

	/**
	 * The index of the name whose key text starts at `from`, closing quote included, or -1 for any
	 * other key. A match needs no further check: the names hold no escapes and no control characters.
	 */
	find(bytes: Buffer, from: number, end: number): number {
		const first = from < end ? bytes[from]! : 0;
		for (let n = this.firstByFirstByte[first]!; n !== -1; n = this.nextWithSameFirstByte[n]!) {
			const spelled = this.spelled[n]!;
			if (from + spelled.length <= end && sameBytes(bytes, from, spelled)) return n;
		}
		return -1;
	}
}

const topKeys = new KeyNames([
	['timestamp', Key.timestamp],
	['requestId', Key.requestId],
	['sessionId', Key.sessionId],
	['cwd', Key.cwd],
	['gitBranch', Key.gitBranch],
	['isSidechain', Key.isSidechain],
	['costUSD', Key.costUSD],
	['uuid', Key.uuid],
	['message', Key.message],
]);
const messageKeys = new KeyNames([
	['id', Key.id],
	['model', Key.model],
	['usage', Key.usage],
]);
const usageKeys = new KeyNames([
	['input_tokens', Key.inputTokens],
	['output_tokens', Key.outputTokens],
	['cache_creation_input_tokens', Key.cacheCreationTokens],
	['cache_read_input_tokens', Key.cacheReadTokens],
	['speed', Key.speed],
	['cache_creation', Key.cacheCreation],
]);
const breakdownKeys = new KeyNames([
	['ephemeral_5m_input_tokens', Key.ephemeral5m],
	['ephemeral_1h_input_tokens', Key.ephemeral1h],
]);
const otherKeys = new KeyNames([]);

/**
 * The last few texts read for a field. Lines mostly repeat them (same session, folder, branch, a few
 * models), and recognising the bytes of a text seen before is cheaper than checking and decoding
 * them again.
 */
class RepeatedText {
	private static readonly kept = 8;
	private static readonly longest = 512;
	/** Each text as spelled after its opening quote, closing quote included. */
	private readonly spelled: Buffer[] = [];
	private readonly texts: string[] = [];
	private replaced = 0;

	/**
	 * The index of a known text spelled at `from`, or -1. Only unescaped strings are kept, checked
	 * when first read, so a match is a whole valid string.
	 */
	find(bytes: Buffer, from: number, end: number): number {
		for (let n = 0; n < this.spelled.length; n++) {
			const spelled = this.spelled[n]!;
			if (from + spelled.length <= end && sameBytes(bytes, from, spelled)) return n;
		}
		return -1;
	}

	text(n: number): string {
		return this.texts[n]!;
	}

	/** The position past the closing quote of known text `n`, spelled at `from`. */
	endOf(n: number, from: number): number {
		return from + this.spelled[n]!.length;
	}

	/** Decodes the unescaped string text [from, close) and keeps it, unless it is too long to be worth keeping. */
	remember(bytes: Buffer, from: number, close: number): string {
		const text = bytes.toString('utf8', from, close);
		if (close - from > RepeatedText.longest) return text;
		const slot = this.spelled.length < RepeatedText.kept ? this.spelled.length : this.replaced++ % RepeatedText.kept;
		this.spelled[slot] = Buffer.from(bytes.subarray(from, close + 1));
		this.texts[slot] = text;
		return text;
	}
}

/**
 * A cursor over one line. Every value is read or stepped over with the JSON grammar checked, so that
 * a line the reader accepts is one JSON.parse accepts too. A repeated key overwrites what the
 * earlier one said, as in JSON.parse. One reader serves every line: it holds no garbage between them.
 */
class UsageLineReader {
	private bytes: Buffer = noBytes;
	private at = 0;
	private end = 0;
	/** Whether the string last passed over holds escapes (and so needs JSON.parse to decode). */
	private escaped = false;

	private timestamp = NaN;
	private requestId = '';
	private sessionId = '';
	private cwd = '';
	private gitBranch = '';
	private uuidFrom = -1;
	private uuidTo = -1;
	private uuidEscaped = false;
	private sidechain = false;
	private costUSD: number | null = null;

	private messageIsObject = false;
	private messageId = '';
	private model = '';

	private usageIsObject = false;
	private hasSpeed = false;
	private inputTokens = 0;
	private outputTokens = 0;
	private cacheCreationTokens = 0;
	private cacheReadTokens = 0;

	private has5m = false;
	private has1h = false;
	private cacheWrite5mTokens = 0;
	private cacheWrite1hTokens = 0;

	private readonly sessionIds = new RepeatedText();
	private readonly folders = new RepeatedText();
	private readonly branches = new RepeatedText();
	private readonly models = new RepeatedText();

	read(bytes: Buffer, start: number, end: number): ClaudeUsageLine | null {
		this.bytes = bytes;
		this.at = start;
		this.end = end;
		this.resetTopLevel();
		this.skipBlanks();
		if (this.peek() !== openBrace) giveUp(); // not an object: JSON.parse tells what it is
		this.readTopLevel();
		this.skipBlanks();
		if (this.at !== this.end) giveUp();
		if (!this.messageIsObject || !this.usageIsObject) return null;
		return {
			timestamp: this.timestamp,
			requestId: this.requestId,
			sessionId: this.sessionId,
			cwd: this.cwd,
			gitBranch: this.gitBranch,
			uuid: this.messageId === '' ? this.uuid() : '',
			sidechain: this.sidechain,
			costUSD: this.costUSD,
			messageId: this.messageId,
			model: this.model,
			hasSpeed: this.hasSpeed,
			inputTokens: this.inputTokens,
			outputTokens: this.outputTokens,
			cacheCreationTokens: this.cacheCreationTokens,
			cacheReadTokens: this.cacheReadTokens,
			splitsCacheWrites: this.has5m || this.has1h,
			cacheWrite5mTokens: this.cacheWrite5mTokens,
			cacheWrite1hTokens: this.cacheWrite1hTokens,
		};
	}

	/** Lets go of the chunk, which the reader would otherwise keep alive until the next line. */
	release(): void {
		this.bytes = noBytes;
	}

	private resetTopLevel(): void {
		this.timestamp = NaN;
		this.requestId = '';
		this.sessionId = '';
		this.cwd = '';
		this.gitBranch = '';
		this.uuidFrom = -1;
		this.uuidTo = -1;
		this.uuidEscaped = false;
		this.sidechain = false;
		this.costUSD = null;
		this.resetMessage();
		this.messageIsObject = false;
	}

	private readTopLevel(): void {
		let contentKeys = 0;
		let more = this.openObject();
		while (more) {
			switch (this.key(topKeys)) {
				case Key.timestamp:
					this.timestamp = this.timestampValue();
					break;
				case Key.requestId:
					this.requestId = this.textValue();
					break;
				case Key.sessionId:
					this.sessionId = this.repeatedTextValue(this.sessionIds);
					break;
				case Key.cwd:
					this.cwd = this.repeatedTextValue(this.folders);
					break;
				case Key.gitBranch:
					this.gitBranch = this.repeatedTextValue(this.branches);
					break;
				case Key.uuid:
					this.markUuid();
					break;
				case Key.isSidechain:
					this.sidechain = this.isTrue();
					break;
				case Key.costUSD:
					this.costUSD = this.numberOrNull();
					break;
				case Key.message:
					this.readMessage();
					break;
				case Key.skimmedContent:
					contentKeys = this.skimContent(contentKeys);
					break;
				default:
					this.skipValue(1);
			}
			more = this.nextMember();
		}
	}

	private resetMessage(): void {
		this.messageId = '';
		this.model = '';
		this.resetUsage();
		this.usageIsObject = false;
	}

	private readMessage(): void {
		this.resetMessage();
		this.messageIsObject = this.peek() === openBrace;
		if (!this.messageIsObject) {
			this.skipValue(1);
			return;
		}
		let contentKeys = 0;
		let more = this.openObject();
		while (more) {
			switch (this.key(messageKeys)) {
				case Key.id:
					this.messageId = this.textValue();
					break;
				case Key.model:
					this.model = this.repeatedTextValue(this.models);
					break;
				case Key.usage:
					this.readUsage();
					break;
				case Key.skimmedContent:
					contentKeys = this.skimContent(contentKeys);
					break;
				default:
					this.skipValue(2);
			}
			more = this.nextMember();
		}
	}

	private resetUsage(): void {
		this.hasSpeed = false;
		this.inputTokens = 0;
		this.outputTokens = 0;
		this.cacheCreationTokens = 0;
		this.cacheReadTokens = 0;
		this.resetBreakdown();
	}

	private readUsage(): void {
		this.resetUsage();
		this.usageIsObject = this.peek() === openBrace;
		if (!this.usageIsObject) {
			this.skipValue(2);
			return;
		}
		let contentKeys = 0;
		let more = this.openObject();
		while (more) {
			switch (this.key(usageKeys)) {
				case Key.inputTokens:
					this.inputTokens = this.countValue(3);
					break;
				case Key.outputTokens:
					this.outputTokens = this.countValue(3);
					break;
				case Key.cacheCreationTokens:
					this.cacheCreationTokens = this.countValue(3);
					break;
				case Key.cacheReadTokens:
					this.cacheReadTokens = this.countValue(3);
					break;
				case Key.speed:
					this.hasSpeed = this.peek() === quote;
					this.skipValue(3);
					break;
				case Key.cacheCreation:
					this.readBreakdown();
					break;
				case Key.skimmedContent:
					contentKeys = this.skimContent(contentKeys);
					break;
				default:
					this.skipValue(3);
			}
			more = this.nextMember();
		}
	}

	private resetBreakdown(): void {
		this.has5m = false;
		this.has1h = false;
		this.cacheWrite5mTokens = 0;
		this.cacheWrite1hTokens = 0;
	}

	private readBreakdown(): void {
		this.resetBreakdown();
		if (this.peek() !== openBrace) {
			this.skipValue(3);
			return;
		}
		let contentKeys = 0;
		let more = this.openObject();
		while (more) {
			switch (this.key(breakdownKeys)) {
				case Key.ephemeral5m:
					this.has5m = true;
					this.cacheWrite5mTokens = this.countValue(4);
					break;
				case Key.ephemeral1h:
					this.has1h = true;
					this.cacheWrite1hTokens = this.countValue(4);
					break;
				case Key.skimmedContent:
					contentKeys = this.skimContent(contentKeys);
					break;
				default:
					this.skipValue(4);
			}
			more = this.nextMember();
		}
	}

	// ----- Objects -----

	/** Steps into the object at the cursor; true when it has a first member. */
	private openObject(): boolean {
		this.at++;
		this.skipBlanks();
		if (this.peek() !== closeBrace) return true;
		this.at++;
		return false;
	}

	/**
	 * Reads a member's key and its colon, leaving the cursor on the value, and tells which key it is.
	 * An escaped key could spell a wanted name, so it is left to JSON.parse where names matter.
	 */
	private key(names: KeyNames): Key {
		if (this.peek() !== quote) giveUp();
		const from = this.at + 1;
		const n = names.find(this.bytes, from, this.end);
		let key = Key.other;
		if (n === -1) {
			this.at = this.endOfString(from) + 1;
			if (this.escaped && names !== otherKeys) giveUp();
		} else {
			this.at = from + names.spelled[n]!.length;
			key = names.keys[n]!;
			if (key === Key.skimmedContent && this.peek() !== colon) key = Key.other;
		}
		this.skipBlanks();
		if (this.peek() !== colon) giveUp();
		this.at++;
		this.skipBlanks();
		return key;
	}

	/** After a member's value: true when another member follows, false past the closing brace. */
	private nextMember(): boolean {
		this.skipBlanks();
		const byte = this.peek();
		if (byte === comma) {
			this.at++;
			this.skipBlanks();
			return true;
		}
		if (byte !== closeBrace) giveUp();
		this.at++;
		return false;
	}

	/**
	 * Steps over a `content` value the way `textWithoutKey` cuts it out, unchecked. Two of them in
	 * one object can make `textWithoutKey` leave a dangling comma, so such objects go to JSON.parse.
	 */
	private skimContent(contentKeysBefore: number): number {
		if (contentKeysBefore > 0) giveUp();
		const valueEnd = endOfSkimmedValue(this.bytes, this.at, this.end);
		if (valueEnd === -1) giveUp();
		this.at = valueEnd;
		return contentKeysBefore + 1;
	}

	// ----- Values -----

	/** A string value, or '' for a value of any other type (stepped over). */
	private textValue(): string {
		if (this.peek() !== quote) {
			this.skipValue(1);
			return '';
		}
		const open = this.at;
		const close = this.endOfString(open + 1);
		this.at = close + 1;
		return this.escaped ? decodeEscaped(this.bytes, open, close) : this.bytes.toString('utf8', open + 1, close);
	}

	/** `textValue()` for a field whose value mostly repeats from line to line. */
	private repeatedTextValue(recent: RepeatedText): string {
		if (this.peek() !== quote) {
			this.skipValue(1);
			return '';
		}
		const from = this.at + 1;
		const known = recent.find(this.bytes, from, this.end);
		if (known !== -1) {
			this.at = recent.endOf(known, from);
			return recent.text(known);
		}
		const close = this.endOfString(from);
		this.at = close + 1;
		return this.escaped ? decodeEscaped(this.bytes, from - 1, close) : recent.remember(this.bytes, from, close);
	}

	/** Where the uuid string is: it is decoded only if the line turns out to need it. */
	private markUuid(): void {
		if (this.peek() !== quote) {
			this.skipValue(1);
			this.uuidFrom = -1;
			return;
		}
		this.uuidFrom = this.at;
		this.uuidTo = this.endOfString(this.at + 1);
		this.uuidEscaped = this.escaped;
		this.at = this.uuidTo + 1;
	}

	private uuid(): string {
		if (this.uuidFrom === -1) return '';
		return this.uuidEscaped ? decodeEscaped(this.bytes, this.uuidFrom, this.uuidTo) : this.bytes.toString('utf8', this.uuidFrom + 1, this.uuidTo);
	}

	/** `Date.parse(text(value))`, without decoding the usual `toISOString()` form. */
	private timestampValue(): number {
		if (this.peek() !== quote) {
			this.skipValue(1);
			return NaN;
		}
		const from = this.at + 1;
		// The usual form holds digits and punctuation only: when it matches, the string is valid as it is.
		const usualClose = from + isoLength;
		const usual = usualClose < this.end && this.bytes[usualClose] === quote ? isoTimestampAt(this.bytes, from, usualClose) : undefined;
		if (usual !== undefined) {
			this.at = usualClose + 1;
			return usual;
		}
		const close = this.endOfString(from);
		this.at = close + 1;
		return Date.parse(this.escaped ? decodeEscaped(this.bytes, from - 1, close) : this.bytes.toString('utf8', from, close));
	}

	/** `count()` of the value: a number's rounded positive value, 0 for anything else. */
	private countValue(depth: number): number {
		if (!this.peekIsNumber()) {
			this.skipValue(depth);
			return 0;
		}
		return count(this.numberValue());
	}

	/** The value if it is a number; null for a value of any other type (stepped over). */
	private numberOrNull(): number | null {
		if (this.peekIsNumber()) return this.numberValue();
		this.skipValue(1);
		return null;
	}

	/** Whether the value is the literal true; any other value is stepped over. */
	private isTrue(): boolean {
		if (this.matchLiteral(trueBytes)) return true;
		this.skipValue(1);
		return false;
	}

	private peekIsNumber(): boolean {
		const byte = this.peek();
		return byte === minus || isDigit(byte);
	}

	/** The number at the cursor, with the value JSON.parse gives it. */
	private numberValue(): number {
		const from = this.at;
		this.at = this.endOfNumber(from);
		return numberAt(this.bytes, from, this.at);
	}

	/** Steps over any value, checking its grammar. */
	private skipValue(depth: number): void {
		const byte = this.peek();
		if (byte === quote) this.at = this.endOfString(this.at + 1) + 1;
		else if (byte === openBrace) this.skipObject(depth + 1);
		else if (byte === openBracket) this.skipArray(depth + 1);
		else if (byte === minus || isDigit(byte)) this.at = this.endOfNumber(this.at);
		else if (!this.matchLiteral(trueBytes) && !this.matchLiteral(falseBytes) && !this.matchLiteral(nullBytes)) giveUp();
	}

	private skipObject(depth: number): void {
		if (depth > maxDepth) giveUp();
		let contentKeys = 0;
		let more = this.openObject();
		while (more) {
			if (this.key(otherKeys) === Key.skimmedContent) contentKeys = this.skimContent(contentKeys);
			else this.skipValue(depth);
			more = this.nextMember();
		}
	}

	private skipArray(depth: number): void {
		if (depth > maxDepth) giveUp();
		this.at++;
		this.skipBlanks();
		if (this.peek() === closeBracket) {
			this.at++;
			return;
		}
		for (;;) {
			this.skipValue(depth);
			this.skipBlanks();
			const byte = this.peek();
			this.at++;
			if (byte === closeBracket) return;
			if (byte !== comma) giveUp();
			this.skipBlanks();
		}
	}

	private matchLiteral(literal: Buffer): boolean {
		if (this.at + literal.length > this.end || !sameBytes(this.bytes, this.at, literal)) return false;
		this.at += literal.length;
		return true;
	}

	// ----- Tokens -----

	/**
	 * The index of the quote closing a string whose text starts at `from`. JSON.parse rejects raw
	 * control characters and unknown escapes in strings, so they are checked on the way.
	 */
	private endOfString(from: number): number {
		const bytes = this.bytes;
		const end = this.end;
		let escaped = false;
		for (let i = from; i < end; i++) {
			const byte = bytes[i]!;
			if (byte === quote) {
				this.escaped = escaped;
				return i;
			}
			if (byte === backslash) {
				escaped = true;
				i = this.lastByteOfEscape(i);
			} else if (byte < 0x20) {
				giveUp();
			}
		}
		return giveUp();
	}

	private lastByteOfEscape(backslashAt: number): number {
		const bytes = this.bytes;
		const next = backslashAt + 1 < this.end ? bytes[backslashAt + 1]! : -1;
		switch (next) {
			case quote:
			case backslash:
			case 0x2f: // '/'
			case 0x62: // 'b'
			case 0x66: // 'f'
			case 0x6e: // 'n'
			case 0x72: // 'r'
			case 0x74: // 't'
				return backslashAt + 1;
			case 0x75: // 'u', then four hex digits
				if (backslashAt + 5 >= this.end) giveUp();
				for (let i = backslashAt + 2; i <= backslashAt + 5; i++) if (!isHexDigit(bytes[i]!)) giveUp();
				return backslashAt + 5;
			default:
				return giveUp();
		}
	}

	/** The end of the number starting at `from`: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`. */
	private endOfNumber(from: number): number {
		const bytes = this.bytes;
		let i = from;
		if (bytes[i] === minus) i++;
		if (i < this.end && bytes[i] === zero) i++;
		else i = this.endOfDigits(i);
		if (i < this.end && bytes[i] === dot) i = this.endOfDigits(i + 1);
		if (i < this.end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
			i++;
			if (i < this.end && (bytes[i] === plus || bytes[i] === minus)) i++;
			i = this.endOfDigits(i);
		}
		return i;
	}

	/** The end of a run of at least one digit starting at `from`. */
	private endOfDigits(from: number): number {
		let i = from;
		while (i < this.end && isDigit(this.bytes[i]!)) i++;
		if (i === from) giveUp();
		return i;
	}

	private skipBlanks(): void {
		while (this.at < this.end && isBlank(this.bytes[this.at]!)) this.at++;
	}

	private peek(): number {
		return this.at < this.end ? this.bytes[this.at]! : -1;
	}
}

const reader = new UsageLineReader();

function sameBytes(bytes: Buffer, at: number, expected: Buffer): boolean {
	for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
	return true;
}

/** An escaped string (quotes included) decoded the way JSON.parse does: surrogates, lone ones too. */
function decodeEscaped(bytes: Buffer, open: number, close: number): string {
	try {
		return JSON.parse(bytes.toString('utf8', open, close + 1)) as string;
	} catch {
		return giveUp();
	}
}

const isoLength = '2026-05-02T09:14:07.512Z'.length;

/**
 * `Date.parse` of a `toISOString()` timestamp (`2026-05-02T09:14:07.512Z`), read from its digits.
 * Out-of-range fields, which Date.parse rejects or rolls over in its own ways, and any other form
 * give undefined, for the caller to ask Date.parse itself.
 */
export function isoTimestampAt(bytes: Buffer, from: number, to: number): number | undefined {
	if (to - from !== isoLength || bytes[from + 4] !== minus || bytes[from + 7] !== minus || bytes[from + 10] !== 0x54 /* T */) return undefined;
	if (bytes[from + 13] !== colon || bytes[from + 16] !== colon || bytes[from + 19] !== dot || bytes[from + 23] !== 0x5a /* Z */) return undefined;
	const year = digitsAt(bytes, from, 4);
	const month = digitsAt(bytes, from + 5, 2);
	const day = digitsAt(bytes, from + 8, 2);
	const hour = digitsAt(bytes, from + 11, 2);
	const minute = digitsAt(bytes, from + 14, 2);
	const second = digitsAt(bytes, from + 17, 2);
	const millisecond = digitsAt(bytes, from + 20, 3);
	// Date.UTC maps years below 100 to the 1900s; Date.parse does not. Days past the month's end
	// roll over the same way in both.
	if (year < 100 || !within(month, 1, 12) || !within(day, 1, 31) || !within(hour, 0, 23) || !within(minute, 0, 59) || !within(second, 0, 59) || millisecond < 0) {
		return undefined;
	}
	return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}

function within(value: number, min: number, max: number): boolean {
	return value >= min && value <= max;
}

/** The value of `length` decimal digits at `from`, or -1 if any is not a digit. */
function digitsAt(bytes: Buffer, from: number, length: number): number {
	let value = 0;
	for (let i = from; i < from + length; i++) {
		const byte = bytes[i]!;
		if (!isDigit(byte)) return -1;
		value = value * 10 + (byte - zero);
	}
	return value;
}

/** Up to 15 digits fit a double exactly; longer numbers, fractions and exponents go through Number. */
function numberAt(bytes: Buffer, from: number, to: number): number {
	if (to - from > 15) return Number(bytes.toString('latin1', from, to));
	let value = 0;
	for (let i = from; i < to; i++) {
		const byte = bytes[i]!;
		if (!isDigit(byte)) return Number(bytes.toString('latin1', from, to));
		value = value * 10 + (byte - zero);
	}
	return value;
}

function isDigit(byte: number): boolean {
	return byte >= 0x30 && byte <= 0x39;
}

function isHexDigit(byte: number): boolean {
	return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

function isBlank(byte: number): boolean {
	return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
