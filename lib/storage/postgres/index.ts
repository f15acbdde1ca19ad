export { PostgresEngine, type PostgresEngineOptions } from './postgres.engine.js';
