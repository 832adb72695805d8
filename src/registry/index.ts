/** The OCI Distribution client: references, credentials, auth, transport, cache and progress events. */
export * from './auth.js';
export * from './cache.js';
export * from './client.js';
export {
  authKeyFor,
  dockerConfigPath,
  eraseCredential,
  lookupCredential,
  readDockerConfig,
  storeCredential,
  type Credential,
  type DockerConfigFile,
  type DockerConfigOptions,
} from './docker-config.js';
export * from './progress.js';
export * from './reference.js';
export * from './registry-error.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export {
  isLoopback,
  Transport,
  type HttpRequest,
  type HttpResponse,
  type TransportOptions,
} from './transport.js';
export { uploadBlob, type UploadOptions, type UploadOutcome } from './upload.js';
export { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';
