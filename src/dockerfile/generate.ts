import { lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { findModuleRoot } from '../go/module-root.js';
import { MinnowError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkPinnedReference, resolveFinalBase, type FinalBase } from './bases.js';
import { renderDockerignore } from './dockerignore.js';
import { builderGoVersion, findMainPackage, readGoModule } from './go-module.js';
import { renderDockerfile, type DockerfilePlan } from './render.js';

/** What `minnow dockerfile` is asked for. */
export interface DockerfileOptions {
  /** Module directory (holding go.mod). Default: the current directory. */
  dir?: string;
  /** The main package to build. Default `.`. */
  package?: string;
  /** `scratch`, `static`, `distroless`, `alpine`, or an image reference pinned by tag or digest. Default `static`. */
  base?: string;
  /** Write BuildKit cache mounts. Default true; false writes a Dockerfile the legacy builder takes. */
  buildkit?: boolean;
  /** Override the Go version the builder is pinned to. Default: go.mod's toolchain line, else its go line. */
  goVersion?: string;
  /** Override the whole builder image (`golang:1.22.3-bookworm@sha256:…`). Default `golang:<goVersion>`. */
  builderImage?: string;
  /** Ports for EXPOSE. Default none. */
  ports?: number[];
  /** Extra OCI labels (title and base name are always written). */
  labels?: Record<string, string>;
  /** Go build tags. */
  tags?: string[];
  /** Extra linker flags after `-s -w`. */
  ldflags?: string[];
  /** Add Go's time zone database (zoneinfo.zip, ZONEINFO) to the image, as `minnow build --tzdata` does. Default false. */
  tzdata?: boolean;
  /**
   * Start with `# syntax=docker/dockerfile:1`, which makes BuildKit pull the newest frontend image first. Default
   * false: the frontend built into BuildKit already knows `RUN --mount`, and the pull breaks offline builds.
   */
  syntaxLine?: boolean;
}

/** A generated Dockerfile and .dockerignore, with what they were made from. */
export interface GeneratedDockerfile {
  dockerfile: string;
  dockerignore: string;
  plan: DockerfilePlan;
  /** The module directory: the build context. */
  contextDir: string;
}

const LABEL_KEY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const SAFE_TEXT = /^[^\n\r\0]*$/;

function checkOptions(options: DockerfileOptions): void {
  for (const p of options.ports ?? []) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid port ${p}: expected 1-65535`, {
        subject: String(p),
      });
    }
  }
  for (const [k, v] of Object.entries(options.labels ?? {})) {
    if (!LABEL_KEY.test(k) || !SAFE_TEXT.test(v)) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid label ${k}`, {
        subject: k,
        hint: 'keys are lowercase dotted names; values are one line',
      });
    }
  }
  for (const t of [...(options.tags ?? []), ...(options.ldflags ?? [])]) {
    if (!SAFE_TEXT.test(t) || t.includes("'")) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid build flag ${JSON.stringify(t)}`, { subject: t });
    }
  }
  if (options.goVersion !== undefined && !/^\d+\.\d+(\.\d+)?((rc|beta)\d+)?$/.test(options.goVersion)) {
    throw new MinnowError('INVALID_ARGUMENT', `invalid Go version "${options.goVersion}"`, {
      subject: options.goVersion,
    });
  }
}

/** Reads the module and writes the Dockerfile and .dockerignore texts (nothing is written to disk). */
export async function generateDockerfile(options: DockerfileOptions = {}): Promise<GeneratedDockerfile> {
  checkOptions(options);
  const base: FinalBase = resolveFinalBase(options.base);
  // The same source forms as `minnow build`: a package directory anywhere inside a module (examples/hello,
  // ./cmd/api from the module root) finds its module upwards, and the package is taken relative to it.
  const target = resolve(options.dir ?? process.cwd(), options.package ?? '.');
  const moduleDir = (await findModuleRoot(target)) ?? options.dir ?? process.cwd();
  const mod = await readGoModule(moduleDir);
  const rel = relative(mod.dir, target).split(sep).join('/');
  const main = await findMainPackage(mod, rel === '' ? '.' : rel.startsWith('..') ? rel : `./${rel}`);
  const builderImage = options.builderImage ?? `golang:${options.goVersion ?? builderGoVersion(mod)}`;
  checkPinnedReference(builderImage, 'builder image');
  const plan: DockerfilePlan = {
    modulePath: mod.path,
    buildPath: main.buildPath,
    binary: main.binary,
    builderImage,
    base,
    hasGoSum: mod.hasGoSum,
    vendored: mod.vendored,
    buildkit: options.buildkit ?? true,
    syntaxLine: options.syntaxLine ?? false,
    tzdata: options.tzdata ?? false,
    ports: [...new Set(options.ports ?? [])].sort((a, b) => a - b),
    labels: options.labels ?? {},
    tags: options.tags ?? [],
    ldflags: options.ldflags ?? [],
  };
  return {
    dockerfile: renderDockerfile(plan),
    dockerignore: renderDockerignore(),
    plan,
    contextDir: mod.dir,
  };
}

/** Where `writeDockerfile` puts its files, and whether it overwrites. */
export interface WriteDockerfileOptions extends DockerfileOptions {
  /** Dockerfile path. Default `<dir>/Dockerfile`. */
  output?: string;
  /** Overwrite an existing Dockerfile (and .dockerignore). Default false. */
  force?: boolean;
}

/** What `writeDockerfile` wrote. */
export interface WrittenDockerfile extends GeneratedDockerfile {
  dockerfilePath: string;
  dockerignorePath: string;
  /** False when a .dockerignore existed and was kept (no `force`). */
  dockerignoreWritten: boolean;
}

async function existing(path: string): Promise<'none' | 'file' | 'other'> {
  const info = await lstat(path).catch(() => undefined);
  return !info ? 'none' : info.isFile() ? 'file' : 'other';
}

/**
 * Generates and writes the Dockerfile and the .dockerignore of the build context, each through a temp file and a
 * rename. Refuses to replace an existing Dockerfile unless `force`; keeps an existing .dockerignore unless `force`.
 */
export async function writeDockerfile(options: WriteDockerfileOptions = {}): Promise<WrittenDockerfile> {
  const generated = await generateDockerfile(options);
  const dockerfilePath = resolve(options.output ?? join(generated.contextDir, 'Dockerfile'));
  const dockerignorePath = join(generated.contextDir, '.dockerignore');
  const df = await existing(dockerfilePath);
  if (df === 'other' || (df === 'file' && !options.force)) {
    throw new MinnowError('OUTPUT_EXISTS', `${dockerfilePath} exists`, {
      subject: dockerfilePath,
      hint: df === 'file' ? 'pass --force to replace it, or --stdout to print instead' : 'it is not a file',
    });
  }
  const di = await existing(dockerignorePath);
  if (di === 'other') {
    throw new MinnowError('OUTPUT_EXISTS', `${dockerignorePath} exists and is not a file`, {
      subject: dockerignorePath,
    });
  }
  const writeIgnore = di === 'none' || options.force === true;
  try {
    if (writeIgnore) await writeFileAtomic(dockerignorePath, generated.dockerignore, 0o644);
    await writeFileAtomic(dockerfilePath, generated.dockerfile, 0o644);
  } catch (err) {
    throw new MinnowError('OUTPUT_NOT_WRITABLE', `cannot write ${dockerfilePath}`, {
      subject: dockerfilePath,
      cause: err,
    });
  }
  return { ...generated, dockerfilePath, dockerignorePath, dockerignoreWritten: writeIgnore };
}
