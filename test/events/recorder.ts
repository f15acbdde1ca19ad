import { Injectable, type LoggerService } from '@nestjs/common';
import { OnTaskEvent, type TaskEvent } from '../../lib/index.js';

/** Every event this process was told, through a decorated method listening to all types. */
@Injectable()
export class EventRecorder {
  static events: TaskEvent[] = [];

  @OnTaskEvent(['completed', 'failed', 'timeout', 'retrying', 'stopped', 'interrupted', 'lost', 'expired'])
  record(event: TaskEvent): void {
    EventRecorder.events.push(event);
  }

  static of(taskId: number): TaskEvent[] {
    return EventRecorder.events.filter((event) => event.taskId === taskId);
  }
}

/** A logger that keeps every line with its context, for assertions on what Kronos logged. */
export class ContextLogger implements LoggerService {
  readonly lines: { level: string; message: string; context: unknown; raw: unknown }[] = [];
  log(message: unknown, context?: unknown) {
    this.lines.push({ level: 'log', message: String(message), context, raw: message });
  }
  warn(message: unknown, context?: unknown) {
    this.lines.push({ level: 'warn', message: String(message), context, raw: message });
  }
  error(message: unknown, _stack?: unknown, context?: unknown) {
    this.lines.push({ level: 'error', message: String(message), context, raw: message });
  }
  debug() {}
  verbose() {}
}
