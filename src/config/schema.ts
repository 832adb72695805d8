import { z } from 'zod';
import { CAPABILITY_NAMES } from '../oci/file-capabilities.js';
import { forbiddenGoFlag, forbiddenLinkerFlag } from './trusted-flags.js';

/**
 * The shape of `minnow.yaml`. One zod schema is the single source of truth: it validates the file (with
 * positions added by `load-config.ts`) and generates docs/minnow.schema.json for editors.
 */

const PLATFORM = /^[a-z0-9]+\/[a-z0-9]+(\/v[0-9]+)?$/;

const platformString = z
  .string()
  .regex(PLATFORM, 'must look like os/arch[/variant], e.g. linux/arm64')
  .describe('A platform: os/arch[/variant], e.g. linux/amd64, linux/arm/v7.');

/** Linux platforms, each once: what the build takes, checked here so a mistake gets its line and column. */
const platformList = z
  .array(platformString)
  .min(1)
  .superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (!PLATFORM.test(p)) return; // already reported by platformString
      if (!p.startsWith('linux/')) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${p}": minnow builds linux images` });
      } else if (list.indexOf(p) !== i) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${p}" is given twice` });
      }
    });
  });

/** A file mode as an octal string ("0755", "644") or a number (YAML `0o755`; unquoted `0755` is read as octal). */
const fileMode = z
  .union([
    z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode like "0755"'),
    z.number().int().min(0).max(0o777),
  ])
  .describe('Octal permission bits, e.g. "0555" for a program, "0444" for data. Default "0444".');

const stringMap = z.record(z.string(), z.string());

const port = z
  .union([z.number().int().min(1).max(65535), z.string().regex(/^[0-9]{1,5}(\/(tcp|udp|sctp))?$/)])
  .describe('A port the app listens on: 8080 or "8080/tcp".');

const extraFile = z
  .strictObject({
    src: z.string().min(1).describe('Path of the file on disk, relative to the module root.'),
    dst: z
      .string()
      .regex(/^\/[^\0]*$/, 'must be an absolute path in the image, e.g. /etc/app/config.yaml')
      .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
      .describe('Absolute path of the file in the image.'),
    mode: fileMode.optional(),
  })
  .describe('A file copied into the image, owned by root.');

