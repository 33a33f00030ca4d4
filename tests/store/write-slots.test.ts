import { describe, expect, it } from 'vitest';
import { WriteSlots } from '../../src/store/write-slots.ts';

describe('WriteSlots', () => {
  it('runs at most `size` at once, queues the rest in order, and frees a slot when one fails', async () => {
    const slots = new WriteSlots(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (n: number) =>
      slots.run(async () => {
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (n === 1) throw new Error('boom');
        return n;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(task));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(await task(5)).toBe(5); // nothing leaked: a slot is still free
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new WriteSlots(0)).toThrow(/positive integer/);
  });
});
