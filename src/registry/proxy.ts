/**
 * The proxy a request to `url` goes through, as curl, Go and undici read the environment: `https_proxy` /
 * `HTTPS_PROXY` for https URLs (falling back to the HTTP proxy), `http_proxy` / `HTTP_PROXY` for http URLs, and
 * none for a host `no_proxy` / `NO_PROXY` names. Undefined when the request goes direct.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const raw = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? http) : http;
  if (!raw?.trim()) return undefined;
  if (bypassesProxy(url, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  const text = raw.trim();
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
}

const defaultPort = (url: URL): string => url.port || (url.protocol === 'https:' ? '443' : '80');

/**
 * Whether `noProxy` (comma- or space-separated) exempts `url`: `*` exempts every host; an entry matches its own
 * host and every subdomain (a leading `.` or `*.` is the same); an entry with `:port` matches only that port.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    // `[::1]:5000`, `::1` (an IPv6 address, no port), `host:5000`, `host`.
    const m =
      /^\[(.+)\](?::(\d+))?$/.exec(entry) ??
      (entry.split(':').length > 2 ? [entry, entry, undefined] : /^([^:]*)(?::(\d+))?$/.exec(entry));
    if (!m) continue;
    const name = (m[1] ?? '').replace(/^\*?\./, '');
    if (m[2] && m[2] !== defaultPort(url)) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The `Proxy-Authorization` header for a proxy URL with credentials (sent to the proxy only). */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
