/**
 * minnow's library API. The CLI is a thin layer over these functions; everything here returns data and never
 * prints. Only names library users need are exported (test/public-api.test.ts snapshots the list): internals
 * stay importable inside the package only.
 */

// Errors: one class, a closed set of codes.
export {
  ERROR_CODES,
  isMinnowError,
  MinnowError,
  type ErrorCode,
  type MinnowErrorOptions,
} from './errors.js';

// The image model.
export { parseImageConfig, type ContainerConfig, type HistoryEntry, type ImageConfig } from './oci/config.js';
export type { Descriptor } from './oci/descriptor.js';
export {
  DigestingStream,
  isDigest,
  parseDigest,
  sha256,
  verifyingStream,
  type Digest,
} from './oci/digest.js';
export { fileLayer, type FileLayerInfo } from './oci/file-layer.js';
export type { Image, ImageIndex, ImageOrIndex } from './oci/image.js';
export type { Layer } from './oci/layer.js';
export {
  writeLayer,
  type LayerEntry,
  type WriteLayerOptions,
  type WrittenLayer,
} from './oci/layer-writer.js';
export {
  canonicalJson,
  parseIndexManifest,
  parseManifest,
  type IndexManifest,
  type Manifest,
} from './oci/manifest.js';
export { MediaType, type KnownMediaType } from './oci/media-types.js';
export {
  emptyImage,
  imageFromLayers,
  indexOf,
  mutate,
  type Addendum,
  type IndexEntry,
  type MutateOptions,
} from './oci/mutate.js';
export { fromIndexParts, fromParts, type ImageParts, type IndexParts } from './oci/partial.js';
export {
  formatPlatform,
  hostPlatform,
  parsePlatform,
  platformMatches,
  type Platform,
} from './oci/platform.js';
export { splitNameTag, type NameTag } from './oci/name-tag.js';
export { selectPlatform, type SelectPlatformOptions } from './oci/select-platform.js';
export { assertValid, validateImage, validateIndex } from './oci/validate.js';

// Sources: where a base comes from.
export { builtinBase, BUILTIN_BASES, isBuiltinBase, type BuiltinBaseOptions } from './base/builtin.js';
export { loadCaBundle, type CaBundle } from './base/ca-certs.js';
export { readDaemon, removeDaemonSpools, type DaemonReadOptions } from './base/daemon.js';
export { readDockerArchive, type DockerArchiveReadOptions } from './base/docker-archive.js';
export { readLayout, type LayoutReadOptions } from './base/layout.js';
export {
  listPlatforms,
  pullImage,
  readRegistry,
  type PulledTarget,
  type RegistryReadOptions,
} from './base/registry.js';
export {
  BASE_SOURCES,
  originOf,
  resolveBase,
  sourceFor,
  sourceGrammar,
  sourceHelpTable,
  type BaseSource,
  type ImageOrigin,
  type ResolveBaseOptions,
} from './base/resolve.js';

// Go.
export { goBuild, type GoBuildOptions } from './go/build.js';
export { readBuildInfo, type GoBuildInfo, type GoModule } from './go/buildinfo.js';
export { findGo, type FindGoOptions } from './go/find-go.js';
export { findMainPackages, type MainPackage } from './go/list.js';

// Build.
export { build, DEFAULT_USER } from './build/build.js';
export type { BuildOptions, BuildProgress, BuildResult, BuiltBinary, BuiltImage } from './build/types.js';
export type { LayerSize } from './build/layer-sizes.js';
export { DEFAULT_DEBUG_PORT, debugEntrypoint, type DebugOptions } from './build/debug.js';
export { DELVE_VERSION } from './go/delve.js';
// minnow debug: a toolbox beside a running container, or kubectl debug for a pod.
export {
  debugContainer,
  DEFAULT_TOOLBOX_IMAGE,
  type DebugContainerOptions,
  type DebugContainerResult,
  type ToolboxStdio,
} from './debug/engine-toolbox.js';
export { kubectlDebugCommand, runKubectlDebug, type PodTarget } from './debug/kubectl-debug.js';
export {
  verifyReproducible,
  type VerifyReproducibleOptions,
  type VerifyReproducibleResult,
} from './build/verify-reproducible.js';
export { compareImages, describeDifference, type ImageDifference } from './build/compare-images.js';
export { dataLayer, DATA_PATH, DATA_PATH_ENV } from './build/data-layer.js';

