import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));
/** Random bytes drawn 2 KB at a time, as `randomUUID` does for its own. */
const pool = Buffer.alloc(2048);
let poolAt = pool.length;
let lastMs = -1;
let sequence = 0;
/** `tttttttt-tttt-7` for `lastMs`, made once per millisecond. */
let prefix = '';

/**
 * The uuid of a task enqueued without one: a UUIDv7 (RFC 9562), whose first 48 bits are the Unix
 * time in milliseconds, then a 12-bit sequence, then 62 random bits. Within a process each one is
 * greater than the one before (the sequence counts up within a millisecond, and moves to the next
 * millisecond when it runs out), so uuids sort in the order they were made.
 *
 * Why not a random (v4) uuid: the uuid is the key of the task table's unique index, and a random
 * key lands on a random leaf page of it, at the insert and again at every later row version
 * (claim, completion). Time-ordered keys land beside the last ones: on PostgreSQL, enqueuing
 * 100,000 tasks into a table holding a million wrote 624 instead of 1,189 bytes of WAL per task
 * (docs/performance.md, "Time-ordered task uuids"). Written here because `node:crypto` makes
 * version 4 only.
 */
export function taskUuid(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
    prefix = '';
  } else if (++sequence > 0xfff) {
    lastMs++;
    sequence = 0;
    prefix = '';
  }
  if (prefix === '') {
    const hex = lastMs.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
  }
  if (poolAt + 8 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const p = poolAt;
  poolAt += 8;
  return (
    prefix +
    HEX[sequence >> 8].slice(1) +
    HEX[sequence & 0xff] +
    '-' +
    HEX[0x80 | (pool[p] & 0x3f)] +
    HEX[pool[p + 1]] +
    '-' +
    HEX[pool[p + 2]] +
    HEX[pool[p + 3]] +
    HEX[pool[p + 4]] +
    HEX[pool[p + 5]] +
    HEX[pool[p + 6]] +
    HEX[pool[p + 7]]
  );
}
