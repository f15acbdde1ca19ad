import { Injectable } from '@nestjs/common';
import { Job, JobContext } from '../../lib/index.js';

/** A job that fails now and then, so the failure alerts have something to say. */
@Injectable()
export class NotifyJobs {
  /** Queued for some approved records: tells the record's owner. The demo mail server refuses values above 80. */
  @Job('notify.owner', { retries: 1, description: 'Mail the owner of an approved record' })
  async owner(payload: { recordId: number; value: number }, ctx: JobContext) {
    if (payload.value > 80) throw new Error(`mail server refused the message about record ${payload.recordId}`);
    ctx.log(`owner of record ${payload.recordId} notified`);
    return { notified: payload.recordId };
  }
}
