import { describe, expect, it } from 'vitest';
import { baseName } from '../../src/build/build.js';

describe('baseName', () => {
  it('writes registry bases in their full form, as Docker and the OCI spec do', () => {
    expect(baseName('alpine:3.19')).toBe('docker.io/library/alpine:3.19');
    expect(baseName('docker://alpine:3.19')).toBe('docker.io/library/alpine:3.19');
    expect(baseName('gcr.io/distroless/static-debian12:nonroot')).toBe(
      'gcr.io/distroless/static-debian12:nonroot',
    );
    expect(baseName('127.0.0.1:5000/alpine')).toBe('127.0.0.1:5000/alpine:latest');
  });

  it('leaves built-ins and local sources as given', () => {
    for (const spec of [
      'static',
      'scratch',
      'oci:/tmp/layout:v1',
      'docker-archive:/tmp/a.tar',
      'daemon:app:1',
    ]) {
      expect(baseName(spec)).toBe(spec);
    }
  });
});
