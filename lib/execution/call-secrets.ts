import { REDACTED, secretForms, secretPattern, sensitiveValues } from '../dashboard/redact.js';

/**
 * The sensitive payload values of the tasks of one batch handler call, to keep each task's
 * output and progress message free of the others' values.
 *
 * The dashboard redacts a task's texts by that task's own payload only (docs/dashboard.md,
 * "Redaction"), as it does for a single task. A batch handler's lines can name any task of the
 * call (`ctx.log('sending', mails)` goes to every task's output), so before a line reaches task
 * `i`, the sensitive values of the call's other tasks are replaced by `[redacted]`; task `i`'s own
 * values are stored as written, as a single task's are, and redacted by the pages.
 */
export class CallSecrets {
  private readonly pattern: RegExp;

  private constructor(
    values: string[],
    /** Each form of a sensitive value, with the indexes of the tasks whose payload holds it. */
    private readonly owners: Map<string, Set<number>>,
  ) {
    this.pattern = secretPattern(values)!;
  }

  /** The secrets of a call's payloads (stored JSON, in call order), or null when there are none to hide. */
  static of(sensitive: readonly string[], payloads: readonly (string | null)[]): CallSecrets | null {
    if (sensitive.length === 0 || payloads.length < 2) return null;
    const owners = new Map<string, Set<number>>();
    const values: string[] = [];
    payloads.forEach((json, index) => {
      if (json === null || json === '') return;
      for (const value of sensitiveValues(json, sensitive, false)) {
        values.push(value);
        for (const form of secretForms(value)) {
          const holders = owners.get(form);
          if (holders) holders.add(index);
          else owners.set(form, new Set([index]));
        }
      }
    });
    return owners.size === 0 ? null : new CallSecrets(values, owners);
  }

  /** `text` as task `index` may store it: the other tasks' sensitive values replaced by `[redacted]`. */
  forTask(text: string, index: number): string {
    return text.replace(this.pattern, (match) => (this.owners.get(match)?.has(index) ? match : REDACTED));
  }
}
