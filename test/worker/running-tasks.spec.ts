import type { RunningTask } from '../../lib/execution/task-runner.js';
import { RunningTasks } from '../../lib/worker/running-tasks.js';

// The collection only reads an attempt's task id and its slot.
const attempt = (id: number) => ({ slot: -1, task: { id } }) as unknown as RunningTask;
const ids = (running: RunningTasks) =>
  running
    .values()
    .map((r) => r.task.id)
    .sort((a, b) => a - b);

describe('RunningTasks (the attempts a worker runs)', () => {
  it('adds, finds and removes attempts by task id, in any order', () => {
    const running = new RunningTasks();
    const attempts = [1, 2, 3, 4, 5].map(attempt);
    attempts.forEach((a) => running.add(a));
    expect(running.size).toBe(5);
    expect(running.remove(attempts[1])).toBe(true); // from the middle: the last one moves in
    expect(running.remove(attempts[4])).toBe(true); // the last
    expect(running.remove(attempts[0])).toBe(true); // the first
    expect(ids(running)).toEqual([3, 4]);
    expect(running.get(4)).toBe(attempts[3]);
    expect(running.has(2)).toBe(false);
    expect(running.get(2)).toBeUndefined();
  });

  it('ignores removing an attempt twice and adding one twice', () => {
    const running = new RunningTasks();
    const a = attempt(7);
    running.add(a);
    running.add(a);
    expect(running.size).toBe(1);
    expect(running.remove(a)).toBe(true);
    expect(running.remove(a)).toBe(false);
    expect(running.size).toBe(0);
  });

  it('iterates over a snapshot, so attempts may leave during the loop', () => {
    const running = new RunningTasks();
    const attempts = [1, 2, 3].map(attempt);
    attempts.forEach((a) => running.add(a));
    const visited: number[] = [];
    for (const a of running) {
      visited.push(a.task.id);
      running.remove(a);
    }
    expect(visited.sort()).toEqual([1, 2, 3]);
    expect(running.size).toBe(0);
  });
});
