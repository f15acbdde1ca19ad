import { Task } from '../../../lib/entities/index.js';
import type { DedupRequest } from '../../../lib/storage/engine.js';
import { addJob, claimRequest, type ContractContext, JOB, newTask, T0, taskRow } from './fixtures.js';

const dedup = (overrides: Partial<DedupRequest> = {}): DedupRequest => ({
  key: 'k-1',
  windowMs: 60_000,
  onConflict: 'keep',
  now: T0,
  ...overrides,
});

export function dedupCases(get: () => ContractContext): void {
  it('enqueueUnique creates a task holding the key, with its window on the clock given', async () => {
    const { engine } = get();
    const task = newTask();
    const result = await engine.enqueueUnique(task, dedup());
    expect(result).toEqual({ id: expect.any(Number), uuid: task.uuid, created: true });
    expect(await taskRow(get(), result.id)).toMatchObject({
      dedupKey: 'k-1',
      dedupUntil: T0 + 60_000,
      status: 'QUEUED',
      payload: '{"n":1}',
    });
  });

  it("inside the window: 'keep' returns the holder, 'extend' moves its window, 'replace' its payload and times while QUEUED", async () => {
    const { engine } = get();
    const first = await engine.enqueueUnique(newTask(), dedup());
    expect(await engine.enqueueUnique(newTask({ payload: '{"n":2}' }), dedup({ now: T0 + 1000 }))).toMatchObject({
      id: first.id,
      created: false,
      deduplicated: 'kept',
    });
    expect(await engine.enqueueUnique(newTask(), dedup({ now: T0 + 2000, onConflict: 'extend' }))).toMatchObject({
      id: first.id,
      deduplicated: 'extended',
    });
    expect((await taskRow(get(), first.id)).dedupUntil).toBe(T0 + 62_000);
    const replaced = await engine.enqueueUnique(
      newTask({ payload: '{"n":3}', nextRunTime: T0 + 5000, stopTime: T0 + 90_000 }),
      dedup({ now: T0 + 3000, onConflict: 'replace' }),
    );
    expect(replaced).toMatchObject({ id: first.id, deduplicated: 'replaced' });
    expect(await taskRow(get(), first.id)).toMatchObject({
      payload: '{"n":3}',
      nextRunTime: T0 + 5000,
      stopTime: T0 + 90_000,
    });
    await addJob(get().dataSource, JOB);
    expect(await engine.claim(claimRequest({ now: T0 + 10_000 }))).toHaveLength(1);
    const running = await engine.enqueueUnique(
      newTask({ payload: '{"n":4}' }),
      dedup({ now: T0 + 11_000, onConflict: 'replace' }),
    );
    expect(running).toMatchObject({ id: first.id, deduplicated: 'kept' });
    expect((await taskRow(get(), first.id)).payload).toBe('{"n":3}');
    expect(await get().dataSource.getRepository(Task).count()).toBe(1);
  });

  it('once the window has passed, the key moves to a new task and the old one is left without it', async () => {
    const { engine } = get();
    const first = await engine.enqueueUnique(newTask(), dedup());
    const second = await engine.enqueueUnique(newTask(), dedup({ now: T0 + 60_000 }));
    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect((await taskRow(get(), first.id)).dedupKey).toBeNull();
    expect((await taskRow(get(), second.id)).dedupUntil).toBe(T0 + 120_000);
  });

  it('the key is per job, and a uuid that exists returns that task with what it holds', async () => {
    const { engine } = get();
    const a = await engine.enqueueUnique(newTask(), dedup());
    const b = await engine.enqueueUnique(newTask({ jobName: 'other.job' }), dedup());
    expect(b.created).toBe(true);
    const task = newTask({ uuid: 'fixed-uuid' });
    await engine.enqueue([task]);
    const again = await engine.enqueueUnique({ ...task, payload: '{"n":9}' }, dedup({ key: 'k-2' }));
    expect(again).toEqual({
      id: expect.any(Number),
      uuid: 'fixed-uuid',
      created: false,
      existing: { jobName: JOB, payload: '{"n":1}', runAs: 'user-7' },
    });
    expect(a.id).not.toBe(b.id);
  });

  it('enqueues of one key racing on separate connections create one task; the others get it', async () => {
    const { engine } = get();
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          engine.enqueueUnique(newTask({ payload: `{"racer":${i}}` }), dedup({ key: `race-${round}` })),
        ),
      );
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      for (const r of results) expect(r.id).toBe(created[0].id);
    }
    expect(await get().dataSource.getRepository(Task).count()).toBe(5);
  });
}
