// Seeded pseudo-random numbers (sfc32). The state is four uint32 words so it can be saved with the
// simulator's state: a restored simulator continues the same sequence and never reissues an id.

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_ALPHABET = `${ALPHANUMERIC}_-`;
const HEX = '0123456789abcdef';

export type RandomState = [number, number, number, number];

/** cyrb128: spreads a string seed over four 32-bit words. */
function seedWords(seed: string): RandomState {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let index = 0; index < seed.length; index++) {
    const code = seed.charCodeAt(index);
    h1 = h2 ^ Math.imul(h1 ^ code, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ code, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ code, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ code, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: string | number | RandomState) {
    const words = Array.isArray(seed) ? seed : seedWords(String(seed));
    [this.#a, this.#b, this.#c, this.#d] = words;
    // Warm up so that similar seeds diverge.
    if (!Array.isArray(seed)) for (let index = 0; index < 15; index++) this.nextUint32();
  }

  get state(): RandomState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  nextUint32(): number {
    this.#a >>>= 0;
    this.#b >>>= 0;
    this.#c >>>= 0;
    this.#d >>>= 0;
    let t = (this.#a + this.#b) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#d = (this.#d + 1) | 0;
    t = (t + this.#d) | 0;
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const weight of weights) total += weight;
    let roll = this.next() * total;
    for (let index = 0; index < items.length; index++) {
      roll -= weights[index];
      if (roll < 0) return items[index];
    }
    return items[items.length - 1];
  }

  /** Up to `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const wanted = Math.min(count, copy.length);
    for (let index = 0; index < wanted; index++) {
      const swap = index + Math.floor(this.next() * (copy.length - index));
      [copy[index], copy[swap]] = [copy[swap], copy[index]];
    }
    return copy.slice(0, wanted);
  }

  chars(length: number, alphabet: string = ALPHANUMERIC): string {
    let text = '';
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(this.next() * alphabet.length)];
    return text;
  }

  hex(length: number): string {
    return this.chars(length, HEX);
  }

  /** Characters seen in WeCom ids (letters, digits, `_` and `-`). */
  idChars(length: number): string {
    return this.chars(length, ID_ALPHABET);
  }

  digits(length: number): string {
    return this.chars(length, '0123456789');
  }
}

/** FNV-1a, for values derived from a key without consuming the sequence (synthetic statistics). */
export function hashString(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}
