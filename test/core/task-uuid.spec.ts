import { taskUuid } from '../../lib/service/task-uuid.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millis = (uuid: string): number => parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);

describe('the uuid of a task enqueued without one', () => {
  it('is a UUIDv7 (RFC 9562) carrying the Unix time in milliseconds', () => {
    const before = Date.now();
    const uuid = taskUuid();
    const after = Date.now();
    expect(uuid).toMatch(V7);
    expect(millis(uuid)).toBeGreaterThanOrEqual(before);
    expect(millis(uuid)).toBeLessThanOrEqual(after + 1);
  });

  it('sorts after every uuid made before it in the process, 100,000 in a row, all distinct', () => {
    let last = taskUuid();
    const seen = new Set([last]);
    for (let n = 0; n < 100_000; n++) {
      const next = taskUuid();
      expect(next > last).toBe(true);
      seen.add(next);
      last = next;
    }
    expect(seen.size).toBe(100_001);
  });

  it('keeps counting up within one millisecond, and past 4,096 moves on to the next millisecond', () => {
    const at = Date.now() + 60_000;
    const made = Array.from({ length: 5_000 }, () => taskUuid(at));
    expect(made.every((uuid) => V7.test(uuid))).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(millis(made[0])).toBe(at);
    expect(millis(made[made.length - 1])).toBe(at + 1);
  });

  it('stays in order when the clock steps back', () => {
    const ahead = taskUuid(Date.now() + 120_000);
    const behind = taskUuid(Date.now());
    expect(behind > ahead).toBe(true);
    expect(behind).toMatch(V7);
  });
});
