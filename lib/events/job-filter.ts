/**
 * A listener's `job` option as a test on job names: an exact name, a glob (`*` for any
 * characters) or a regular expression. Returns null when the value is none of these.
 */
export function jobFilter(job: unknown): ((name: string) => boolean) | null {
  if (job instanceof RegExp) {
    const pattern = new RegExp(job.source, job.flags.replace(/[gy]/g, '')); // no lastIndex state between tests
    return (name) => pattern.test(name);
  }
  if (typeof job !== 'string' || job.length === 0) return null;
  if (!job.includes('*')) return (name) => name === job;
  const glob = new RegExp(`^${job.split('*').map(escapeRegExp).join('.*')}$`);
  return (name) => glob.test(name);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
