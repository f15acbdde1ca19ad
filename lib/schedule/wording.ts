/**
 * English wording of schedules, shared by `parseSchedule` (which stores a label) and
 * `describeSchedule`.
 */

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const UNITS: Array<[number, string]> = [
  [604_800_000, 'week'],
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
  [1, 'millisecond'],
];

/** `'1 minute'`, `'10 minutes'`, `'90 seconds'`: the largest unit that divides `ms` exactly. */
export function durationWords(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} milliseconds`;
}

/** `'every minute'`, `'every 10 minutes'`, `'every 2 hours'`. */
export function intervalWords(everyMs: number): string {
  const words = durationWords(everyMs);
  return words.startsWith('1 ') ? `every ${words.slice(2)}` : `every ${words}`;
}

/** `'Monday, Wednesday and Friday'`. */
export function listWords(items: Array<string | number>): string {
  const texts = items.map(String);
  if (texts.length <= 1) return texts.join('');
  return `${texts.slice(0, -1).join(', ')} and ${texts[texts.length - 1]}`;
}

/** `'08:05'`. */
export function clockWords(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** `'every Sunday at 23:30 Europe/Berlin'`, `'every Monday and Friday at 08:00 UTC'`. */
export function weekdaysWords(days: number[], time: string, timezone: string): string {
  return `every ${listWords(days.map((d) => WEEKDAY_NAMES[d - 1]))} at ${time} ${timezone}`;
}

/** `'at 02:30 on days 1 and 15 of the month UTC'`. */
export function monthdaysWords(days: number[], time: string, timezone: string): string {
  return `at ${time} on day${days.length === 1 ? '' : 's'} ${listWords(days)} of the month ${timezone}`;
}

/** `'every day at 06:00 UTC'`, `'every 2 days at 06:00 UTC'`, `'every week at 06:00 UTC'`. */
export function dailyWords(dayStep: number, time: string, timezone: string): string {
  let period: string;
  if (dayStep === 1) period = 'day';
  else if (dayStep === 7) period = 'week';
  else if (dayStep % 7 === 0) period = `${dayStep / 7} weeks`;
  else period = `${dayStep} days`;
  return `every ${period} at ${time} ${timezone}`;
}

/** `'cron *\/5 * * * * UTC'`. */
export function cronWords(expression: string, timezone: string): string {
  return `cron ${expression} ${timezone}`;
}