// Sinks: where an image goes.
export { writeDaemon, type DaemonWriteOptions, type DaemonWriteResult } from './publish/daemon.js';
export { writeLayout, type LayoutWriteOptions, type LayoutWriteResult } from './publish/layout.js';
export { gcLayout } from './publish/layout-gc.js';
export {
  createSink,
  daemonSink,
  defaultLayoutSink,
  fanOut,
  hostPlatformOnly,
  layoutSink,
  registrySink,
  registrySinks,
  sinkForms,
  SINK_KINDS,
  tarballSink,
  type CreateSinkOptions,
  type DaemonSinkOptions,
  type HostPlatformOptions,
  type ImageName,
  type LayoutSinkOptions,
  type RegistrySinkOptions,
  type Sink,
  type SinkKind,
  type SinkOptions,
  type SinkPlan,
  type SinkResult,
  type SinkWriteOptions,
  type TarballSinkOptions,
} from './publish/sinks/index.js';
export { pushImage, type PushOptions, type PushResult } from './publish/registry.js';
export {
  tarballStream,
  writeTarball,
  type TarballWriteOptions,
  type TarballWriteResult,
} from './publish/tarball.js';

// The registry client and credentials.
export {
  RegistryClient,
  type FetchedManifest,
  type RegistryClientOptions,
  type Repo,
} from './registry/client.js';
export {
  eraseCredential,
  lookupCredential,
  storeCredential,
  type Credential,
  type DockerConfigOptions,
} from './registry/docker-config.js';
export type { ProgressCallback, TransferProgress } from './registry/progress.js';
export { formatReference, isReference, parseReference, type Reference } from './registry/reference.js';
export { DEFAULT_RETRY, type RetryPolicy } from './registry/retry.js';
export type { TransportOptions } from './registry/transport.js';

// The Engine.
export {
  EngineClient,
  engineAddress,
  type EngineAddress,
  type EngineBuildOptions,
  type EngineBuildResult,
  type EngineImage,
} from './engine/client.js';

// Analyze, SBOM, policy.
export { analyzeImage, type AnalyzeOptions } from './analyze/analyze.js';
export {
  compareBases,
  defaultCompareBases,
  type CompareBase,
  type CompareOptions,
  type CompareResult,
  type CompareRow,
} from './compare/index.js';
export { openImage, type OpenImageOptions } from './analyze/open.js';
export {
  diffAnalyses,
  diffImages,
  type DiffImagesOptions,
  type ImageDiff,
  type ImagesDiff,
  type NamedChange,
  type SizeChange,
} from './analyze/diff.js';
export { checkGrowth, parseGrowth, type GrowthLimit, type GrowthVerdict } from './analyze/growth-gate.js';
export {
  diffRevisions,
  type DiffRevisionsOptions,
  type RevisionsDiff,
} from './compare/index.js';
export {
  enforcePolicy,
  evaluatePolicy,
  policyViolations,
  type Policy,
  type PolicyGate,
  type PolicyVerdict,
  type PolicyViolation,
} from './analyze/policy.js';
export { IMAGE_RULES, type RuleInfo } from './analyze/rules/index.js';
export { renderSbom, sbomComponents, toCycloneDx, toSpdx, type SbomFormat } from './analyze/sbom/index.js';
export {
  CATEGORIES,
  SEVERITIES,
  type Category,
  type FileInfo,
  type GoBinary,
  type ImageAnalysis,
  type ImageFinding,
  type LayerSummary,
  type OsPackage,
  type Severity,
  type UserEntry,
} from './analyze/types.js';

