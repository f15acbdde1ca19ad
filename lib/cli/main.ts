#!/usr/bin/env node
/**
 * The `kronos` command. Boots the application's compiled Nest module without its HTTP server
 * and runs one command on it; see `kronos --help` and docs/cli.md.
 */
import 'reflect-metadata';
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
process.exitCode = code;
// Whatever the application left open (a timer, a pool) must not keep the command alive.
setTimeout(() => process.exit(code), 1000).unref();
