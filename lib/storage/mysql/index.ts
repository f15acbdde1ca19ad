export { MysqlEngine } from './mysql.engine.js';
