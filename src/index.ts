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
