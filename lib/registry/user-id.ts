import { InvalidJobOptionError } from '../errors.js';

/**
 * A `runAs` user id as Kronos stores it and hands it back: always a string. Ids are accepted as
 * strings or numbers, as applications write them (`runAs: user.id`), and numbers are stored in
 * decimal, so `runAs: 42`, `runAs: '42'` and `kronos run --as 42` all reach the resolver, in the
 * worker's process and in isolation child processes alike, as `'42'`.
 */
export function toUserId(job: string, field: string, value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidJobOptionError(
        job,
        field,
        value,
        'is not a user id: a number id must be a safe integer (pass larger or other ids as strings)',
      );
    }
    return String(value);
  }
  if (typeof value !== 'string' || value === '' || value.length > 200) {
    throw new InvalidJobOptionError(
      job,
      field,
      value,
      'is not a user id (a string of 1 to 200 characters, or an integer)',
    );
  }
  return value;
}
