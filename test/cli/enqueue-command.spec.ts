import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Task } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { buildCliFixtures, json } from './support/kronos-cli.js';
import { useFixtureApp } from './support/fixture-app.js';

/** `kronos enqueue`: one task, or a JSON Lines file in one transaction, on every database. */
describeForDialects('kronos enqueue', (dialect) => {
  const fx = useFixtureApp(dialect);
  beforeAll(() => buildCliFixtures(), 180_000);

  const file = (name: string, lines: string[]) => {
    const path = join(fx.dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  it('--many with a job name queues one task per line and prints the ids in file order', async () => {
    const path = file('payloads.jsonl', [
      '{"to":"a@example.com"}',
      '',
      '{"to":"b@example.com"}',
      '{"to":"c@example.com"}',
    ]);
    const result = await fx.cli('enqueue', 'report.send', '--many', path, '--json');
    expect(result.code).toBe(0);
    const ids = json<{ id: number; uuid: string }[]>(result);
    expect(ids).toHaveLength(3);
    const rows = await fx.inspect((ds) =>
      ds.getRepository(Task).find({ where: ids.map(({ id }) => ({ id })), order: { id: 'ASC' } }),
    );
    expect(rows.map((row) => [row.id, row.jobName, JSON.parse(row.payload!).to])).toEqual([
      [ids[0].id, 'report.send', 'a@example.com'],
      [ids[1].id, 'report.send', 'b@example.com'],
      [ids[2].id, 'report.send', 'c@example.com'],
    ]);
  });

  it('--many without a job name takes items with their own jobs and options', async () => {
    const path = file('items.jsonl', [
      '{"job":"report.send","payload":{"to":"x@example.com"},"uuid":"cli-bulk-1","priority":4}',
      '{"job":"report.slow","payload":{"steps":1},"delay":"1h"}',
    ]);
    const result = await fx.cli('enqueue', '--many', path);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('kronos: queued 2 tasks');
    const ids = result.stdout.trim().split('\n').map(Number);
    const rows = await fx.inspect((ds) => ds.getRepository(Task).findBy(ids.map((id) => ({ id }))));
    expect(rows.find((row) => row.id === ids[0])).toMatchObject({
      jobName: 'report.send',
      uuid: 'cli-bulk-1',
      priority: 4,
    });
    expect(rows.find((row) => row.id === ids[1])!.nextRunTime).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it('a refused line is named by its line number and nothing is queued', async () => {
    const path = file('bad.jsonl', ['{"job":"report.send"}', '{"job":"report.sned"}']);
    const result = await fx.cli('enqueue', '--many', path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}:2: Unknown job "report.sned"`);
    const notJson = await fx.cli('enqueue', 'report.send', '--many', file('broken.jsonl', ['{}', '{nope']));
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('broken.jsonl:2: not JSON');
    expect(await fx.inspect((ds) => ds.getRepository(Task).countBy({ jobName: 'report.send', status: 'QUEUED' }))).toBe(
      0,
    );
  });

  it('without --many queues one task of the job with the --payload given', async () => {
    const result = await fx.cli(
      'enqueue',
      'report.send',
      '--payload',
      '{"to":"one@example.com"}',
      '--as',
      '7',
      '--json',
    );
    expect(result.code).toBe(0);
    const [{ id }] = json<{ id: number }[]>(result);
    const row = await fx.inspect((ds) => ds.getRepository(Task).findOneByOrFail({ id }));
    expect(row).toMatchObject({ jobName: 'report.send', runAs: '7', payload: '{"to":"one@example.com"}' });
  });
});
