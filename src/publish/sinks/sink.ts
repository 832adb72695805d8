import type { EngineClient } from '../../engine/client.js';
import type { Digest, ImageOrIndex, Platform } from '../../oci/index.js';
import type { RegistryClient, RegistryClientOptions } from '../../registry/client.js';
import type { ProgressCallback } from '../../registry/progress.js';
import type { PushResult } from '../registry.js';

/** An image name as the Engine and `docker load` take it: `localhost:5000/team/app` and `v1`. */
export interface ImageName {
  name: string;
  tag: string;
}

/** What a sink's `check` is told about the build that will follow, so it can refuse it before any compile. */
export interface SinkPlan {
  /** The platforms that will be built. Default: this host's only. */
  platforms?: readonly Platform[];
}

/** Options of one `Sink.write`; every field is optional. */
export interface SinkWriteOptions {
  /**
   * The image's name for sinks that record one (docker tarball RepoTags, the Engine) when their spec names none,
   * e.g. the app's binary name. Default `minnow` with tag `latest`.
   */
  name?: ImageName;
  /** Per-blob transfer progress (registry pushes). */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** What a sink wrote. */
export interface SinkResult {
  /** The sink kind (`oci`, `docker`, `daemon`, `registry`, `fan-out`, ...). */
  kind: string;
  /** How to refer to what was written: `oci:DIR:TAG`, `docker:FILE`, `NAME:TAG` in the Engine, `REPO@sha256:…`. */
  reference: string;
  /** Digest of what was written: the index for sinks that take one, else the one image's manifest. */
  digest: Digest;
  /** For sinks that take one image of an index: the platform taken. */
  platform?: Platform;
  /** Set when only part of the target was written (the host's image of several platforms). */
  note?: string;
  /** OCI layout sinks: the layout's directory. */
  path?: string;
  /** Registry sinks: what the push did. */
  push?: PushResult;
  /** Fan-out: each destination's own result, in the order the sinks were given. */
  results?: SinkResult[];
}

/**
 * A destination for images: an OCI layout, a `docker load` tarball, the Engine, a registry, or a wrapper over
 * others. Sinks are made from a spec by `createSink` (src/publish/sinks/kinds.ts) or by their factories.
 */
export interface Sink {
  /** The kind, as in the table of kinds. */
  readonly kind: string;
  /** For summaries and messages: `oci:out/app:latest`, `docker:app.tar`, `daemon app:v1`, a registry reference. */
  readonly description: string;
  /**
   * True when `write` stores a multi-platform index as it is; false when it takes only an image (wrap such a sink
   * in `hostPlatformOnly` to give it an index).
   */
  readonly takesIndex: boolean;
  /** Refuses, before anything is built, what `write` could not do (a path that is something else, no Engine). */
  check(plan?: SinkPlan): Promise<void>;
  /** Writes the image or index and says what was written. Atomic: a failure leaves nothing half-written. */
  write(target: ImageOrIndex, options?: SinkWriteOptions): Promise<SinkResult>;
}

/** Options the factories share; each sink uses the fields that concern it. */
export interface SinkOptions {
  /** Replace a path that exists and is something else (layout, tarball). Default false. */
  force?: boolean;
  /** The Engine for the daemon sink. Default: one from DOCKER_HOST, opened per write and closed. */
  engine?: EngineClient;
  /** The registry client for registry sinks. Default: one per write from `registry`, closed after. */
  registryClient?: RegistryClient;
  /** Options for the registry client made when none is given (insecure registries, credentials). */
  registry?: RegistryClientOptions;
  /** More tags pushed in the same repository by a registry sink. */
  tags?: string[];
  /** Registry sinks refuse in `check`: only cached content may be used (`--offline`). Default false. */
  offline?: boolean;
  /** The option or argument a spec came from, for messages (`--output`). Default `sink`. */
  flag?: string;
  /** containerd's socket for `containerd` specs that name none (`--containerd-address`). */
  containerdAddress?: string;
}
