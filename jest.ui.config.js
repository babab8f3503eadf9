/**
 * The browser test of the Temporal UI (`npm run test:ui`), kept out of `npm test`: it needs
 * Chromium, which scripts/test-ui.js provides. Its files end in `.ui-test.ts`, which the main
 * config's `*.test.js` pattern does not match.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/tests/ui'],
  testMatch: ['**/*.ui-test.js'],
  testTimeout: 180000,
  maxWorkers: 1,
};