// Reports.
export { articleBaseline, type ArticleBaseline } from './build/article-baseline.js';
export { renderBuildSummary, summarizeBuild, type BuildSummary } from './report/build-summary.js';
export { renderDiffMarkdown } from './report/diff-text.js';
export { renderDiffHtml } from './report/diff-html.js';

// The whole build, as minnow build runs it.
export {
  buildAndPublish,
  type BuildAndPublishOptions,
  type BuildReport,
} from './pipeline/build-and-publish.js';

// Dockerfiles: generate, build, lint.
export { dockerfileCompareRows, type DockerfileRowsOptions } from './compare/index.js';
export {
  buildGeneratedImage,
  dockerBuild,
  type DockerBuildOptions,
  type DockerBuildResult,
} from './dockerfile/docker-build.js';

// Why is it big: bytes per Go module and package, and layer compression.
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
export {
  generateDockerfile,
  writeDockerfile,
  type DockerfileOptions,
  type GeneratedDockerfile,
  type WriteDockerfileOptions,
  type WrittenDockerfile,
} from './dockerfile/generate.js';
export { formatJson as formatLintJson } from './dockerfile/lint/format-json.js';
export { formatSarif as formatLintSarif, toSarif } from './dockerfile/lint/format-sarif.js';
export { formatText as formatLintText } from './dockerfile/lint/format-text.js';
export {
  failsAt,
  lintFile,
  lintModel,
  lintText,
  type LintOptions,
  type LintResult,
} from './dockerfile/lint/lint.js';
export { RULES as DOCKERFILE_RULES } from './dockerfile/lint/rules/index.js';
export type {
  LintFinding,
  Location as LintLocation,
  RuleMeta as LintRuleMeta,
  Severity as LintSeverity,
} from './dockerfile/lint/types.js';

// Configuration (minnow.yaml).
export { configuredBuild, mergeBuildOptions, type ConfiguredBuild } from './config/build-options.js';
export { configJsonSchema } from './config/json-schema.js';
export {
  CONFIG_FILE_NAMES,
  loadConfig,
  parseConfig,
  type ConfigProblem,
  type LoadedConfig,
} from './config/load-config.js';
export type { BuildEntry, BuildSettings, ExtraFile, MinnowConfig } from './config/schema.js';
export { loadKoConfig, translateKoConfig, type KoConfig } from './config/ko-config.js';
export { withEnvDefaults } from './config/env-defaults.js';

// Kubernetes YAML: minnow:// references → pushed digests.
export {
  findReferences,
  IMAGE_SCHEMES,
  MINNOW_SCHEME,
  rewriteReferences,
  type ImageReference,
} from './resolve/find-references.js';
export { imageRepository, type NamingStrategy } from './resolve/image-name.js';
export {
  findKubectl,
  kubectlApply,
  kubectlWithYaml,
  runKubectl,
  type KubectlApplyOptions,
  type KubectlYamlVerb,
  type RunKubectlOptions,
} from './resolve/kubectl.js';
export {
  packagePublisher,
  type PackagePublisherOptions,
  type PublishEvent,
  type PushFn,
} from './resolve/package-publisher.js';
export { readManifests, type ManifestSource, type ReadManifestsOptions } from './resolve/read-manifests.js';
export { parseSelector, selectDocuments, type LabelRequirement } from './resolve/select-documents.js';
export {
  joinManifests,
  resolveManifests,
  type Publisher,
  type ResolveOptions,
  type ResolveResult,
  type ResolvedReference,
} from './resolve/resolve-manifests.js';

// The cache.
export { minnowCacheDir } from './util/cache-layout.js';
export { cacheUsage, type CacheArea, type CacheAreaName, type CacheUsage } from './util/cache-usage.js';
export {
  boundCache,
  cacheBudget,
  pruneCache,
  type PruneOptions,
  type PruneResult,
} from './util/cache-prune.js';
export * from './attest/index.js';
export {
  attachReferrer,
  listReferrers,
  referrersTag,
  type AttachOptions,
  type AttachResult,
  type ReferrersMode,
} from './publish/referrers.js';
