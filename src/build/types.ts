import type { Image, ImageOrIndex, Platform } from '../oci/index.js';
import type { RegistryReadOptions } from '../base/registry.js';
import type { CompressionChoice } from './compression-choice.js';
import type { DebugOptions } from './debug.js';
import type { ImageFile } from './files-layer.js';
import type { LayerSize } from './layer-sizes.js';

/** What `build` reports while it works, so a CLI can draw a spinner (library code never prints). */
export type BuildProgress =
  | { phase: 'resolve'; message: string }
  | { phase: 'list'; message: string }
  | { phase: 'compile'; platform: Platform; message: string }
  | { phase: 'layer'; platform: Platform; message: string }
  | { phase: 'done'; message: string };

/** Options of `build`. Every field is optional; defaults give the smallest safe image for the host. */
export interface BuildOptions {
  /** The Go module directory (or any directory inside it). Default `process.cwd()`. */
  dir?: string;
  /** Go package patterns, relative to `dir`. Default `['.']`. Every main package matched becomes /app/<name>. */
  packages?: string[];
  /** Base: `static` (default), `scratch`, `oci:DIR[:TAG]`, or another kind registered with resolveBase. */
  base?: string;
  /** Target platforms. Default: the host's. With more than one, the result is an OCI index. */
  platforms?: Platform[];
  /** The go command. Default: found on PATH, $GOROOT/bin or /usr/local/go/bin. */
  goPath?: string;
  /** Appended to `-s -w`. */
  ldflags?: string;
  /** Go build tags. */
  tags?: string[];
  /** Extra `go build` arguments (ko's `flags:`), placed before minnow's own -trimpath/-ldflags/-tags. */
  goFlags?: string[];
  /** Extra Go environment (GOEXPERIMENT, GOPRIVATE…); CGO_ENABLED, GOOS, GOARCH, GOARM are minnow's. */
  goEnv?: Record<string, string>;
  /** `UID[:GID]` or root/nobody/nonroot. Default `65532:65532`. */
  user?: string;
  /** Working directory. Default: the base's (static: /home/nonroot). */
  workdir?: string;
  /**
   * Entrypoint. Default `['/app/<first main package>']`. A first element without a slash that names one of the
   * built binaries (`['beta', '-v']`) means that binary: `/app/beta`.
   */
  entrypoint?: string[];
  /** Cmd (arguments to the entrypoint). Default none (the base's Cmd is dropped). */
  args?: string[];
  /** Environment variables (added to the base's, same names replaced). */
  env?: Record<string, string>;
  /** Exposed ports: `8080`, `8080/tcp`, `53/udp`. */
  ports?: string[];
  /** Config labels. */
  labels?: Record<string, string>;
  /** Extra manifest annotations (added to source/revision/created/base.name). */
  annotations?: Record<string, string>;
  /** Built-in bases: a CA bundle file, or false for none. Default: the host's bundle, else Node's roots. */
  caCerts?: string | false;
  /** Add time zone data (Go's zoneinfo.zip with ZONEINFO on built-in bases, the timetzdata tag otherwise). */
  tzdata?: boolean;
  /**
   * File capabilities of the app's binaries (`net_bind_service`, ...; ko's `linux_capabilities`), set as the
   * `security.capability` xattr, so the app binds port 80 as 65532 without root. Default none.
   */
  capabilities?: string[];
  /**
   * ko's `--disable-optimizations`: the app built with `-gcflags=all=-N -l` and not stripped (symbols and DWARF
   * kept), for a debugger. Bigger; still reproducible. Default false.
   */
  disableOptimizations?: boolean;
  /** A kodata-style directory copied read-only to /app/data, named by MINNOW_DATA_PATH (relative to `dir`). */
  data?: string;
  /** Extra files copied into the image (sources absolute or relative to the module root, and inside it). */
  files?: ImageFile[];
  /** minnow's cache directory. Default `minnowCacheDir()`. */
  cacheDir?: string;
  /**
   * How the layers minnow writes (app, files, data, plain-tar base layers) are compressed. Default gzip level 6:
   * within 0.3% of level 9 for Go binaries, three times faster. zstd is read by containerd ≥ 1.5, not by the
   * Docker Engine 20.10.
   */
  compression?: CompressionChoice;
  /**
   * A debug variant (`--debug`): the app built with `-gcflags=all=-N -l` and not stripped, Delve for the target
   * platform in a layer of its own at /app/dlv (built once through the Go module proxy, then cached), and the
   * entrypoint `dlv exec --headless --listen=:PORT … -- <the app's entrypoint>`. Still non-root. Default off.
   */
  debug?: DebugOptions;
  /** Registry bases: `offline`, `insecureRegistries`, per-layer `onProgress`, credentials. */
  registry?: RegistryReadOptions;
  signal?: AbortSignal;
  onProgress?: (event: BuildProgress) => void;
}

/** One binary placed in an image. */
export interface BuiltBinary {
  name: string;
  /** The built file on disk (in minnow's cache; kept until a later build prunes it). */
  path: string;
  size: number;
  /** Where it is in the image (`/app/<name>`). */
  imagePath: string;
  importPath: string;
}

/** One platform's image. */
export interface BuiltImage {
  platform: Platform;
  image: Image;
  binaries: BuiltBinary[];
  /** Every layer, base first, with compressed and uncompressed sizes. */
  layers: LayerSize[];
}

export interface BuildResult {
  /** The image (one platform) or the index over all platforms. */
  target: ImageOrIndex;
  images: BuiltImage[];
  /** Digest of `target`'s manifest. */
  digest: string;
  /** The base spec used. */
  base: string;
  /** Go's version (`go1.22.5`), from the binaries' toolchain. */
  goVersion?: string;
  /** Where the built-in base's CA bundle came from, when it has one. */
  caSource?: string;
  /** The module path of the first main package. */
  module: string;
}
