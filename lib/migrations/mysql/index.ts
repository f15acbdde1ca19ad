import { KronosInitMysql1764000000000 } from './1764000000000-kronos-init.js';

export { KronosInitMysql1764000000000 };
export const MYSQL_MIGRATIONS = [KronosInitMysql1764000000000];
