import type { Command } from 'commander';

/**
 * What `--help` shows below commander's option list: examples and the doc to read per command, and, on the top
 * level, the environment variables and exit statuses. One table, so a new command gets its help in one place and
 * a test can check every command has examples.
 */
export interface CommandHelp {
  /** Command lines a user can paste, each with a few words on what it does. */
  examples: Array<[command: string, what: string]>;
  /** The document under docs/ (shipped in the package) that explains the command. */
  doc: string;
}

export const COMMAND_HELP: Record<string, CommandHelp> = {
  build: {
    examples: [
      ['minnow build', 'the main package of the module here, to .minnow/<app> (an OCI layout)'],
      ['minnow build ./cmd/api -o daemon', 'into the local Docker Engine, ready for docker run'],
      ['minnow build --base alpine:3.19 --push ghcr.io/me/api:v1', 'on a registry base, pushed'],
      ['minnow build --platform linux/amd64,linux/arm64 --push REF', 'a multi-platform index'],
      ['minnow build --verify-reproducible', 'build twice and compare the digests'],
    ],
    doc: 'docs/build.md; defaults per package come from minnow.yaml in the module root (docs/config.md)',
  },
  push: {
    examples: [
      ['minnow push oci:.minnow/hello ghcr.io/me/hello:v1', 'send an OCI layout to a registry'],
      ['minnow push alpine:3.19 127.0.0.1:5000/alpine:3.19', 'copy an image between registries'],
    ],
    doc: 'docs/registry.md',
  },
  login: {
    examples: [
      ['minnow login ghcr.io -u me --password-stdin < token.txt', 'store credentials in Docker’s config'],
    ],
    doc: 'docs/registry.md',
  },
  logout: {
    examples: [['minnow logout ghcr.io', 'forget the credentials for a registry']],
    doc: 'docs/registry.md',
  },
  analyze: {
    examples: [
      ['minnow analyze oci:.minnow/hello', 'sizes, layers, files and the attack surface'],
      ['minnow analyze daemon:alpine:3.19 --fail-on high', 'exit 3 on a high finding (CI gate)'],
      ['minnow analyze image.tar --max-size 10MB --json', 'a docker save tarball, as JSON'],
    ],
    doc: 'docs/rules.md',
  },
  sbom: {
    examples: [
      ['minnow sbom oci:.minnow/hello', 'SPDX 2.3 JSON on stdout'],
      ['minnow sbom alpine:3.19 --format cyclonedx-json -o sbom.json', 'CycloneDX 1.5 to a file'],
    ],
    doc: 'docs/rules.md',
  },
  compare: {
    examples: [
      ['minnow compare ./examples/hello', 'this app on alpine, distroless, scratch and minnow’s default'],
      ['minnow compare --html compare.html', 'the same as a self-contained HTML page'],
    ],
    doc: 'docs/build.md',
  },
  diff: {
    examples: [
      ['minnow diff oci:old oci:new', 'what changed: layers, files, Go modules and packages, findings'],
      ['minnow diff oci:old oci:new --markdown', 'as a pull-request comment'],
      ['minnow diff oci:old oci:new --max-growth 5%', 'exit 3 when the image grew more'],
      ['minnow diff --rev main --rev HEAD ./cmd/app', 'build two git revisions and diff them'],
      ['minnow diff oci:old oci:new --html diff.html', 'with treemaps of the Go binaries'],
    ],
    doc: 'docs/diff.md',
  },
  dockerfile: {
    examples: [
      ['minnow dockerfile --base distroless -p 8080', 'write ./Dockerfile and ./.dockerignore'],
      ['minnow dockerfile ./cmd/server --stdout', 'print it instead'],
    ],
    doc: 'docs/dockerfile-rules.md',
  },
  lint: {
    examples: [
      ['minnow lint Dockerfile', 'check a Dockerfile; exit 3 on a medium or higher finding'],
      ['minnow lint Dockerfile --format sarif > lint.sarif', 'for code scanning'],
      ['minnow lint --list-rules', 'every rule with its hadolint equivalent'],
    ],
    doc: 'docs/dockerfile-rules.md',
  },
  resolve: {
    examples: [
      ['MINNOW_REPO=registry.example.com/team minnow resolve -f k8s/ -R', 'minnow:// references → digests'],
    ],
    doc: 'docs/resolve.md',
  },
  apply: {
    examples: [['minnow apply -f k8s/ -R -- --namespace web', 'resolve, then kubectl apply -f -']],
    doc: 'docs/resolve.md',
  },
  create: {
    examples: [
      ['minnow create -f k8s/ -l app=web', 'resolve the app=web documents, then kubectl create -f -'],
    ],
    doc: 'docs/resolve.md',
  },
  delete: {
    examples: [['minnow delete -f k8s/ -R', 'kubectl delete -f - with the manifests (nothing is built)']],
    doc: 'docs/resolve.md',
  },
  run: {
    examples: [
      [
        'minnow run ./cmd/server -- --restart=Never',
        'build, push, kubectl run server --image=REPO/server@sha256:…',
      ],
      ['minnow run ./cmd/tool -- -it --rm --restart=Never -- -v', 'attached; -v is the container’s argument'],
    ],
    doc: 'docs/resolve.md',
  },
  cache: {
    examples: [
      ['minnow cache info', 'what the cache holds, per area'],
      ['minnow cache prune --max-size 2GB', 'bound it, least recently used first'],
    ],
    doc: 'docs/build.md',
  },
  verify: {
    examples: [
      ['minnow verify ghcr.io/me/api:v1 --key cosign.pub', 'check the signature and every attestation'],
      [
        'minnow verify ghcr.io/me/api:v1 --key cosign.pub --require-provenance --source-repo https://github.com/me/api',
        'a deployment gate (exit 3 when a check fails)',
      ],
    ],
    doc: 'docs/attestations.md',
  },
  attestations: {
    examples: [['minnow attestations ghcr.io/me/api:v1', 'the SBOMs, provenance and signatures attached']],
    doc: 'docs/attestations.md',
  },
  'generate-key-pair': {
    examples: [
      ['COSIGN_PASSWORD=… minnow generate-key-pair', "cosign.key and cosign.pub, in cosign's format"],
      ['minnow build --push ghcr.io/me/api:v1 --sign-key cosign.key', 'sign what a build pushes'],
    ],
    doc: 'docs/attestations.md',
  },
  debug: {
    examples: [
      ['minnow debug api', 'a busybox shell beside container api: ps, wget 127.0.0.1:8080, ls /proc/1/root'],
      [
        'minnow debug api --image alpine:3.19 -- sh -c "ps; netstat -tln"',
        'run one command and exit with its status',
      ],
      ['minnow debug pod/api-7d9f -n web', 'print the kubectl debug command (--run runs it)'],
    ],
    doc: 'docs/debug.md',
  },
  completion: {
    examples: [
      ['minnow completion bash > /etc/bash_completion.d/minnow', 'bash'],
      ['minnow completion zsh > "${fpath[1]}/_minnow"', 'zsh'],
      ['minnow completion fish > ~/.config/fish/completions/minnow.fish', 'fish'],
    ],
    doc: 'README.md',
  },
};

