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
export { analyzeImage, type AnalyzeOptions } from './analyze/analyze.js';
export { openImage, pickImage, type OpenImageOptions } from './analyze/open.js';
export { enforcePolicy, parseSeverity, parseSize, policyViolations, type Policy } from './analyze/policy.js';
export {
  compareBases,
  defaultCompareBases,
  type CompareBase,
  type CompareOptions,
  type CompareResult,
  type CompareRow,
} from './analyze/compare.js';
export { IMAGE_RULES, type RuleInfo } from './analyze/rules/index.js';
export { renderSbom, sbomComponents, toCycloneDx, toSpdx, type SbomFormat } from './analyze/sbom/index.js';
export type * from './analyze/types.js';
export { readBuildInfo, BuildInfoScanner, type GoBuildInfo, type GoModule } from './go/buildinfo.js';
export { readDockerArchive, type DockerArchiveReadOptions } from './base/docker-archive.js';
export { readDaemon, removeDaemonSpools, type DaemonReadOptions } from './base/daemon.js';
