import * as fs from 'node:fs';
import type { UsageEvent } from '../core/usage/usageEvent';
import { EventDecoder, EventEncoder } from './eventCodec';

export interface ReadResult {
	/** True when the file was replaced (a rebuild): everything read before is void. */
	readonly reset: boolean;
	readonly events: UsageEvent[];
}

/**
 * The ledger's append-only event file, shared by every process. Readers take only complete lines,
 * so a writer killed mid-append leaves at worst a torn last line, which readers ignore and the next
 * writer cuts off before appending. Nothing is ever rewritten in place: a rebuild writes a new file
 * and renames it over the old one, which readers notice by its new identity.
 */
export class EventLog {
	private offset = 0;
	private identity = '';
	private decoder = new EventDecoder();
	private encoder = new EventEncoder();
	private adopted = 0;

	constructor(readonly file: string) {}

	get damagedLines(): number {
		return this.decoder.damaged;
	}

	readNew(): ReadResult {
		let stat: fs.Stats;
		try {
			stat = fs.statSync(this.file);
		} catch {
			const reset = this.offset > 0;
			this.restart('');
			return { reset, events: [] };
		}
		const identity = `${stat.dev}:${stat.ino}`;
		let reset = false;
		if (identity !== this.identity || stat.size < this.offset) {
			reset = this.offset > 0 || this.identity !== '';
			this.restart(identity);
		}
		const events: UsageEvent[] = [];
		if (stat.size > this.offset) {
			const bytes = readRange(this.file, this.offset, stat.size - this.offset);
			const end = bytes.lastIndexOf(0x0a);
			if (end >= 0) {
				const text = bytes.toString('utf8', 0, end);
				for (const line of text.split('\n')) {
					if (line === '') continue;
					const event = this.decoder.decodeLine(line);
					if (event !== null) events.push(event);
				}
				this.offset += end + 1;
			}
		}
		const strings = this.decoder.strings;
		for (; this.adopted < strings.length; this.adopted++) {
			this.encoder.adoptOne(strings[this.adopted]!, this.adopted);
		}
		return { reset, events };
	}

	/**
	 * Appends events. The caller holds the ledger lock and has just called `readNew`, so this process
	 * knows every string defined so far and where the last complete line ends.
	 */
	append(events: readonly UsageEvent[]): void {
		if (events.length === 0) {
			return;
		}
		const text = this.encoder.encode(events);
		const fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
		try {
			const stat = fs.fstatSync(fd);
			if (this.identity === '') {
				this.identity = `${stat.dev}:${stat.ino}`;
			}
			if (stat.size !== this.offset) {
				fs.ftruncateSync(fd, this.offset); // a torn line left by a writer that died
			}
			const data = Buffer.from(text, 'utf8');
			let written = 0;
			while (written < data.length) {
				written += fs.writeSync(fd, data, written, data.length - written, this.offset + written);
			}
			fs.fdatasyncSync(fd);
			this.offset += data.length;
		} finally {
			fs.closeSync(fd);
		}
		// Our own string definitions are skipped by the next read (the offset moves past them), yet
		// other writers will refer to them: teach the decoder now.
		for (const line of text.split('\n')) {
			if (line.startsWith('["s",')) this.decoder.decodeLine(line);
		}
		this.adopted = this.decoder.strings.length;
	}

	/** Replaces the whole file atomically (write a sibling, then rename over). */
	replaceWith(events: readonly UsageEvent[]): void {
		const temporary = `${this.file}.${process.pid}.tmp`;
		const text = new EventEncoder().encode(events);
		const fd = fs.openSync(temporary, 'w');
		try {
			fs.writeSync(fd, text);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(temporary, this.file);
		this.restart('');
	}

	private restart(identity: string): void {
		this.offset = 0;
		this.identity = identity;
		this.decoder = new EventDecoder();
		this.encoder = new EventEncoder();
		this.adopted = 0;
	}
}

export function readRange(file: string, offset: number, length: number): Buffer {
	const buffer = Buffer.allocUnsafe(length);
	const fd = fs.openSync(file, 'r');
	try {
		let filled = 0;
		while (filled < length) {
			const read = fs.readSync(fd, buffer, filled, length - filled, offset + filled);
			if (read === 0) break;
			filled += read;
		}
		return filled === length ? buffer : buffer.subarray(0, filled);
	} finally {
		fs.closeSync(fd);
	}
}
