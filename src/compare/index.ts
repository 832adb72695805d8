/** `minnow compare`: the same app built on several bases, rows of size and attack surface, and their renderings. */
export { defaultCompareBases, parseCompareBase, articleSize, type CompareBase } from './bases.js';
export { rowOf, type CompareRow } from './rows.js';
export { compareBases, type CompareOptions, type CompareResult } from './compare-bases.js';
export {
  DEFAULT_DOCKERFILE_BASES,
  dockerfileCompareRows,
  type DockerfileRowsOptions,
} from './dockerfile-rows.js';
export { compareColumns, renderCompareMarkdown, renderCompareText } from './render-text.js';
export { renderCompareHtml } from './render-html.js';
export { diffRevisions, type DiffRevisionsOptions, type RevisionsDiff } from './diff-revisions.js';
