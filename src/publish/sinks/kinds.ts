import { parseContainerdSpec } from './containerd.js';
import { parseDaemonSpec } from './daemon.js';
import { hostPlatformOnly } from './host-platform.js';
import { parseLayoutSpec } from './layout.js';
import { namesRegistryHost, parseRegistrySpec } from './registry.js';
import type { Sink, SinkOptions } from './sink.js';
import { specContext, type SpecContext } from './spec.js';
import { parseTarballSpec } from './tarball.js';

/** One kind of destination: its spec grammar (for help and messages), how to recognise it, how to make it. */
export interface SinkKind {
  /** The kind, as `Sink.kind`. */
  kind: string;
  /** The grammar, for help and messages: `oci:DIR[:TAG]`. */
  grammar: string;
  /** Whether `spec` is this kind. `registryByDefault`: a spec no other kind claims is a registry reference. */
  matches(spec: string, registryByDefault: boolean): boolean;
  /** Makes the sink, refusing a malformed spec with `ctx.invalid`. */
  parse(spec: string, ctx: SpecContext, options: SinkOptions): Sink;
}

/** The destinations minnow writes to, tried in order. Adding one is a file with its parser and a line here. */
export const SINK_KINDS: readonly SinkKind[] = [
  { kind: 'oci', grammar: 'oci:DIR[:TAG]', matches: (s) => s.startsWith('oci:'), parse: parseLayoutSpec },
  {
    kind: 'docker',
    grammar: 'docker:FILE.tar',
    matches: (s) => s.startsWith('docker:'),
    parse: parseTarballSpec,
  },
  {
    kind: 'daemon',
    grammar: 'daemon[:NAME[:TAG]]',
    matches: (s) => s === 'daemon' || s.startsWith('daemon:'),
    parse: parseDaemonSpec,
  },
  {
    kind: 'containerd',
    grammar: 'containerd[:NAMESPACE[@SOCKET]]',
    matches: (s) => s === 'containerd' || s.startsWith('containerd:'),
    parse: parseContainerdSpec,
  },
  {
    kind: 'registry',
    grammar: 'a registry reference (HOST/REPO[:TAG])',
    matches: (s, byDefault) => byDefault || namesRegistryHost(s),
    parse: parseRegistrySpec,
  },
];

/** The accepted forms, for help texts: `oci:DIR[:TAG], docker:FILE.tar, ... or a registry reference`. */
export function sinkForms(kinds: readonly SinkKind[] = SINK_KINDS): string {
  const grammars = kinds.map((k) => k.grammar);
  return grammars.length > 1
    ? `${grammars.slice(0, -1).join(', ')} or ${grammars[grammars.length - 1] as string}`
    : (grammars[0] ?? '');
}

export interface CreateSinkOptions extends SinkOptions {
  /** A spec no other kind claims is a registry reference (`minnow push`'s destination). Default false. */
  registryByDefault?: boolean;
}

/**
 * Makes the sink a spec names, through SINK_KINDS. Sinks that take one image come wrapped in `hostPlatformOnly`,
 * so every sink returned takes an index. A spec no kind claims, or one its kind refuses, is INVALID_ARGUMENT
 * naming the accepted forms.
 */
export function createSink(spec: string, options: CreateSinkOptions = {}): Sink {
  const flag = options.flag ?? 'sink';
  const ctx = specContext(flag, spec, sinkForms());
  const kind = SINK_KINDS.find((k) => k.matches(spec, options.registryByDefault ?? false));
  if (!kind) throw ctx.invalid('unknown kind');
  const sink = kind.parse(spec, ctx, options);
  return hostPlatformOnly(sink, { label: `${flag} ${kind.kind}` });
}
