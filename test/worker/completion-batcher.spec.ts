import { Logger } from '@nestjs/common';
import type { StorageEngine, TaskOutcome } from '../../lib/storage/engine.js';
import { CompletionBatcher } from '../../lib/worker/completion-batcher.js';

/** A writer the test releases by hand: the batcher's contract, without a database's timing. */
function heldWriter() {
  const writes: number[][] = [];
  const releases: Array<() => void> = [];
  const engine = {
    complete: (outcomes: TaskOutcome[]) => {
      writes.push(outcomes.map((o) => o.taskId));
      return new Promise<number[]>((resolve) => releases.push(() => resolve([])));
    },
  } as unknown as StorageEngine;
  return { engine, writes, release: () => releases.shift()?.() };
}

const outcome = (taskId: number) => ({ taskId }) as TaskOutcome;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CompletionBatcher (writing finished attempts)', () => {
  const logger = new Logger('test');

  it('writes what finished in one turn as one batch, and what finished during a write as the next', async () => {
    const { engine, writes, release } = heldWriter();
    const batcher = new CompletionBatcher(engine, logger, () => undefined);
    [1, 2, 3].forEach((id) => batcher.add(outcome(id)));
    await turn();
    expect(writes).toEqual([[1, 2, 3]]);
    [4, 5].forEach((id) => batcher.add(outcome(id)));
    release();
    await turn();
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    release();
    await batcher.drain(Date.now() + 1000);
    expect(batcher.idle).toBe(true);
  });

  it('says it is behind while a full batch waits for the write in flight, and tells the worker once a write returns', async () => {
    const { engine, release } = heldWriter();
    let written = 0;
    const batcher = new CompletionBatcher(
      engine,
      logger,
      () => undefined,
      () => written++,
    );
    batcher.add(outcome(0));
    await turn(); // the first write is in flight, held
    for (let id = 1; id < 1000; id++) batcher.add(outcome(id));
    expect(batcher.behind).toBe(false);
    batcher.add(outcome(1000));
    expect(batcher.behind).toBe(true); // 1,000 results wait: claiming more would only grow the backlog
    release();
    await turn();
    expect(written).toBe(1);
    expect(batcher.behind).toBe(false); // the waiting batch is being written now
    release();
    await batcher.drain(Date.now() + 1000);
  });
});
