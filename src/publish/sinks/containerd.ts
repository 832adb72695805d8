import type { ImageOrIndex } from '../../oci/index.js';
import { oneImage, recordedName } from './one-image.js';
import type { Sink, SinkOptions, SinkResult, SinkWriteOptions } from './sink.js';
import type { SpecContext } from './spec.js';

/** The namespace Kubernetes' image service reads (kind, k3s and minikube nodes): where a pod finds the image. */
export const DEFAULT_CONTAINERD_NAMESPACE = 'k8s.io';

export interface ContainerdSinkOptions {
  /** containerd's namespace. Default `k8s.io`. */
  namespace?: string;
  /** containerd's socket. Default `$CONTAINERD_ADDRESS`, else /run/containerd/containerd.sock. */
  address?: string;
}

/**
 * A containerd image store (`ctr images import`, the archive streamed on stdin): the image the pods of a local
 * cluster's node run without a registry. Takes one image (wrap it in `hostPlatformOnly`), named as Kubernetes
 * looks it up (`docker.io/library/NAME:TAG` for a bare name). `check` makes sure containerd answers first.
 */
export function containerdSink(options: ContainerdSinkOptions = {}): Sink {
  const namespace = options.namespace ?? DEFAULT_CONTAINERD_NAMESPACE;
  const ctrOptions = options.address ? { address: options.address } : {};
  return {
    kind: 'containerd',
    description: `containerd:${namespace}`,
    takesIndex: false,
    async check() {
      const { pingContainerd } = await import('../containerd.js');
      await pingContainerd(ctrOptions);
    },
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      const image = oneImage(target, 'containerd');
      const [name, tag] = recordedName({}, write).split(/:(?=[^:/]*$)/) as [string, string];
      const { containerdImageName, importIntoContainerd } = await import('../containerd.js');
      const full = containerdImageName(name, tag);
      const digest = await importIntoContainerd(
        image,
        { namespace, name: full },
        {
          ...ctrOptions,
          ...(write.signal ? { signal: write.signal } : {}),
        },
      );
      return { kind: 'containerd', reference: `containerd:${namespace} ${full}`, digest };
    },
  };
}

/** `containerd`, `containerd:NAMESPACE` or `containerd:NAMESPACE@SOCKET` (a namespace as containerd takes it). */
export function parseContainerdSpec(spec: string, ctx: SpecContext, options: SinkOptions): Sink {
  const rest = spec === 'containerd' ? '' : spec.slice('containerd:'.length);
  const at = rest.indexOf('@');
  const namespace = at < 0 ? rest : rest.slice(0, at);
  const address = at < 0 ? options.containerdAddress : rest.slice(at + 1);
  if (namespace !== '' && !/^[A-Za-z0-9]([A-Za-z0-9._-]{0,74}[A-Za-z0-9])?$/.test(namespace)) {
    throw ctx.invalid(`"${namespace}" is not a containerd namespace`);
  }
  if (address !== undefined && address === '') throw ctx.invalid('no socket after @');
  return containerdSink({
    ...(namespace ? { namespace } : {}),
    ...(address ? { address } : {}),
  });
}
