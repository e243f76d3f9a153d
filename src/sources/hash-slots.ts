/**
 * A hash table from 30-bit hashes to small non-negative ids (open addressing, linear probing), on
 * one Int32Array of `[hash, id + 1]` pairs: a probe reads one cache line and calls nothing. The
 * caller keeps what the ids stand for and decides which of the entries with a hash is the one it
 * wants (several ids may share a hash). At most half full: it doubles when an entry would pass that.
 *
 * The remote-write receiver finds a series by its label bytes' hash once per sample
 * (remote-write-series.ts); a `Map<number, …>` of 50,000 series cost it twice as much per lookup.
 */
export class HashSlots {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  /** Room for `capacity` entries before it first grows (rounded up to a power of two). */
  constructor(capacity = 1024) {
    let n = 16;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /**
   * The next slot holding `hash` after slot `after` (-1: from the start of its probe), or -1 when
   * there is none. Read its id with {@link idAt}.
   */
  find(hash: number, after = -1): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = after < 0 ? hash & mask : (after + 1) & mask; ; i = (i + 1) & mask) {
      const id1 = slots[2 * i + 1];
      if (id1 === 0) return -1;
      if (slots[2 * i] === hash) return i;
    }
  }

  /** The id in slot `slot` (as {@link find} returned it). */
  idAt(slot: number): number {
    return this.slots[2 * slot + 1] - 1;
  }

  /** Adds `id` under `hash` (an id may be added once; `hash` is a non-negative 30-bit integer). */
  add(hash: number, id: number): void {
    if (2 * (this.count + 1) > this.mask + 1) this.grow();
    this.put(hash, id + 1);
    this.count++;
  }

  /** Removes `id` from under `hash`; false when it is not there. */
  delete(hash: number, id: number): boolean {
    let i = -1;
    for (let k = this.find(hash); k >= 0; k = this.find(hash, k)) {
      if (this.idAt(k) === id) {
        i = k;
        break;
      }
    }
    if (i < 0) return false;
    // Backward-shift deletion: move up each later entry of the run whose home is not after the hole.
    const slots = this.slots;
    const mask = this.mask;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = slots[2 * j] & mask;
      const between = i <= j ? i < home && home <= j : i < home || home <= j;
      if (between) continue;
      slots[2 * i] = slots[2 * j];
      slots[2 * i + 1] = slots[2 * j + 1];
      i = j;
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    this.count--;
    return true;
  }

  private put(hash: number, id1: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = hash;
    slots[2 * i + 1] = id1;
  }

  private grow(): void {
    const old = this.slots;
    const n = 2 * (this.mask + 1);
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.put(old[i], old[i + 1]);
  }
}
