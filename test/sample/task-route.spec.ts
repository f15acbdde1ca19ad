import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerService } from '../../lib/index.js';
import { TMP_ENV } from '../support/settings.js';

/** The sample app's `GET /tasks/:id`, as `npm start` serves it, on a scratch SQLite file. */
describe('the sample app: GET /tasks/:id', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    process.env.KRONOS_SAMPLE_DB = join(
      mkdtempSync(join(process.env[TMP_ENV] || tmpdir(), 'kronos-sample-')),
      'sample.db',
    );
    const { AppModule } = await import('../../sample/app.module.js');
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app?.close());

  it('answers a task that exists with its status', async () => {
    const { id } = await app.get(SchedulerService).enqueue('records.cleanup', undefined, { delay: '1h' });
    const response = await fetch(`${url}/tasks/${id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ task: { id, jobName: 'records.cleanup' } });
  });

  it.each(['abc', '0', '999999', '2147483648', String(2 ** 40), '1e3', '99999999999999999999999'])(
    'answers %s with 404 naming the id, never a 500',
    async (id) => {
      const response = await fetch(`${url}/tasks/${id}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: 404, message: `Task "${id}" does not exist.` });
    },
  );
});
