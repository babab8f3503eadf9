/**
 * The tests against a real Ollama server (`npm run test:real`), kept out of `npm test`: they need
 * the Ollama binary, which scripts/test-real.js finds or has setup build. Their files end in
 * `.real-test.ts`, which the main config's `*.test.js` pattern does not match. One file at a time:
 * each starts its own Ollama and Temporal dev server, and the machine has two cores.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/tests/real'],
  testMatch: ['**/*.real-test.js'],
  testTimeout: 240000,
  maxWorkers: 1,
};
