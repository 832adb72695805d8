import { describe, expect, it } from 'vitest';
import { formatReference, parseReference } from '../../src/registry/reference.js';
import { parseWwwAuthenticate } from '../../src/registry/www-authenticate.js';
import { backoffDelay, parseRetryAfter } from '../../src/registry/retry.js';
import { isLoopback } from '../../src/registry/transport.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['library/alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/user/app:v1', 'docker.io/user/app:v1'],
    ['user/app', 'docker.io/user/app:latest'],
    ['gcr.io/distroless/static-debian12:nonroot', 'gcr.io/distroless/static-debian12:nonroot'],
    [`cgr.dev/chainguard/static@${D}`, `cgr.dev/chainguard/static@${D}`],
    [`ghcr.io/org/app:v1@${D}`, `ghcr.io/org/app:v1@${D}`],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:t-1.2_x', 'localhost:5000/a/b/c:t-1.2_x'],
    ['127.0.0.1:5000/alpine:3.19', '127.0.0.1:5000/alpine:3.19'],
    ['[::1]:5000/app:v1', '[::1]:5000/app:v1'],
    ['my-registry.example.com/a__b/c.d-e:tag', 'my-registry.example.com/a__b/c.d-e:tag'],
  ])('%s → %s', (input, full) => {
    expect(formatReference(parseReference(input))).toBe(full);
  });

  it.each([
    ['', /empty/],
    ['Alpine:3.19', /lowercase/],
    ['alpine:', /not a valid tag/],
    ['alpine:bad tag', /whitespace/],
    ['alpine@sha256:1234', /not a digest/],
    ['https://ghcr.io/org/app', /URL scheme/],
    ['ghcr.io//app', /path component/],
    ['ghcr.io/org/app-:v1', /path component/],
    ['registry:notaport/app', /not a valid registry host/],
    [`a/${'b'.repeat(260)}`, /longer than 255/],
    ['alpine:-x', /not a valid tag/],
  ])('refuses %j with one clear line', (input, why) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('WWW-Authenticate', () => {
  it('parses Docker Hub style Bearer challenges', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull,push',
        },
      },
    ]);
  });
  it('parses several challenges, unquoted values and escapes', () => {
    expect(
      parseWwwAuthenticate('Basic realm="a \\"b\\"", Bearer realm=https://x/t,error=insufficient_scope'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', error: 'insufficient_scope' } },
    ]);
  });
});

describe('retry timing and hosts', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
  it('backs off exponentially with jitter, capped, and honours Retry-After up to the cap', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let i = 0; i < 20; i++) {
      const d = backoffDelay(2, policy);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
    expect(backoffDelay(10, policy)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(0, policy, 800)).toBe(800);
    expect(backoffDelay(0, policy, 60_000)).toBe(1000);
  });
  it('treats only loopback hosts as plain-HTTP capable by default', () => {
    expect(isLoopback('localhost:5000')).toBe(true);
    expect(isLoopback('127.3.4.5:80')).toBe(true);
    expect(isLoopback('[::1]:5000')).toBe(true);
    expect(isLoopback('127.example.com')).toBe(false);
    expect(isLoopback('10.0.0.1:5000')).toBe(false);
  });
});
