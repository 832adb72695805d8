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
