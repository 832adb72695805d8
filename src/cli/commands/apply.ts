import type { Command } from 'commander';
import { MinnowError } from '../../errors.js';
import { findKubectl, kubectlApply } from '../../resolve/kubectl.js';
import { joinManifests } from '../../resolve/resolve-manifests.js';
import {
  reportImages,
  resolveFromFlags,
  withResolveOptions,
  withSignals,
  type ResolveFlags,
} from './resolve.js';

/** Registers `minnow apply`. */
export function register(program: Command): void {
  withResolveOptions(
    program
      .command('apply')
      .description('minnow resolve, then kubectl apply -f - with the result (kubectl arguments after --)')
      .argument('[kubectl-args...]', 'passed to kubectl apply, e.g. -- --namespace web --dry-run=server'),
  ).action(async (kubectlArgs: string[], flags: ResolveFlags) => {
    // Before building anything: without kubectl there is nothing to apply to.
    const kubectl = await findKubectl();
    const result = await withSignals((signal) => resolveFromFlags(flags, signal));
    reportImages(result, flags.quiet);
    const applied = await kubectlApply(joinManifests(result.manifests), {
      kubectl,
      args: kubectlArgs,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    if (applied.code !== 0) {
      throw new MinnowError('INTERNAL', `kubectl apply failed with exit status ${applied.code}`, {
        subject: 'kubectl',
        hint: 'its own message is above',
      });
    }
  });
}
