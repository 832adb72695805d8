/**
 * The command to run after a build, by where the image went: the Engine cannot run an OCI folder, so the
 * summary says how to get from each output to a running container or a registry.
 */
export function nextStep(kind: string, reference: string): string | undefined {
  switch (kind) {
    case 'oci': {
      const spec = reference.startsWith('oci:') ? reference : `oci:${reference}`;
      return `minnow push ${spec} REGISTRY/NAME:TAG, or build with -o daemon to docker run it`;
    }
    case 'daemon':
      return `docker run --rm ${reference}`;
    case 'docker':
      return `docker load -i ${reference.replace(/^docker:/, '')}`;
    case 'registry':
      return `docker run --rm ${reference}`;
    default:
      return undefined;
  }
}
