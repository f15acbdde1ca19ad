/**
 * Jest in its ESM mode (Nest 12 ships ES modules only): `node --experimental-vm-modules`, the
 * TypeScript files treated as ES modules, and relative `./x.js` imports mapped to their `.ts` source.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 30000,
};
