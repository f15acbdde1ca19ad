/**
 * The tables of dependencies and batches (docs/flow-control.md), named after the task table so a
 * schema, database or `entityPrefix` that applies to it applies to them: `kronos_task` gives
 * `kronos_task_dependency` and `kronos_task_batch`. `task` is the quoted (and maybe qualified)
 * task table name; the suffix goes inside its closing quote.
 */
export function flowTables(task: string): { dependency: string; batch: string } {
  const suffixed = (suffix: string) => `${task.slice(0, -1)}${suffix}${task.slice(-1)}`;
  return { dependency: suffixed('_dependency'), batch: suffixed('_batch') };
}
