import type { Agent as AnyAgent, ClientRequest, IncomingMessage } from 'node:http';
import type * as NodeHttp from 'node:http';
import type * as NodeHttps from 'node:https';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type * as NodeTls from 'node:tls';
import { proxyAuthorization, proxyFor } from './proxy.js';

/**
 * HTTP/1.1 for the registry client on node:http, which Node has compiled in: undici's megabyte of JavaScript and
 * its WebAssembly parser cost every registry command tens of milliseconds before the first request, for no speed
 * a registry client needs. Keep-alive pools per scheme, TLS verification, HTTP(S)_PROXY tunnels and three bounds.
 */

// Not `import ... from 'node:http'`: an ES import reads every export of a built-in, and Node 22's node:http
// exports WebSocket and EventSource through getters that load Node's own copy of undici (30 ms) on first read.
const requireBuiltin = createRequire(import.meta.url);
const { Agent: HttpAgent, request: httpRequest } = requireBuiltin('node:http') as typeof NodeHttp;
// TLS loads on the first https request: a push to a local plain-HTTP registry never needs it (~8 ms of start-up).
let secureModules: { https: typeof NodeHttps; tls: typeof NodeTls } | undefined;
const secure = (): { https: typeof NodeHttps; tls: typeof NodeTls } =>
  (secureModules ??= {
    https: requireBuiltin('node:https') as typeof NodeHttps,
    tls: requireBuiltin('node:tls') as typeof NodeTls,
  });

/** The bounds of one request, ms. */
export interface PoolTimeouts {
  /** TCP connect plus TLS handshake (and a proxy tunnel). */
  connectMs: number;
  /** Request sent in full → response headers. */
  firstByteMs: number;
  /** Longest pause between two chunks of the response body. */
  idleMs: number;
}

/** Codes of the errors a bound that ran out fails with (registry/transport.ts names each). */
export const TIMEOUT_CODES = {
  connect: 'MINNOW_CONNECT_TIMEOUT',
  firstByte: 'MINNOW_HEADERS_TIMEOUT',
  idle: 'MINNOW_BODY_TIMEOUT',
} as const;

/** The code of a proxy that answered CONNECT with anything but 200. */
export const PROXY_REFUSED = 'MINNOW_PROXY_REFUSED';

/** A response body: a Readable with undici's three helpers. */
export type ResponseBody = Readable & {
  /** Reads and drops a small body (the connection is reused), or destroys a large one. */
  dump(): Promise<void>;
  text(): Promise<string>;
  json(): Promise<unknown>;
};

export interface PoolResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: ResponseBody;
}

export interface PoolRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer | Readable;
  /** Verify the server's certificate (https). */
  verifyTls: boolean;
  signal?: AbortSignal;
}

/** Bodies up to this size are read to the end by `dump()` so their connection is kept; larger ones are cut. */
const DUMP_LIMIT = 256 * 1024;

function timeoutError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// The bounds' timers are unref'd: a request in flight keeps the process alive by its socket, and a body nobody
// reads must not hold a finished command open until its idle bound runs out.

/** Sockets that finished connecting (and their TLS handshake): a reused one needs no connect bound. */
const connected = new WeakSet<Socket>();

/** An agent whose connections go through an HTTP CONNECT tunnel (TLS inside it for https targets). */
function tunnelAgent(proxy: URL, https: boolean, verifyTls: boolean): AnyAgent {
  const Base = https ? secure().https.Agent : HttpAgent;
  const agent = new Base({ keepAlive: true, ...(https ? { rejectUnauthorized: verifyTls } : {}) });
  const open = (
    options: {
      host?: string | null;
      hostname?: string | null;
      port?: number | string | null;
      servername?: string;
    },
    done: (err: Error | null, socket?: Socket) => void,
  ): void => {
    const host = options.hostname ?? options.host ?? 'localhost';
    const port = Number(options.port ?? (https ? 443 : 80));
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const auth = proxyAuthorization(proxy);
    const connect = (proxy.protocol === 'https:' ? secure().https.request : httpRequest)({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(auth ? { 'proxy-authorization': auth } : {}) },
      agent: false,
    });
    let answered = false;
    const fail = (err: Error): void => {
      if (answered) return;
      answered = true;
      done(err);
    };
    connect.once('error', fail);
    connect.once('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(
          Object.assign(
            new Error(`proxy ${proxy.host} refused a tunnel to ${authority}: HTTP ${res.statusCode}`),
            { code: PROXY_REFUSED },
          ),
        );
        return;
      }
      if (!https) {
        answered = true;
        connected.add(socket);
        done(null, socket);
        return;
      }
      const tunneled = secure().tls.connect({
        socket,
        ...(isIP(host) ? {} : { servername: options.servername ?? host }),
        rejectUnauthorized: verifyTls,
        ALPNProtocols: ['http/1.1'],
      });
      tunneled.once('error', fail);
      tunneled.once('secureConnect', () => {
        tunneled.off('error', fail);
        answered = true;
        connected.add(tunneled);
        done(null, tunneled);
      });
    });
    connect.end();
  };
  // node:http's Agent takes a socket from createConnection's callback when the function returns nothing.
  (agent as unknown as { createConnection: typeof open }).createConnection = (options, done) => {
    open(options, done);
  };
  return agent;
}

