/**
 * minnow's library API. The CLI is a thin layer over these functions; everything here returns data and never
 * prints.
 */
export * from './errors.js';
export * from './oci/index.js';
export { readLayout, type LayoutReadOptions } from './base/layout.js';
export { writeLayout, type LayoutWriteOptions, type LayoutWriteResult } from './publish/layout.js';
export {
  tarballStream,
  writeTarball,
  type TarballWriteOptions,
  type TarballWriteResult,
} from './publish/tarball.js';
export { build, DEFAULT_USER } from './build/build.js';
export type * from './build/types.js';
export type { LayerSize } from './build/layer-sizes.js';
export { articleBaseline, type ArticleBaseline } from './build/article-baseline.js';
export { builtinBase, BUILTIN_BASES, isBuiltinBase, type BuiltinBaseOptions } from './base/builtin.js';
export { loadCaBundle, type CaBundle } from './base/ca-certs.js';
export {
  BASE_SOURCES,
  resolveBase,
  selectPlatform,
  type BaseSource,
  type ResolveBaseOptions,
} from './base/resolve.js';
export { EngineClient, engineAddress, type EngineAddress, type EngineImage } from './engine/client.js';
export { writeDaemon, type DaemonWriteOptions, type DaemonWriteResult } from './publish/daemon.js';
export { gcLayout } from './publish/layout-gc.js';
export {
  checkOutput,
  defaultOutput,
  hostImage,
  parseOutput,
  writeOutput,
  type OutputResult,
  type OutputSpec,
  type WriteOutputOptions,
} from './publish/output.js';
export { findGo, type FindGoOptions } from './go/find-go.js';
export { findMainPackages, type MainPackage } from './go/list.js';
export { goBuild, goBuildArgs, type GoBuildOptions } from './go/build.js';
export { goEnvironment, platformGoEnv } from './go/platform-env.js';
export { renderBuildSummary, summarizeBuild, type BuildSummary } from './report/build-summary.js';
export { minnowCacheDir } from './util/cache-dir.js';
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
export {
  attributeBinary,
  SIZE_KINDS,
  symbolClassifier,
  type BinaryAttribution,
  type ModuleSize,
  type PackageSize,
  type SizeKind,
} from './go/attribution.js';
export {
  compressionForEngine,
  parseCompression,
  type CompressionAlgorithm,
  type CompressionChoice,
} from './build/compression-choice.js';
export { readDockerArchive, type DockerArchiveReadOptions } from './base/docker-archive.js';
export { readDaemon, removeDaemonSpools, type DaemonReadOptions } from './base/daemon.js';
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
export {
  loadConfig,
  parseConfig,
  CONFIG_FILE_NAMES,
  type ConfigProblem,
  type LoadedConfig,
} from './config/load-config.js';
export type { MinnowConfig, BuildSettings, BuildEntry, ExtraFile } from './config/schema.js';
export { configJsonSchema } from './config/json-schema.js';
export { configuredBuild, mergeBuildOptions, type ConfiguredBuild } from './config/build-options.js';
export { renderTemplate, templateValues, type TemplateValues } from './config/template.js';
export {
  resolveManifests,
  joinManifests,
  type Publisher,
  type ResolveOptions,
  type ResolveResult,
  type ResolvedReference,
} from './resolve/resolve-manifests.js';
export {
  findReferences,
  rewriteReferences,
  MINNOW_SCHEME,
  type ImageReference,
} from './resolve/find-references.js';
export { readManifests, type ManifestSource, type ReadManifestsOptions } from './resolve/read-manifests.js';
export {
  packagePublisher,
  type PackagePublisherOptions,
  type PublishEvent,
  type PushFn,
} from './resolve/package-publisher.js';
export { chooseRepo, imageRepository, type NamingStrategy } from './resolve/image-name.js';
export { kubectlApply, findKubectl, type KubectlApplyOptions } from './resolve/kubectl.js';
export {
  verifyReproducible,
  type VerifyReproducibleOptions,
  type VerifyReproducibleResult,
} from './build/verify-reproducible.js';
export { compareImages, describeDifference, type ImageDifference } from './build/compare-images.js';
export { dataLayer, DATA_PATH, DATA_PATH_ENV } from './build/data-layer.js';
export { cacheUsage, type CacheArea, type CacheAreaName, type CacheUsage } from './util/cache-usage.js';
export {
  boundCache,
  cacheBudget,
  pruneCache,
  type PruneOptions,
  type PruneResult,
} from './util/cache-prune.js';
