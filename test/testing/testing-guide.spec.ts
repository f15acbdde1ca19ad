import { readFileSync } from 'node:fs';

/**
 * docs/testing.md shows the testing guide's files of the vitest consumer application (the docs
 * check compares them character for character); the jest one runs the very same files.
 */
describe("the testing guide's example", () => {
  it.each(['app.module.ts', 'weekly-report.spec.ts'])(
    '%s is the same file in the vitest and the jest consumer applications',
    (file) => {
      const vitest = readFileSync(`test/consumers/esm-vitest/src/testing-guide/${file}`, 'utf8');
      const jest = readFileSync(`test/consumers/jest-esm/src/testing-guide/${file}`, 'utf8');
      expect(jest).toBe(vitest);
    },
  );
});
