/** The test's workflows: the package's, with the `filter-pairs` stage type registered in the bundle. */
import './filter-pairs';

export * from '../../workflows';
