/**
 * The Node.js flags the service files of `kronos export-systemd` and `kronos export-supervisord`
 * start `kronos worker` with (their `--node-flags` option replaces them).
 *
 * `--max-semi-space-size=4`: V8's young generation in 4 MB semi-spaces instead of 16 MB. A Nest
 * application grows its young generation to the maximum while it loads, and a worker draining a
 * backlog then touches all of it: 15-20 MB more resident memory per process for nothing a
 * queue worker needs. With 4 MB the benchmark's worker peaked at 102-107 MB instead of
 * 120-123 MB, at the same or a slightly higher throughput (docs/performance.md, "Memory").
 *
 * A library cannot choose V8 flags for the application it is part of, and Kronos does not try:
 * a worker inside your application runs with whatever flags the application starts with. A
 * dedicated worker process started from these service files is Kronos's own, so it gets them.
 * Flags on the command line take precedence over `NODE_OPTIONS`, so change them with
 * `--node-flags` rather than in an environment file.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
