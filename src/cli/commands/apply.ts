import type { Command } from 'commander';
import { MinnowError } from '../../errors.js';
import { findKubectl, kubectlWithYaml, type KubectlYamlVerb } from '../../resolve/kubectl.js';
import { readManifests } from '../../resolve/read-manifests.js';
import { joinManifests } from '../../resolve/resolve-manifests.js';
import { parseSelector, selectDocuments } from '../../resolve/select-documents.js';
import { writeImageRefs } from '../ko-publish-flags.js';
import {
  reportImages,
  resolveFromFlags,
  withManifestOptions,
  withResolveOptions,
  withSignals,
  type ResolveFlags,
} from './resolve.js';

/** The kubectl verbs that take the YAML on stdin, as ko has them. */
const VERBS: Record<KubectlYamlVerb, { description: string; example: string }> = {
  apply: {
    description: 'minnow resolve, then kubectl apply -f - with the result (kubectl arguments after --)',
    example: '-- --namespace web --dry-run=server',
  },
  create: {
    description: 'minnow resolve, then kubectl create -f - with the result (kubectl arguments after --)',
    example: '-- --namespace web --save-config',
  },
  delete: {
    description:
      'kubectl delete -f - with the manifests as read (nothing is built: deleting needs only kinds and names)',
    example: '-- --namespace web --wait=false',
  },
};

/** The YAML for `verb`: resolved (built and pushed) for apply and create, only read and selected for delete. */
async function yamlFor(verb: KubectlYamlVerb, flags: ResolveFlags): Promise<string> {
  if (verb !== 'delete') {
    const result = await withSignals((signal) => resolveFromFlags(flags, signal));
    await writeImageRefs(flags, [...result.images.values()]);
    reportImages(result, flags.quiet);
    return joinManifests(result.manifests);
  }
  if (flags.filename.length === 0) {
    throw new MinnowError('INVALID_ARGUMENT', 'no manifests given', { hint: 'pass -f FILE, -f DIR or -f -' });
  }
  const selector = flags.selector === undefined ? undefined : parseSelector(flags.selector);
  const read = await withSignals((signal) =>
    readManifests(flags.filename, { recursive: flags.recursive ?? false, signal }),
  );
  return joinManifests(selector ? selectDocuments(read, selector) : read);
}

/** Registers `minnow apply`, `minnow create` and `minnow delete`. */
export function register(program: Command): void {
  for (const [verb, { description, example }] of Object.entries(VERBS) as Array<
    [KubectlYamlVerb, (typeof VERBS)[KubectlYamlVerb]]
  >) {
    const command = program
      .command(verb)
      .description(description)
      .argument('[kubectl-args...]', `passed to kubectl ${verb}, e.g. ${example}`);
    (verb === 'delete' ? withManifestOptions(command) : withResolveOptions(command)).action(
      async (kubectlArgs: string[], flags: ResolveFlags) => {
        // Before building anything: without kubectl there is nothing to apply to.
        const kubectl = await findKubectl();
        const yaml = await yamlFor(verb, flags);
        const done = await kubectlWithYaml(verb, yaml, {
          kubectl,
          args: kubectlArgs,
          stdout: process.stdout,
          stderr: process.stderr,
        });
        if (done.code !== 0) {
          throw new MinnowError('INTERNAL', `kubectl ${verb} failed with exit status ${done.code}`, {
            subject: 'kubectl',
            hint: 'its own message is above',
          });
        }
      },
    );
  }
}
