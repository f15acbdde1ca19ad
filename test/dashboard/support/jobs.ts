import { Injectable } from '@nestjs/common';
import { Job, JobContext, ScheduledTask } from '../../../lib/index.js';

/** The jobs the dashboard specs steer. */
@Injectable()
export class DashboardTestJobs {
  readonly echoed: unknown[] = [];

  @Job('echo', { description: 'Returns its payload', sensitive: ['password', 'card.number', 'cards.*.cvc', 'token'] })
  async echo(payload: unknown, ctx: JobContext) {
    ctx.log('echoing', JSON.stringify(payload));
    this.echoed.push(payload);
    return payload;
  }

  /** Runs until stopped, reporting progress. */
  @Job('slow', { timeout: '2m' })
  async slow(_payload: unknown, ctx: JobContext) {
    ctx.progress(40, 'half-way there');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Repeats its payload's secrets wherever a job can: output, progress, error message. */
  @Job('leak', { sensitive: ['password', 'cards.*.cvc'] })
  async leak(payload: { password: string; cards: { cvc: string }[]; wait?: boolean }, ctx: JobContext) {
    ctx.log(`signing in with ${payload.password}, card code ${payload.cards[0].cvc}`);
    ctx.progress(50, `checking ${payload.password}`);
    if (payload.wait)
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    throw new Error(`sign-in refused for ${payload.password}`);
  }

  @Job('explode')
  async explode(payload: { html: string }, ctx: JobContext) {
    ctx.log(`output ${payload.html}`);
    throw new Error(`failed on ${payload.html}`);
  }

  @ScheduledTask('nightly', {
    every: 'day',
    at: '03:00',
    timezone: 'Europe/Berlin',
    description: 'Nightly <b>report</b>',
  })
  async nightly() {
    return { ok: true };
  }
}
