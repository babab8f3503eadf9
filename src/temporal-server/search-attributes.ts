/**
 * Custom search attributes of RLAIF runs, name -> Temporal type. The dev server registers them at
 * start; workflows set them so runs can be listed and filtered in the UI by round, stage and status.
 * Plain data with no imports, so workflow code can use the names.
 */
export const SEARCH_ATTRIBUTES = {
  /** The round in progress. */
  RlaifRound: 'Int',
  /** The stage in progress, such as generate or judge. */
  RlaifStage: 'Keyword',
  /** The run's status as the workflow sees it. */
  RlaifStatus: 'Keyword',
  /** Which run configuration the run uses. */
  RlaifConfig: 'Keyword',
} as const;
