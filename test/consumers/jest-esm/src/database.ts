import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { KRONOS_MIGRATIONS } from 'nestjs-kronos';

/**
 * PostgreSQL when DATABASE_URL is set (the schema built by Kronos's migrations, in DB_SCHEMA if
 * given), else a SQLite file (SQLITE_FILE, default reports.db) built by synchronize.
 */
export function databaseOptions(env: NodeJS.ProcessEnv = process.env): TypeOrmModuleOptions {
  if (env.DATABASE_URL) {
    return {
      type: 'postgres',
      url: env.DATABASE_URL,
      schema: env.DB_SCHEMA || undefined,
      autoLoadEntities: true,
      migrations: [...KRONOS_MIGRATIONS.postgres],
      migrationsRun: true,
    };
  }
  return { type: 'better-sqlite3', database: env.SQLITE_FILE || 'reports.db', autoLoadEntities: true, synchronize: true };
}
