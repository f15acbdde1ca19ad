import type { ContractContext } from './fixtures.js';
import { T0 } from './fixtures.js';

/** Queue control: a paused group is stored until resumed, once, with when and by whom. */
export function groupCases(get: () => ContractContext): void {
  const clear = async () => {
    for (const g of await get().engine.pausedGroups()) await get().engine.resumeGroup(g.name);
  };
  beforeEach(clear);
  afterAll(clear);

  it('stores a pause with its time and author, reports a repeated pause as no change, and lists paused groups by name', async () => {
    const { engine } = get();
    expect(await engine.pausedGroups()).toEqual([]);
    expect(await engine.pauseGroup('reports', 'alice', T0)).toBe(true);
    expect(await engine.pauseGroup('reports', 'bob', T0 + 5)).toBe(false);
    expect(await engine.pauseGroup('emails', null, T0 + 10)).toBe(true);
    expect(await engine.pausedGroups()).toEqual([
      { name: 'emails', pausedAt: T0 + 10, pausedBy: null },
      { name: 'reports', pausedAt: T0, pausedBy: 'alice' },
    ]);
  });

  it('resumes a paused group once; resuming a group that is not paused changes nothing', async () => {
    const { engine } = get();
    await engine.pauseGroup('reports', 'alice', T0);
    expect(await engine.resumeGroup('reports')).toBe(true);
    expect(await engine.resumeGroup('reports')).toBe(false);
    expect(await engine.resumeGroup('never-paused')).toBe(false);
    expect(await engine.pausedGroups()).toEqual([]);
  });

  it('stamps a pause on the database clock when given no instant', async () => {
    const { engine } = get();
    const before = Date.now();
    await engine.pauseGroup('reports', null, null);
    const [paused] = await engine.pausedGroups();
    expect(paused.pausedAt).toBeGreaterThanOrEqual(before - 5000);
    expect(paused.pausedAt).toBeLessThanOrEqual(Date.now() + 5000);
  });
}
