import {
  createServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';

/** A canned answer the proxy sends instead of forwarding. */
export interface Injected {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What to do to a forwarded response's body (and, with `holdRequest`, to the request). */
export interface Tamper {
  /** Close the connection after this many body bytes. */
  cutAfter?: number;
  /** Stop sending (but keep the connection open) after this many body bytes. */
  stallAfter?: number;
  /** Send the body at this rate. */
  bytesPerSecond?: number;
  /** Never forward the request and never answer (a registry stuck mid-upload). */
  holdRequest?: boolean;
  /** Reset the connection instead of forwarding the request. */
  reset?: boolean;
  /** Forward the request only once this settles (a registry slow to answer it). */
  holdUntil?: Promise<unknown>;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every request seen, as `METHOD path`. */
  seen: string[];
  /** Decides per request: return an answer to inject, or undefined to forward to the registry. */
  inject: (req: IncomingMessage) => Injected | undefined;
  /** Decides per forwarded request how to damage its answer; undefined forwards it intact. */
  tamper: (req: IncomingMessage) => Tamper | undefined;
  stop(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of a real registry that forwards every request (Location headers rewritten to
 * itself) unless `inject` returns a canned answer: 500s, 429 with Retry-After, 403 with error codes; `tamper`
 * damages forwarded answers (cut or stalled mid-body, a trickle) or holds a request forever.
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
    tamper: () => undefined,
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
    const damage = proxy.tamper(req);
    if (damage?.holdRequest) {
      req.resume();
      return;
    }
    if (damage?.reset) {
      req.socket.destroy();
      return;
    }
    if (damage?.holdUntil) {
      const { holdUntil, ...rest } = damage;
      req.pause();
      const go = (): void => forward(req, res, Object.keys(rest).length ? rest : undefined);
      holdUntil.then(go, go);
      return;
    }
    forward(req, res, damage);
  };
  const forward = (req: IncomingMessage, res: ServerResponse, damage: Tamper | undefined): void => {
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
        // The registry names itself in upload locations: they must name the proxy, in the scheme it speaks.
        if (typeof headers.location === 'string')
          headers.location = headers.location
            .replace(`http://${target}`, `${options.tls ? 'https' : 'http'}://${proxy.host}`)
            .replace(target, proxy.host);
        res.writeHead(up.statusCode ?? 502, headers);
        if (!damage) {
          up.pipe(res);
          return;
        }
        res.flushHeaders();
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          const limit = damage.cutAfter ?? damage.stallAfter;
          const part = limit !== undefined ? chunk.subarray(0, Math.max(0, limit - sent)) : chunk;
          sent += part.length;
          if (damage.bytesPerSecond) {
            up.pause();
            let i = 0;
            const tick = setInterval(() => {
              if (res.destroyed || i >= part.length) {
                clearInterval(tick);
                up.resume();
                return;
              }
              res.write(part.subarray(i, i + Math.max(1, Math.round(damage.bytesPerSecond! / 10))));
              i += Math.max(1, Math.round(damage.bytesPerSecond! / 10));
            }, 100);
            return;
          }
          if (part.length) res.write(part);
          if (damage.cutAfter !== undefined && sent >= damage.cutAfter) {
            up.destroy();
            res.socket?.destroy();
          } else if (damage.stallAfter !== undefined && sent >= damage.stallAfter) {
            up.destroy();
          }
        });
        up.on('end', () => {
          if (damage.stallAfter === undefined && damage.cutAfter === undefined) res.end();
          else if (sent < (damage.cutAfter ?? damage.stallAfter ?? 0)) res.end();
        });
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