/** Settings that can be given as defaults and overridden per build. */
const settings = {
  base: z
    .string()
    .min(1)
    .optional()
    .describe('Base image: static (default), scratch, an oci:DIR layout or a registry reference.'),
  platforms: z
    .union([z.literal('all'), platformList])
    .optional()
    .describe('Platforms to build, or "all" for every platform of the base. Default: this machine.'),
  ldflags: z
    .array(
      z.string().refine((v) => forbiddenLinkerFlag(v.split(/\s+/)) === undefined, {
        error: (iss) =>
          `${forbiddenLinkerFlag(String(iss.input).split(/\s+/))} is not allowed in a config file: it makes the linker write elsewhere or run another program`,
      }),
    )
    .optional()
    .describe(
      'Extra -ldflags for go build. Templates: {{.Version}} {{.Commit}} {{.ShortCommit}} {{.Date}} ' +
        '{{.Timestamp}} {{.Tag}} {{.Env.NAME}}.',
    ),
  flags: z
    .array(z.string())
    .optional()
    .describe(
      'Extra go build arguments, as ko\'s `flags:` (e.g. -mod=vendor, or "-gcflags", "all=-N -l"). ' +
        'ldflags and tags have their own keys.',
    ),
  tags: z
    .array(z.string().regex(/^[\w.-]+$/, 'must be a Go build tag'))
    .optional()
    .describe('Go build tags.'),
  goEnv: stringMap
    .superRefine((env, ctx) => {
      const bad = env.GOFLAGS !== undefined ? forbiddenGoFlag(env.GOFLAGS) : undefined;
      if (bad) {
        ctx.addIssue({
          code: 'custom',
          path: ['GOFLAGS'],
          message: `${bad} is not allowed in a config file: it redirects the build's output or runs another program`,
        });
      }
    })
    .optional()
    .describe('Extra environment for the Go build (GOAMD64, GOEXPERIMENT, ...).'),
  env: stringMap.optional().describe('Environment variables set in the image.'),
  user: z
    .union([z.string().min(1), z.number().int().min(0)])
    .optional()
    .describe('User the app runs as. Default 65532 (nonroot).'),
  workdir: z.string().regex(/^\//, 'must be an absolute path').optional().describe('Working directory.'),
  args: z.array(z.string()).optional().describe('Default arguments (the image Cmd).'),
  entrypoint: z
    .string()
    .min(1)
    .optional()
    .describe('Which binary is the entrypoint when a build has several. Default: the first.'),
  ports: z.array(port).optional().describe('Ports recorded as ExposedPorts.'),
  tzdata: z
    .boolean()
    .optional()
    .describe('Add time zone data, as --tzdata does (build and dockerfile alike). Default false.'),
  capabilities: z
    .array(
      z
        .string()
        .refine(
          (c) => (CAPABILITY_NAMES as readonly string[]).includes(c.toLowerCase().replace(/^cap_/, '')),
          {
            error: 'must be a Linux capability, e.g. net_bind_service',
          },
        ),
    )
    .optional()
    .describe(
      "File capabilities of the app's binaries, as --capability and ko's linux_capabilities " +
        '(e.g. [net_bind_service] to bind port 80 as non-root). Default none.',
    ),
  labels: stringMap.optional().describe('Image config labels. Values may use the ldflags templates.'),
  annotations: stringMap.optional().describe('Manifest annotations. Values may use the ldflags templates.'),
  files: z.array(extraFile).optional().describe('Extra files copied into the image.'),
  data: z
    .string()
    .min(1)
    .optional()
    .describe('A directory copied read-only to /app/data (MINNOW_DATA_PATH names it).'),
  compression: z
    .string()
    .regex(/^(gzip|zstd)(:[0-9]{1,2})?$/, 'must be gzip[:1-9] or zstd[:1-19], e.g. zstd:19')
    .optional()
    .describe(
      'Layer compression: gzip[:LEVEL] (default, level 6) or zstd[:LEVEL] (level 3; read by containerd ≥ 1.5, ' +
        'not by the Docker Engine 20.10, so daemon outputs keep gzip).',
    ),
};

/** Defaults applied to every build. */
export const defaultsSchema = z.strictObject(settings).describe('Settings for every build.');

/** One per-package build: `main` names the Go package, the rest overrides the defaults. */
export const buildEntrySchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"')
      .optional(),
    dir: z
      .string()
      .min(1)
      .refine((p) => !p.startsWith('/'), 'must be relative to the config file')
      .optional()
      .describe(
        'The Go module this build is in, relative to the config file (multi-module repositories). Default ".".',
      ),
    main: z
      .string()
      .min(1)
      .describe('The Go main package: "./cmd/app" (relative to `dir`) or a full import path.'),
    ...settings,
  })
  .describe('Settings for one Go main package.');

/**
 * What every push proves (`build --push`, `push`, `resolve`): one block for the repository, since one key signs
 * every package's images. Flags override it.
 */
const attestSchema = z
  .strictObject({
    sbom: z
      .enum(['spdx-json', 'cyclonedx-json', 'none'])
      .optional()
      .describe('The SBOM attached to pushed images: spdx-json (default), cyclonedx-json, or none.'),
    provenance: z
      .boolean()
      .optional()
      .describe('Attach SLSA provenance to pushed images. Default true; false as --provenance none.'),
    signKey: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A cosign or PKCS#8 private key file, relative to this file, that signs every push (as --sign-key). ' +
          'Its password comes from COSIGN_PASSWORD or a prompt.',
      ),
  })
  .describe('Attestations and signatures of pushed images.');

/** The whole `minnow.yaml`. */
export const configSchema = z
  .strictObject({
    version: z.literal(1).optional().describe('Config format version. Default 1.'),
    repo: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._:/-]*$/,
        'must be a lowercase registry repository, e.g. registry.example.com/team',
      )
      .optional()
      .describe('Where `minnow resolve` pushes: REPO/NAME. --repo and MINNOW_REPO override it.'),
    defaults: defaultsSchema.optional(),
    builds: z.array(buildEntrySchema).optional(),
    attest: attestSchema.optional(),
  })
  .describe('minnow.yaml: how minnow builds the Go main packages of this module.');

/** The parsed, validated config file. */
export type MinnowConfig = z.infer<typeof configSchema>;
/** Settings shared by `defaults` and each build. */
export type BuildSettings = z.infer<typeof defaultsSchema>;
/** One `builds` entry. */
export type BuildEntry = z.infer<typeof buildEntrySchema>;
/** The `attest` block. */
export type AttestSettings = z.infer<typeof attestSchema>;
/** One `files` entry. */
export type ExtraFile = NonNullable<BuildSettings['files']>[number];