/** One pool of keep-alive connections per scheme, verification and proxy; `close()` ends them all at once. */
export class ConnectionPool {
  readonly #timeouts: PoolTimeouts;
  readonly #env: NodeJS.ProcessEnv;
  readonly #agents = new Map<string, AnyAgent>();

  constructor(timeouts: PoolTimeouts, env: NodeJS.ProcessEnv = process.env) {
    this.#timeouts = timeouts;
    this.#env = env;
  }

  #agentFor(url: URL, verifyTls: boolean): AnyAgent {
    const https = url.protocol === 'https:';
    const proxy = proxyFor(url, this.#env);
    const key = `${url.protocol} ${https && verifyTls ? 'verify' : 'any'} ${proxy?.href ?? 'direct'}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = proxy
        ? tunnelAgent(proxy, https, verifyTls)
        : https
          ? new (secure().https.Agent)({ keepAlive: true, rejectUnauthorized: verifyTls })
          : new HttpAgent({ keepAlive: true });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** Sends one request; resolves with the response once its headers arrive. The caller reads or dumps the body. */
  request(url: URL, init: PoolRequest): Promise<PoolResponse> {
    const t = this.#timeouts;
    const https = url.protocol === 'https:';
    const headers: Record<string, string> = { ...init.headers };
    if (
      Buffer.isBuffer(init.body) &&
      !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')
    ) {
      headers['content-length'] = String(init.body.length);
    }
    return new Promise<PoolResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        clearTimeout(connectTimer);
        clearTimeout(firstByteTimer);
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      const req: ClientRequest = (https ? secure().https.request : httpRequest)(url, {
        method: init.method,
        headers,
        agent: this.#agentFor(url, init.verifyTls),
        ...(https ? { rejectUnauthorized: init.verifyTls } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      let firstByteTimer: NodeJS.Timeout | undefined;
      const connectTimer = setTimeout(() => {
        req.destroy(
          timeoutError(TIMEOUT_CODES.connect, `no connection to ${url.host} within ${t.connectMs} ms`),
        );
      }, t.connectMs).unref();
      req.once('socket', (socket: Socket) => {
        if (connected.has(socket)) {
          clearTimeout(connectTimer);
          return;
        }
        socket.once((socket as Partial<NodeTls.TLSSocket>).encrypted ? 'secureConnect' : 'connect', () => {
          connected.add(socket);
          clearTimeout(connectTimer);
        });
      });
      req.once('finish', () => {
        // A server may answer before the body is all sent (a refused upload): its response ends the bound, and a
        // late timer must not destroy a socket the pool has since given to another request.
        if (settled) return;
        firstByteTimer = setTimeout(() => {
          req.destroy(
            timeoutError(TIMEOUT_CODES.firstByte, `no response from ${url.host} within ${t.firstByteMs} ms`),
          );
        }, t.firstByteMs).unref();
      });
      req.on('error', fail);
      req.once('response', (res: IncomingMessage) => {
        clearTimeout(connectTimer);
        clearTimeout(firstByteTimer);
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: withIdleBound(res, t.idleMs, url, init.method),
        });
      });
      const body = init.body;
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  /** Closes every connection now: nothing is left to keep the process alive. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/**
 * `res` as a ResponseBody, destroyed with MINNOW_BODY_TIMEOUT when its connection brings no data for `idleMs`
 * before the body is complete. The bound watches the socket, not the body: a 'data' listener on the body would
 * start it flowing before its reader is there.
 */
function withIdleBound(res: IncomingMessage, idleMs: number, url: URL, method: string): ResponseBody {
  const socket = res.socket;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    if (res.complete) return;
    timer = setTimeout(() => {
      if (!res.complete)
        res.destroy(timeoutError(TIMEOUT_CODES.idle, `${url.host} sent no data for ${idleMs} ms`));
    }, idleMs).unref();
  };
  const disarm = (): void => {
    clearTimeout(timer);
    socket?.off('data', arm);
  };
  arm();
  socket?.on('data', arm);
  res.once('end', disarm);
  res.once('close', disarm);
  res.on('error', disarm);
  const collect = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const empty = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
  return Object.assign(res, {
    async dump(): Promise<void> {
      if (res.readableEnded || res.destroyed) return;
      const length = Number(res.headers['content-length'] ?? NaN);
      if (!empty && length > DUMP_LIMIT) {
        res.destroy();
        return;
      }
      await new Promise<void>((done) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // A body longer than it said, or of no stated length, is cut once past the limit.
          if (read > DUMP_LIMIT) res.destroy();
        });
        res.once('end', done);
        res.once('close', done);
        res.once('error', () => done());
      });
    },
    text: async (): Promise<string> => (await collect()).toString('utf8'),
    json: async (): Promise<unknown> => JSON.parse((await collect()).toString('utf8')) as unknown,
  });
}
