/**
 * 128-bit fingerprints of byte strings (MurmurHash3, x86 128-bit variant), which the index keeps in
 * place of request keys and message ids: 16 bytes a request instead of a key's 60 to 90 bytes of
 * text and its offsets.
 *
 * Two distinct keys share a fingerprint with a chance of about n² / 2^129 among n keys: below
 * 10^-20 for a billion requests, far below the chance of a memory error. So the index treats equal
 * fingerprints as equal keys. The keys themselves stay in the ledger's log, spelled out.
 */

const c1 = 0x239b961b;
const c2 = 0xab0e9789;
const c3 = 0x38b34ae5;
const c4 = 0xa1e38b93;

/** Fills `out[at … at + 3]` with the fingerprint of `bytes[start, end)`. */
export function fingerprint128(bytes: Uint8Array, start: number, end: number, out: Uint32Array, at: number, seed = 0): void {
	const length = end - start;
	let h1 = seed >>> 0;
	let h2 = h1;
	let h3 = h1;
	let h4 = h1;
	const blocksEnd = start + (length & ~15);
	let i = start;
	for (; i < blocksEnd; i += 16) {
		let k1 = word(bytes, i);
		let k2 = word(bytes, i + 4);
		let k3 = word(bytes, i + 8);
		let k4 = word(bytes, i + 12);

		k1 = Math.imul(rotl(Math.imul(k1, c1), 15), c2);
		h1 ^= k1;
		h1 = rotl(h1, 19);
		h1 = (h1 + h2) | 0;
		h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

		k2 = Math.imul(rotl(Math.imul(k2, c2), 16), c3);
		h2 ^= k2;
		h2 = rotl(h2, 17);
		h2 = (h2 + h3) | 0;
		h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

		k3 = Math.imul(rotl(Math.imul(k3, c3), 17), c4);
		h3 ^= k3;
		h3 = rotl(h3, 15);
		h3 = (h3 + h4) | 0;
		h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

		k4 = Math.imul(rotl(Math.imul(k4, c4), 18), c1);
		h4 ^= k4;
		h4 = rotl(h4, 13);
		h4 = (h4 + h1) | 0;
		h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
	}

	// The last 0 to 15 bytes, little-endian into four words.
	const tail = end - i;
	let k1 = 0;
	let k2 = 0;
	let k3 = 0;
	let k4 = 0;
	for (let j = tail - 1; j >= 0; j--) {
		const byte = bytes[i + j]!;
		if (j >= 12) k4 |= byte << ((j - 12) * 8);
		else if (j >= 8) k3 |= byte << ((j - 8) * 8);
		else if (j >= 4) k2 |= byte << ((j - 4) * 8);
		else k1 |= byte << (j * 8);
	}
	if (tail > 12) h4 ^= Math.imul(rotl(Math.imul(k4, c4), 18), c1);
	if (tail > 8) h3 ^= Math.imul(rotl(Math.imul(k3, c3), 17), c4);
	if (tail > 4) h2 ^= Math.imul(rotl(Math.imul(k2, c2), 16), c3);
	if (tail > 0) h1 ^= Math.imul(rotl(Math.imul(k1, c1), 15), c2);

	h1 ^= length;
	h2 ^= length;
	h3 ^= length;
	h4 ^= length;
	h1 = (h1 + h2) | 0;
	h1 = (h1 + h3) | 0;
	h1 = (h1 + h4) | 0;
	h2 = (h2 + h1) | 0;
	h3 = (h3 + h1) | 0;
	h4 = (h4 + h1) | 0;
	h1 = fmix(h1);
	h2 = fmix(h2);
	h3 = fmix(h3);
	h4 = fmix(h4);
	h1 = (h1 + h2) | 0;
	h1 = (h1 + h3) | 0;
	h1 = (h1 + h4) | 0;
	h2 = (h2 + h1) | 0;
	h3 = (h3 + h1) | 0;
	h4 = (h4 + h1) | 0;
	out[at] = h1;
	out[at + 1] = h2;
	out[at + 2] = h3;
	out[at + 3] = h4;
}

function word(bytes: Uint8Array, at: number): number {
	return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

function rotl(value: number, shift: number): number {
	return (value << shift) | (value >>> (32 - shift));
}

function fmix(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h;
}
