import 'reflect-metadata';
import { freshDatabase } from '../support/test-app.js';
import { buildCliFixtures, FIXTURE_APP, fixtureEnv, kronos, type CliResult } from './support/kronos-cli.js';

/**
 * Several `kronos` processes started at the same moment on one new SQLite file: they contend for
 * its locks while they start (switching the file to WAL needs it exclusively), and each must wait
 * its turn instead of failing with "database is locked".
 */
describe('kronos processes starting together on one SQLite file', () => {
  beforeAll(() => buildCliFixtures(), 180_000);

  const COMMANDS = [
    ['list'],
    ['list', '--json'],
    ['discover'],
    ['runs'],
    ['workers'],
    ['status'],
    ['run', 'report.send', '--payload', '{"to":"a@example.com"}'],
    ['run', 'cleanup.hourly'],
  ];
  const ROUNDS = 8;

  it(`all start and exit 0 (${COMMANDS.length} processes at once, ${ROUNDS} times)`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const db = await freshDatabase('sqlite');
      const env = fixtureEnv(db.options);
      const results = await Promise.all(COMMANDS.map((args) => kronos([...args, '--app', FIXTURE_APP], { env })));
      const failed = results
        .map((result: CliResult, i) => ({ command: COMMANDS[i].join(' '), ...result }))
        .filter((result) => result.code !== 0)
        .map((result) => `round ${round}: kronos ${result.command} exited ${result.code}: ${result.stderr.trim()}`);
      expect(failed).toEqual([]);
    }
  }, 240_000);
});
