import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyAuthorization, proxyFor } from '../../src/registry/proxy.js';

describe('proxyFor', () => {
  const url = (s: string): URL => new URL(s);

  it('takes HTTPS_PROXY for https URLs, falling back to HTTP_PROXY; HTTP_PROXY only for http URLs', () => {
    const env = { HTTP_PROXY: 'http://plain:3128', HTTPS_PROXY: 'http://secure:3128' };
    expect(proxyFor(url('https://ghcr.io/v2/'), env)?.host).toBe('secure:3128');
    expect(proxyFor(url('http://127.0.0.1:5000/v2/'), env)?.host).toBe('plain:3128');
    expect(proxyFor(url('https://ghcr.io/v2/'), { HTTP_PROXY: 'http://plain:3128' })?.host).toBe(
      'plain:3128',
    );
    expect(proxyFor(url('http://ghcr.io/v2/'), { HTTPS_PROXY: 'http://secure:3128' })).toBeUndefined();
    expect(proxyFor(url('https://ghcr.io/v2/'), {})).toBeUndefined();
  });

  it('prefers the lower-case variables, as curl does, and reads a proxy given without a scheme', () => {
    const env = { https_proxy: 'lower:8080', HTTPS_PROXY: 'http://upper:8080' };
    expect(proxyFor(url('https://ghcr.io/'), env)?.href).toBe('http://lower:8080/');
  });

  it('NO_PROXY exempts hosts, their subdomains and exact ports', () => {
    const env = {
      HTTPS_PROXY: 'http://p:1',
      HTTP_PROXY: 'http://p:1',
      NO_PROXY: 'example.com, .internal,*.corp 127.0.0.1:5000',
    };
    expect(proxyFor(url('https://example.com/'), env)).toBeUndefined();
    expect(proxyFor(url('https://registry.example.com/'), env)).toBeUndefined();
    expect(proxyFor(url('https://notexample.com/'), env)?.host).toBe('p:1');
    expect(proxyFor(url('https://a.b.internal/'), env)).toBeUndefined();
    expect(proxyFor(url('https://x.corp/'), env)).toBeUndefined();
    expect(proxyFor(url('http://127.0.0.1:5000/'), env)).toBeUndefined();
    expect(proxyFor(url('http://127.0.0.1:5001/'), env)?.host).toBe('p:1');
  });

  it('NO_PROXY=* exempts everything; the default port counts for an entry with a port', () => {
    expect(bypassesProxy(url('https://ghcr.io/'), '*')).toBe(true);
    expect(bypassesProxy(url('https://ghcr.io/'), 'ghcr.io:443')).toBe(true);
    expect(bypassesProxy(url('http://ghcr.io/'), 'ghcr.io:443')).toBe(false);
    expect(bypassesProxy(url('http://[::1]:5000/'), '::1')).toBe(true);
    expect(bypassesProxy(url('https://ghcr.io/'), '')).toBe(false);
  });

  it('sends Basic credentials from the proxy URL, decoded', () => {
    const auth = proxyAuthorization(new URL('http://us%40er:p%3Ass@proxy:3128'));
    expect(Buffer.from((auth ?? '').replace(/^Basic /, ''), 'base64').toString()).toBe('us@er:p:ss');
    expect(proxyAuthorization(new URL('http://proxy:3128'))).toBeUndefined();
  });
});
