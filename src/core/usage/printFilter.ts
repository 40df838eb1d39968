/**
 * A Bloom filter over 128-bit fingerprints (fingerprint.ts): says "surely not held" or "maybe held".
 * Fingerprints are uniformly random already, so their words serve as the two hashes of double
 * hashing; nothing is hashed again. At 10 to 20 bits a member (a power of two, so that a probe is a
 * mask, not a division) and 7 probes, at most about 1 % of absent members answer "maybe": rows
 * sealed to disk are then looked up on disk only for copies that are probably there.
 */
export class PrintFilter {
	private readonly bits: Uint32Array;
	private readonly mask: number;

	/** An empty filter for so many members, or the filter whose bits `words` holds (see `words`). */
	constructor(members: number, words?: Uint32Array) {
		let bitCount = 32;
		if (words !== undefined) bitCount = words.length * 32;
		else while (bitCount < members * bitsPerMember) bitCount *= 2;
		if (bitCount & (bitCount - 1)) throw new Error('A filter has a power of two bits.');
		this.bits = words ?? new Uint32Array(bitCount / 32);
		this.mask = bitCount - 1;
	}

	/** The filter's bits, to store (a filter is rebuilt from them, `new PrintFilter(0, words)`). */
	get words(): Uint32Array {
		return this.bits;
	}

	add(prints: Uint32Array, at: number): void {
		const first = prints[at]!;
		const step = prints[at + 1]! | 1;
		for (let i = 0; i < probes; i++) {
			const bit = (first + Math.imul(i, step)) & this.mask;
			this.bits[bit >>> 5] = this.bits[bit >>> 5]! | (1 << (bit & 31));
		}
	}

	mayHold(prints: Uint32Array, at: number): boolean {
		const first = prints[at]!;
		const step = prints[at + 1]! | 1;
		for (let i = 0; i < probes; i++) {
			const bit = (first + Math.imul(i, step)) & this.mask;
			if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
		}
		return true;
	}

	/** Bytes held. */
	get byteLength(): number {
		return this.bits.byteLength;
	}
}

const bitsPerMember = 10;
const probes = 7;
