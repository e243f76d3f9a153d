import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { HashSlots } from './hash-slots.js';

/** The ids `t` holds under `hash`. */
function idsOf(t: HashSlots, hash: number): number[] {
  const out: number[] = [];
  for (let k = t.find(hash); k >= 0; k = t.find(hash, k)) out.push(t.idAt(k));
  return out.sort((a, b) => a - b);
}

describe('HashSlots', () => {
  it('finds every id added under a hash, shared hashes and probe runs that wrap included, and forgets deleted ones', () => {
    const t = new HashSlots(4); // 16 slots: hashes that agree in their low 4 bits collide
    const hashes = [3, 19, 35, 15, 31, 47, 63, 15];
    hashes.forEach((h, id) => t.add(h, id));
    expect(t.size).toBe(8);
    expect(idsOf(t, 15)).toEqual([3, 7]);
    expect(idsOf(t, 63)).toEqual([6]);
    expect(idsOf(t, 4)).toEqual([]);
    expect(t.delete(31, 4)).toBe(true);
    expect(t.delete(31, 4)).toBe(false);
    expect(t.delete(15, 99)).toBe(false);
    hashes.forEach((h, id) => expect(idsOf(t, h).includes(id), `id ${id}`).toBe(id !== 4));
  });

  it('agrees with a Map of lists through random adds, deletes and growth', () => {
    const rng = createRng(11);
    const t = new HashSlots(8);
    const model = new Map<number, number[]>();
    const live: [number, number][] = [];
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      if (live.length && rng.next() < 0.45) {
        const [h, id] = live.splice(rng.int(live.length), 1)[0];
        expect(t.delete(h, id)).toBe(true);
        const ids = model.get(h)!;
        ids.splice(ids.indexOf(id), 1);
      } else {
        const h = rng.int(64) * 1024 + rng.int(4); // few distinct low bits: long probe runs
        const id = next++;
        t.add(h, id);
        live.push([h, id]);
        model.set(h, [...(model.get(h) ?? []), id]);
      }
      if (step % 997 === 0) for (const [h, ids] of model) expect(idsOf(t, h)).toEqual([...ids].sort((a, b) => a - b));
    }
    expect(t.size).toBe(live.length);
  });
});
