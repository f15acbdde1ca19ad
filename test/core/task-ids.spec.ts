import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job, TaskNotFoundError } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp, CORE_DIALECTS, freshDatabase, type TestApp } from '../support/test-app.js';

@Injectable()
class IdJobs {
  @Job('ids.echo')
  async echo(payload: unknown) {
    return payload;
  }
}

/** Every value that cannot be a task id: ids are positive integers of a 32-bit column. */
const NOT_IDS: [string, unknown, RegExp][] = [
  ['a word', 'abc', /^Task "abc" does not exist: a task id is a positive integer\.$/],
  ['a numeric string', '12', /^Task "12" does not exist: a task id is a positive integer\.$/],
  ['2 ** 40', 2 ** 40, /^Task 1099511627776 does not exist: task ids run from 1 to 2147483647\.$/],
  ['2 ** 31, one past the column', 2 ** 31, /^Task 2147483648 does not exist: task ids run from 1 to 2147483647\.$/],
  ['zero', 0, /^Task 0 does not exist: task ids run from 1 to 2147483647\.$/],
  ['a negative id', -3, /^Task -3 does not exist: task ids run from 1 to 2147483647\.$/],
  ['a fraction', 1.5, /^Task 1\.5 does not exist: a task id is a positive integer\.$/],
  ['NaN', Number.NaN, /^Task NaN does not exist: a task id is a positive integer\.$/],
  ['Infinity', Number.POSITIVE_INFINITY, /^Task Infinity does not exist: a task id is a positive integer\.$/],
  ['null', null, /^Task null does not exist: a task id is a positive integer\.$/],
];

describeForDialects(
  'task ids given to the service',
  (dialect) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp(await freshDatabase(dialect), [IdJobs], { worker: false });
    });
    afterAll(() => t?.close());

    it.each(NOT_IDS)(
      'status, stop and runs({ taskId }) refuse %s with TaskNotFoundError, the same on every database',
      async (_what, id, message) => {
        for (const call of [
          () => t.scheduler.status(id as number),
          () => t.scheduler.stop(id as number),
          () => t.scheduler.runs({ taskId: id as number }),
        ]) {
          const error = await call().then(
            () => null,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TaskNotFoundError);
          expect((error as Error).message).toMatch(message);
          expect((error as TaskNotFoundError).taskId).toBe(id);
        }
      },
    );

    it('the largest id the column holds is looked up like any other', async () => {
      const error = await t.scheduler.status(2_147_483_647).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect((error as Error).message).toBe('Task 2147483647 does not exist.');
      await expect(t.scheduler.stop(2_147_483_647)).rejects.toThrow('Task 2147483647 does not exist.');
      expect(await t.scheduler.runs({ taskId: 2_147_483_647 })).toEqual([]);
    });

    it('an existing task is found by its id', async () => {
      const { id } = await t.scheduler.enqueue('ids.echo', { n: 1 });
      expect((await t.scheduler.status(id)).task.id).toBe(id);
      expect(await t.scheduler.stop(id)).toBe('STOPPED');
    });
  },
  CORE_DIALECTS,
);
