import { KronosInitSqlite1764000000000 } from './1764000000000-kronos-init.js';

export { KronosInitSqlite1764000000000 };
export const SQLITE_MIGRATIONS = [KronosInitSqlite1764000000000];
