/**
 * minnow's library API. The CLI is a thin layer over these functions; everything here returns data and never
 * prints.
 */
export * from './errors.js';
export * from './oci/index.js';
export { readLayout, type LayoutReadOptions } from './base/layout.js';
export { writeLayout, type LayoutWriteOptions, type LayoutWriteResult } from './publish/layout.js';
export { writeTarball, type TarballWriteOptions, type TarballWriteResult } from './publish/tarball.js';
export * from './registry/index.js';
export {
  listPlatforms,
  pullImage,
  readRegistry,
  selectFromIndex,
  type PulledTarget,
  type RegistryReadOptions,
} from './base/registry.js';
export { pushImage, type PushOptions, type PushResult } from './publish/registry.js';
export {
  generateDockerfile,
  writeDockerfile,
  type DockerfileOptions,
  type GeneratedDockerfile,
  type WriteDockerfileOptions,
  type WrittenDockerfile,
} from './dockerfile/generate.js';
export {
  lintFile,
  lintText,
  lintModel,
  failsAt,
  type LintOptions,
  type LintResult,
} from './dockerfile/lint/lint.js';
export type { Finding, Location, RuleMeta, Severity as LintSeverity } from './dockerfile/lint/types.js';
export { RULES as DOCKERFILE_RULES } from './dockerfile/lint/rules/index.js';
export { formatText as formatLintText } from './dockerfile/lint/format-text.js';
export { formatJson as formatLintJson } from './dockerfile/lint/format-json.js';
export { formatSarif as formatLintSarif, toSarif } from './dockerfile/lint/format-sarif.js';
export {
  buildGeneratedImage,
  dockerBuild,
  type DockerBuildOptions,
  type DockerBuildResult,
} from './dockerfile/docker-build.js';
export { dockerfileCompareRows, type DockerfileRowsOptions } from './dockerfile/compare-rows.js';
