import type { Command } from 'commander';
import type { RegistryReadOptions } from '../base/registry.js';
import { MinnowError } from '../errors.js';
import type { ProgressCallback } from '../registry/progress.js';
import { parseReference, referenceName, type Reference } from '../registry/reference.js';

/** The registry flags a command that reads bases and pushes results takes. */
export interface RegistryFlags {
  push: string[];
  repo?: string;
  tag: string[];
  insecureRegistry: string[];
  offline?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds --push, --repo, --tag, --insecure-registry and --offline to a command. */
export function addRegistryOptions(command: Command): Command {
  return command
    .option(
      '--push <ref>',
      'push the result to a registry, e.g. ghcr.io/org/app:v1 (repeatable)',
      collect,
      [],
    )
    .option('--repo <name>', 'push to this repository, tagged with every --tag (default tag latest)')
    .option(
      '-t, --tag <tag>',
      'a tag (repeatable): pushed with --repo; the first also tags docker:/daemon/default-layout outputs',
      collect,
      [],
    )
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP or an unverified certificate for this host',
      collect,
      [],
    )
    .option('--offline', 'use only cached registry content; fail naming anything missing');
}

/**
 * Every reference to push to, checked before any work starts. `tagsNeedRepo` (for `minnow push`) refuses --tag
 * without --repo; `minnow build` tags its local outputs with it instead.
 */
export function pushTargets(flags: RegistryFlags, tagsNeedRepo = false): Reference[] {
  const refs = flags.push.map((p) => parseReference(p));
  if (tagsNeedRepo && flags.tag.length && !flags.repo) {
    throw new MinnowError('INVALID_ARGUMENT', '--tag needs --repo (or give full references with --push)');
  }
  if (flags.repo) {
    if (flags.repo.includes('@') || flags.repo.slice(flags.repo.lastIndexOf('/') + 1).includes(':')) {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `--repo "${flags.repo}" must not include a tag or digest: use --tag`,
      );
    }
    const repo = parseReference(flags.repo);
    for (const tag of flags.tag.length ? flags.tag : ['latest'])
      refs.push(parseReference(`${referenceName(repo)}:${tag}`));
  }
  return refs;
}

/** Registry options for reading bases, from the flags. */
export function registryReadOptions(
  flags: RegistryFlags,
  onProgress?: ProgressCallback,
): RegistryReadOptions {
  return {
    ...(flags.offline ? { offline: true } : {}),
    ...(flags.insecureRegistry.length ? { insecureRegistries: flags.insecureRegistry } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}
