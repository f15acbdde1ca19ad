import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { describeForDialects } from '../support/databases.js';
import { bootApp } from '../support/test-app.js';
import { buildCliFixtures, json } from './support/kronos-cli.js';
import { useFixtureApp } from './support/fixture-app.js';

/** The fixture app's job, declared in this process to queue a task of it. */
@Injectable()
class FixtureJobs {
  @Job('report.send')
  async send() {}
}

/** `kronos groups`: groups with their paused state, counts and rate limit, and pausing / resuming one. */
describeForDialects('kronos groups', (dialect) => {
  const fx = useFixtureApp(dialect);
  beforeAll(() => buildCliFixtures(), 180_000);

  it('lists groups with their queued tasks and rate limit, pauses one (stored, with who paused it) and resumes it', async () => {
    const web = await bootApp(fx.db, [FixtureJobs], { worker: false });
    try {
      await web.scheduler.enqueue('report.send', { to: 'a' });
      const listed = await fx.cli('groups');
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^GROUP\s+STATE\s+QUEUED\s+RUNNING\s+WORKERS\s+RATE LIMIT\s+PAUSED AT\s+PAUSED BY$/);
      // The application's rate-limited group (its groups option), listed with its limit though no task uses it yet.
      expect(lines.find((l) => l.startsWith('mail'))).toMatch(/^mail\s+active\s+0\s+0\s+0\s+50\/1m \(0 used\)$/);
      // The fixture app's recurring jobs wait QUEUED in the group too.
      const queued = (await web.scheduler.groups()).find((g) => g.name === 'main')!.queued;
      expect(queued).toBeGreaterThanOrEqual(1);
      expect(lines.find((l) => l.startsWith('main'))).toMatch(new RegExp(`^main\\s+active\\s+${queued}\\s+0\\s+0`));

      expect(json(await fx.cli('groups', 'pause', 'main', '--json'))).toEqual({
        group: 'main',
        paused: true,
        changed: true,
      });
      expect((await fx.cli('groups', 'pause', 'main')).stdout).toContain('Group main was already paused.');
      const paused = json<{ name: string; paused: boolean; pausedBy: string | null; rateLimit: unknown }[]>(
        await fx.cli('groups', '--json'),
      );
      expect(paused.find((g) => g.name === 'main')).toMatchObject({
        paused: true,
        pausedBy: expect.stringMatching(/^kronos-cli/),
        rateLimit: null,
      });
      expect(paused.find((g) => g.name === 'mail')!.rateLimit).toEqual({ limit: 50, perMs: 60_000, used: 0 });
      expect((await web.scheduler.groups()).find((g) => g.name === 'main')!.paused).toBe(true);

      expect((await fx.cli('groups', 'resume', 'main')).stdout).toContain('Group main resumed.');
      expect((await web.scheduler.groups()).find((g) => g.name === 'main')!.paused).toBe(false);

      const bad = await fx.cli('groups', 'pause', 'x'.repeat(65));
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(`Invalid group "${'x'.repeat(65)}"`);
    } finally {
      await web.close();
    }
  }, 60_000);
});
