import type { INestApplicationContext, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KronosRuntime } from '../kronos.runtime.js';
import { SchedulerBootstrap } from '../scheduler.bootstrap.js';
import { SchedulerService } from '../service/scheduler.service.js';
import { CliError } from './cli-error.js';
import { CliLogger } from './cli-logger.js';

/** Where the application module is: a compiled file and the name of its exported module class. */
export interface AppLocation {
  /** The module class itself (a `kronos.config.js` may export it), or a file to import. */
  module?: Type<unknown>;
  file?: string;
  exportName?: string;
  /** Where the setting was found, for messages. */
  origin: string;
}

/** What `kronos.config.js` (or the `kronos` section of package.json) may hold. */
export interface KronosCliConfig {
  /** `'dist/app.module.js#AppModule'`, or the module class. */
  app?: string | Type<unknown>;
}

export const CONFIG_FILES = ['kronos.config.js', 'kronos.config.mjs'];

/** `dist/app.module.js#AppModule` -> file and export name (default: the default export, else AppModule). */
export function parseAppSpec(spec: string, origin: string, cwd: string): AppLocation {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const exportName = hash > 0 ? spec.slice(hash + 1) : undefined;
  return { file: isAbsolute(file) ? file : resolve(cwd, file), exportName, origin };
}

/**
 * Find the application: `--app`, else `KRONOS_APP`, else `kronos.config.js` (or `--config`),
 * else the `kronos` section of package.json, all relative to the working directory.
 */
export async function locateApp(
  options: { app?: string; config?: string },
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<AppLocation> {
  if (options.app) return parseAppSpec(options.app, '--app', cwd);
  if (env.KRONOS_APP) return parseAppSpec(env.KRONOS_APP, 'KRONOS_APP', cwd);
  const configFile = options.config
    ? resolve(cwd, options.config)
    : CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  if (configFile) {
    if (!existsSync(configFile)) throw new CliError(`The configuration file ${configFile} does not exist.`);
    const config: KronosCliConfig =
      ((await import(pathToFileURL(configFile).href)) as { default?: KronosCliConfig }).default ?? {};
    if (typeof config.app === 'function') return { module: config.app, origin: configFile };
    if (typeof config.app === 'string') return parseAppSpec(config.app, configFile, cwd);
    throw new CliError(`${configFile} has no "app": export default { app: 'dist/app.module.js#AppModule' }.`);
  }
  const pkgFile = resolve(cwd, 'package.json');
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { kronos?: KronosCliConfig };
    if (typeof pkg.kronos?.app === 'string') return parseAppSpec(pkg.kronos.app, `${pkgFile} ("kronos")`, cwd);
  }
  throw new CliError(
    'No application to boot: pass --app dist/app.module.js#AppModule, set KRONOS_APP, add kronos.config.js, or a "kronos": { "app": ... } section to package.json.',
  );
}

async function loadModule(location: AppLocation): Promise<Type<unknown>> {
  if (location.module) return location.module;
  const file = location.file!;
  if (!existsSync(file))
    throw new CliError(
      `The application module ${file} (from ${location.origin}) does not exist. Build the application first.`,
    );
  const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const names = Object.keys(exports).filter((key) => typeof exports[key] === 'function');
  // Without a name: the default export, else AppModule, else the file's only exported class.
  const name =
    location.exportName ??
    ('default' in exports ? 'default' : names.length === 1 && !('AppModule' in exports) ? names[0] : 'AppModule');
  const module = exports[name];
  if (typeof module !== 'function') {
    throw new CliError(
      `${file} has no exported module class "${name}" (exported classes: ${names.join(', ') || 'none'}). Name it: --app ${location.file}#Name.`,
    );
  }
  return module as Type<unknown>;
}

/** The booted application and the Kronos pieces the commands use. */
export interface KronosApp {
  context: INestApplicationContext;
  scheduler: SchedulerService;
  runtime: KronosRuntime;
  bootstrap: SchedulerBootstrap;
  close(): Promise<void>;
}

/**
 * Boot the application context (no HTTP server). Whether it runs a worker is decided before,
 * through the KRONOS_WORKER* environment variables its SchedulerModule reads.
 */
export async function bootApp(location: AppLocation, logLevels: LogLevel[]): Promise<KronosApp> {
  const module = await loadModule(location);
  let context: INestApplicationContext;
  try {
    context = await NestFactory.createApplicationContext(module, {
      logger: new CliLogger({ logLevels }),
      abortOnError: false,
    });
  } catch (error) {
    throw new CliError(`The application failed to start: ${(error as Error).message}`);
  }
  let scheduler: SchedulerService;
  try {
    scheduler = context.get(SchedulerService, { strict: false });
  } catch {
    await context.close();
    throw new CliError(
      `${location.file ?? location.origin} does not import SchedulerModule from this copy of nestjs-kronos: ` +
        'run the kronos command installed next to the application (npx kronos).',
    );
  }
  return {
    context,
    scheduler,
    runtime: context.get(KronosRuntime, { strict: false }),
    bootstrap: context.get(SchedulerBootstrap, { strict: false }),
    close: () => context.close(),
  };
}
