/**
 * The table of paused groups (queue control, docs/dashboard.md), named after the task table so a
 * schema, database or `entityPrefix` that applies to it applies to it too: `kronos_task` gives
 * `kronos_task_group`. `task` is the quoted (and maybe qualified) task table name; the suffix
 * goes inside its closing quote. A group is paused while it has a row.
 */
export function groupTable(task: string): string {
  return `${task.slice(0, -1)}_group${task.slice(-1)}`;
}

/**
 * The table of group rate limits' windows (`groups: { name: { rateLimit } }`,
 * docs/flow-control.md): one row per rate-limited group, holding the start of the window last
 * counted and the claims counted in it. Named after the task table as {@link groupTable} is:
 * `kronos_task` gives `kronos_task_group_rate`.
 */
export function groupRateTable(task: string): string {
  return `${task.slice(0, -1)}_group_rate${task.slice(-1)}`;
}
