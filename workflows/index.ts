/**
 * The workflow-safe entry point: a user's own workflows file re-exports these
 * (`export * from 'temporal-rlaif/workflows'`), because a TypeScript plugin cannot ship
 * workflows by itself.
 */
export { rlaifRun, type RunSummary, type CarriedState } from './run';
export { rlaifRound } from './round';
export * from './definitions';
