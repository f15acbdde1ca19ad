import { Fifo } from '../../lib/worker/fifo.js';

describe('Fifo (the claimed-ahead queue)', () => {
  it('hands items back in the order they came, across growth and wrap-around', () => {
    const queue = new Fifo<number>(4);
    const seen: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the ring wraps and grows several times.
    for (let round = 0; round < 50; round++) {
      for (let n = 0; n < (round % 7) + 1; n++) queue.push(next++);
      for (let n = 0; n < round % 5; n++) {
        const item = queue.shift();
        if (item !== undefined) seen.push(item);
      }
    }
    seen.push(...queue.drain());
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it('keeps no reference to an item once it has been taken', () => {
    const queue = new Fifo<{ id: number }>(2);
    for (let id = 0; id < 5; id++) queue.push({ id }); // grows from 2 to 8 on the way
    queue.shift();
    queue.shift();
    const slots = (queue as unknown as { slots: unknown[] }).slots;
    expect(slots.filter((slot) => slot !== undefined).map((slot) => (slot as { id: number }).id)).toEqual([2, 3, 4]);
  });

  it('answers whether it holds an item, and drains to empty', () => {
    const queue = new Fifo<number>();
    [5, 6, 7].forEach((n) => queue.push(n));
    expect(queue.some((n) => n === 6)).toBe(true);
    expect(queue.some((n) => n === 8)).toBe(false);
    expect(queue.drain()).toEqual([5, 6, 7]);
    expect(queue.some((n) => n === 6)).toBe(false);
  });
});