/** Environment variables minnow reads, for the top-level help. */
export const ENVIRONMENT: Array<[name: string, what: string]> = [
  [
    'MINNOW_REPO',
    'registry repository that build, resolve, apply, create and run push to (or KO_DOCKER_REPO)',
  ],
  ['MINNOW_CACHE_DIR', 'where minnow caches pulled blobs and built layers (default ~/.cache/minnow)'],
  ['MINNOW_CACHE_MAX', 'the cache bound kept after builds (default 5GB)'],
  ['MINNOW_DEBUG', 'set to 1 to print the stack of a failure'],
  ['SOURCE_DATE_EPOCH', 'the time written into images and attestations (reproducible builds)'],
  ['COSIGN_PASSWORD', 'the password of an encrypted signing key (--sign-key, generate-key-pair)'],
  ['DOCKER_CONFIG', 'Docker’s config directory, for registry credentials (default ~/.docker)'],
  ['DOCKER_HOST', 'the Docker Engine for daemon: inputs and outputs (default the local socket)'],
  ['CONTAINERD_ADDRESS', 'containerd’s socket for containerd outputs (default /run/containerd/containerd.sock)'],
  ['GOTOOLCHAIN, GOFLAGS, …', 'passed to go as usual'],
  ['NO_COLOR / FORCE_COLOR', 'turn colours off / on'],
];

/** The exit statuses every command uses (see cli/exit.ts). */
export const EXIT_CODES: Array<[status: number, what: string]> = [
  [0, 'success'],
  [1, 'a failure (build, registry, I/O)'],
  [2, 'invalid arguments or configuration'],
  [3, 'a policy check failed (--fail-on, --max-size, lint warnings)'],
  [130, 'interrupted (Ctrl-C); 143 for SIGTERM, 129 for SIGHUP'],
];

/** The exit statuses in one line, for each command's help. */
const SHORT_EXIT_CODES =
  '0 success, 1 failure, 2 invalid arguments or config, 3 a check failed, 130 interrupted';

function table(rows: Array<[string | number, string]>, indent = '  '): string {
  const width = Math.max(...rows.map(([a]) => String(a).length));
  return rows.map(([a, b]) => `${indent}${String(a).padEnd(width)}  ${b}`).join('\n');
}

/** The text after a command's options: examples and where to read more. */
export function commandHelpText(help: CommandHelp): string {
  const examples = help.examples.map(([cmd, what]) => `  $ ${cmd}\n      ${what}`).join('\n');
  return `\nExamples:\n${examples}\n\nExit status: ${SHORT_EXIT_CODES}\nDocs: ${help.doc}\n`;
}

/** The text after the top-level command list. */
export function programHelpText(): string {
  return [
    '',
    'Examples:',
    '  $ minnow build ./examples/hello -o daemon && docker run --rm -p 8080:8080 hello',
    '  $ minnow analyze oci:.minnow/hello',
    '',
    'Environment:',
    table(ENVIRONMENT),
    '',
    'Exit status:',
    table(EXIT_CODES),
    '',
    'Run `minnow COMMAND --help` for a command’s options and examples. Docs: README.md and docs/ in the package.',
    '',
  ].join('\n');
}

/** Adds the examples and doc line to every registered command that has an entry, and the epilog to the program. */
export function addHelpTexts(program: Command): void {
  program.addHelpText('after', programHelpText());
  for (const command of program.commands) {
    const help = COMMAND_HELP[command.name()];
    if (help) command.addHelpText('after', commandHelpText(help));
  }
}
