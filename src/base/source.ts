import type { ImageOrIndex, Platform } from '../oci/index.js';
import type { BuiltinBaseInfo } from './builtin.js';
import type { RegistryReadOptions } from './registry.js';

/** Options every source is read with; each kind uses the fields it needs. */
export interface ResolveBaseOptions {
  /** Platforms the build targets; built-in bases are synthesized for exactly these. Default: host. */
  platforms?: Platform[];
  /** Built-in bases: a CA bundle file, or false for none. Default: the host's bundle. */
  caCerts?: string | false;
  /** Built-in bases: Go's zoneinfo.zip to install with ZONEINFO set. */
  zoneinfoPath?: string;
  /** Built-in bases: cache directory. Default `minnowCacheDir()`. */
  cacheDir?: string;
  /** Called with what a built-in base holds (for summaries). */
  onBuiltin?: (info: BuiltinBaseInfo) => void;
  /** Registry bases: offline mode, insecure registries, download progress, credentials. */
  registry?: RegistryReadOptions;
  /** `daemon:` bases: bytes of the Engine's `docker save` received so far, and the image's size as it states it. */
  onEngineRead?: (received: number, expected: number | undefined) => void;
  signal?: AbortSignal;
}

/**
 * One kind of image minnow reads (a build's `--base`, what `analyze`, `sbom`, `compare` and `push` open). It owns
 * its grammar and help; `matches` may answer later, so a kind can load its module only when it is used.
 */
export interface BaseSource {
  /** Display name: `OCI layout`. */
  name: string;
  /** The forms it accepts, as help shows them: `oci:DIR[:TAG]`. */
  grammar: string;
  /** One line on what it reads. */
  help: string;
  matches(spec: string): boolean | Promise<boolean>;
  resolve(spec: string, options: ResolveBaseOptions): Promise<ImageOrIndex>;
  /** Where `spec` is read from, in full (`docker.io/library/alpine:3.19`, an absolute path). Default: `spec`. */
  where?(spec: string): string | Promise<string>;
  /**
   * The name the image has where it is kept (a docker archive's RepoTags entry, `daemon:NAME`'s NAME), for an
   * SBOM to name it by rather than by a file. Default: none (the spec names it).
   */
  imageName?(spec: string): Promise<string | undefined>;
}
