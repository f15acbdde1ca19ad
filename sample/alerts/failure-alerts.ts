import { Injectable, Logger } from '@nestjs/common';
import { OnTaskEvent, type TaskEventOf } from '../../lib/index.js';

/** What an alert said, kept for GET /alerts. */
export interface Alert {
  at: string;
  job: string;
  taskId: number;
  attempt: number;
  userId: string | null;
  error: string;
}

/**
 * Failure alerts: told when a task failed for good (its retries used up). A real application
 * would page someone or post to a chat; the sample logs the alert and keeps the last 20.
 */
@Injectable()
export class FailureAlerts {
  private readonly logger = new Logger('Alerts');
  readonly recent: Alert[] = [];

  @OnTaskEvent('failed')
  alert(event: TaskEventOf<'failed'>): void {
    const alert = {
      at: new Date(event.finishedAt).toISOString(),
      job: event.job,
      taskId: event.taskId,
      attempt: event.attempt,
      userId: event.userId,
      error: event.error.message,
    };
    this.recent.unshift(alert);
    this.recent.length = Math.min(this.recent.length, 20);
    this.logger.error(
      `ALERT ${event.job} task ${event.taskId} failed after ${event.attempt} attempt(s)${event.userId ? ` (user ${event.userId})` : ''}: ${event.error.message}`,
    );
  }
}
