import { KronosInitPostgres1764000000000 } from './1764000000000-kronos-init.js';

export { KronosInitPostgres1764000000000 };
export const POSTGRES_MIGRATIONS = [KronosInitPostgres1764000000000];
