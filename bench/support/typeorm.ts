import type { Server } from './settings.js';

/** TypeORM's connection options for a server of the benchmark's settings (TypeORM says `username`). */
export function typeormConnection<T extends 'postgres' | 'mysql'>(type: T, server: Server) {
  return {
    type,
    host: server.host,
    port: server.port,
    username: server.user,
    password: server.password,
    database: server.database,
  };
}
