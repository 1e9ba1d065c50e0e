/**
 * A hash table keyed by two UTF-16 code units (a character bigram), so a question's bigrams are looked up
 * without building a string for each: open addressing over one typed array, a few cache lines per lookup.
 */
export class PairTable<T> {
  /** [key, value index + 1] per slot; key 0 marks an empty slot (the pair NUL NUL is never stored). */
  private readonly slots: Int32Array;
  private readonly values: T[] = [];
  private readonly mask: number;
  /** 32 − log2(slots): the hash takes the product's top bits (its low bits would depend on the second unit alone). */
  private readonly shift: number;

  /** `capacity`: how many pairs will be stored (the table keeps at most half its slots full). */
  constructor(capacity: number) {
    let size = 16;
    let bits = 4;
    while (size < capacity * 2) {
      size *= 2;
      bits++;
    }
    this.shift = 32 - bits;
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
  }

  private static key(a: number, b: number): number {
    return (a << 16) | b;
  }

  private slotOf(key: number): number {
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.slots[i * 2] !== 0 && this.slots[i * 2] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** Stores a value for the pair (a, b) of code units; a pair stored twice keeps its first value. */
  set(a: number, b: number, value: T): void {
    const key = PairTable.key(a, b);
    if (key === 0) throw new RangeError('PairTable: the pair NUL NUL cannot be stored');
    if (this.values.length * 2 >= this.mask + 1) throw new RangeError('PairTable: full');
    const i = this.slotOf(key);
    if (this.slots[i * 2] === key) return;
    this.values.push(value);
    this.slots[i * 2] = key;
    this.slots[i * 2 + 1] = this.values.length;
  }

  get(a: number, b: number): T | undefined {
    const key = PairTable.key(a, b);
    if (key === 0) return undefined;
    const i = this.slotOf(key);
    return this.slots[i * 2] === key ? this.values[this.slots[i * 2 + 1]! - 1] : undefined;
  }
}
