import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { importPathOf } from '../../config/module-path.js';
import { MinnowError } from '../../errors.js';
import { findKubectl, kubectlRunArgs, runKubectl } from '../../resolve/kubectl.js';
import { writeImageRefs } from '../ko-publish-flags.js';
import {
  publisherFromFlags,
  usingPublisher,
  withPublishOptions,
  withSignals,
  type PublishFlags,
} from './resolve.js';

interface RunFlags extends PublishFlags {
  name?: string;
}

/** A pod name kubectl accepts (a DNS-1123 label) made from the package's last path element. */
export function podName(importPath: string): string {
  const last = importPath.replace(/\/+$/, '').split('/').pop() ?? '';
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'app';
}

/** The import path `pkg` names: a relative path is relative to `dir` (as go takes it), else an import path. */
function importPathFrom(
  pkg: string,
  dir: string,
  moduleDir: string | undefined,
  modulePath: string | undefined,
): string {
  if (!pkg.startsWith('.')) return pkg;
  if (!moduleDir || !modulePath) {
    throw new MinnowError('NOT_A_MODULE', `${dir} is not inside a Go module`, {
      subject: dir,
      hint: 'run from the module, pass -C DIR, or give the full import path',
    });
  }
  const rel = relative(moduleDir, resolve(dir, pkg)).split('\\').join('/');
  return importPathOf(rel === '' ? '.' : `./${rel}`, modulePath);
}

/** Registers `minnow run`. */
export function register(program: Command): void {
  withPublishOptions(
    program
      .command('run')
      .description(
        'Build and push a Go package, then kubectl run it with the pushed digest (kubectl arguments after --)',
      )
      .argument('[package]', 'the Go package (default .): ./cmd/app or an import path')
      .argument(
        '[kubectl-args...]',
        'passed to kubectl run, e.g. -- --restart=Never --rm -it -- -v (container arguments after a second --)',
      )
      .option('--name <name>', 'the pod name (default: the package’s last path element)'),
  ).action(async (pkgArg: string | undefined, rest: string[], flags: RunFlags) => {
    // `minnow run -- --rm`: no package given, only kubectl's arguments.
    const [pkg, kubectlArgs] =
      pkgArg === undefined || pkgArg.startsWith('-')
        ? ['.', pkgArg ? [pkgArg, ...rest] : rest]
        : [pkgArg, rest];
    if (flags.name !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(flags.name)) {
      throw new MinnowError('INVALID_ARGUMENT', `invalid --name "${flags.name}": want a DNS-1123 label`, {
        hint: 'lowercase letters, digits and -, up to 63',
      });
    }
    // Before building anything: without kubectl there is nothing to run on.
    const kubectl = await findKubectl();
    const publisher = await publisherFromFlags(flags);
    const dir = flags.dir ?? process.cwd();
    const { importPath, image } = await usingPublisher(publisher, async () => {
      const importPath = importPathFrom(pkg, dir, publisher.moduleDir, publisher.modulePath);
      publisher.publish.plan?.([importPath]);
      return { importPath, image: await withSignals((signal) => publisher.publish(importPath, signal)) };
    });
    flags.name ??= podName(importPath);
    await writeImageRefs(flags, [image]);
    if (!flags.quiet) process.stderr.write(`${pc.dim(pkg)} ${image}\n`);
    // On a terminal kubectl gets it, so `-- -it --rm` attaches to the pod as with kubectl itself.
    const done = await runKubectl(kubectlRunArgs(flags.name, image, kubectlArgs), {
      kubectl,
      ...(process.stdin.isTTY ? { inheritStdio: true } : { stdout: process.stdout, stderr: process.stderr }),
    });
    if (done.code !== 0) {
      throw new MinnowError('INTERNAL', `kubectl run failed with exit status ${done.code}`, {
        subject: 'kubectl',
        hint: 'its own message is above',
      });
    }
  });
}
