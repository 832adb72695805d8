import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

/** A canned answer the proxy sends instead of forwarding. */
export interface Injected {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every request seen, as `METHOD path`. */
  seen: string[];
  /** Decides per request: return an answer to inject, or undefined to forward to the registry. */
  inject: (req: IncomingMessage) => Injected | undefined;
  stop(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of a real registry that forwards every request (Location headers rewritten to
 * itself) unless `inject` returns a canned answer: 500s, 429 with Retry-After, 403 with error codes.
 */
export async function startFaultProxy(
  target: string,
  options: { bind?: string; tls?: { key: Buffer; cert: Buffer } } = {},
): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const proxy: FaultProxy = {
    host: '',
    seen: [],
    inject: () => undefined,
    stop: async () => undefined,
  };
  const handler: RequestListener = (req, res) => {
    proxy.seen.push(`${req.method} ${req.url}`);
    const canned = proxy.inject(req);
    if (canned) {
      req.resume();
      res.writeHead(canned.status, { 'content-type': 'application/json', ...(canned.headers ?? {}) });
      res.end(canned.body ?? '');
      return;
    }
    const upstream = request(
      {
        host: targetHost,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target },
      },
      (up) => {
        const headers = { ...up.headers };
        if (typeof headers.location === 'string')
          headers.location = headers.location.replace(target, proxy.host);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  const bind = options.bind ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, bind, resolve));
  const addr = server.address();
  proxy.host = `${bind}:${typeof addr === 'object' && addr ? addr.port : 0}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
