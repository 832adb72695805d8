import { get as httpGet, type IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { Client, type Dispatcher } from 'undici';
import { MinnowError, messageOf } from '../errors.js';

/** Where the Engine listens: a unix socket, or an HTTP base URL. */
export interface EngineAddress {
  socketPath?: string;
  url: string;
  /** For messages: `unix:///var/run/docker.sock` or `tcp://host:port`. */
  display: string;
}

/**
 * The Engine's address from DOCKER_HOST (`unix:///path` or `tcp://host:port`), else /var/run/docker.sock.
 * TLS endpoints (DOCKER_TLS_VERIFY) are refused rather than spoken to in plain text.
 */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const host = env.DOCKER_HOST?.trim();
  if (!host)
    return {
      socketPath: '/var/run/docker.sock',
      url: 'http://localhost',
      display: 'unix:///var/run/docker.sock',
    };
  if (host.startsWith('unix://')) {
    return { socketPath: host.slice('unix://'.length), url: 'http://localhost', display: host };
  }
  if (host.startsWith('tcp://') || host.startsWith('http://')) {
    if (env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0') {
      throw new MinnowError(
        'INVALID_ARGUMENT',
        `DOCKER_HOST ${host} needs TLS, which minnow does not speak to the Engine yet`,
        {
          subject: host,
        },
      );
    }
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { url: `http://${url.host}`, display: host };
  }
  throw new MinnowError(
    'INVALID_ARGUMENT',
    `unsupported DOCKER_HOST "${host}": want unix:///path or tcp://host:port`,
    {
      subject: host,
    },
  );
}

/** What the Engine says of an image (a subset of `GET /images/{name}/json`). */
export interface EngineImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Architecture?: string;
  Os?: string;
  Size?: number;
  Config?: { User?: string; Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null };
  [key: string]: unknown;
}

/** What `EngineClient.build` is given besides the context. */
export interface EngineBuildOptions {
  /** `name:tag` to give the image. */
  tag: string;
  /** Path of the Dockerfile inside the context. Default `Dockerfile`. */
  dockerfile?: string;
  /** Build args. */
  buildArgs?: Record<string, string>;
  signal?: AbortSignal;
}

/** What the Engine's builder said. */
export interface EngineBuildResult {
  /** Image ID (`sha256:…`, the config digest). */
  id: string;
  /** The build's output lines. */
  log: string[];
}

/** A build step may run quietly for long (a large download or compile): allow it this much between output lines. */
const BUILD_IDLE_MS = 30 * 60_000;

/** Reads the builder's JSON-lines stream: output lines into `log`, the image ID and the first error. */
async function readBuildStream(
  body: AsyncIterable<Buffer | string>,
  log: string[],
): Promise<{ id?: string; error?: string }> {
  let id: string | undefined;
  let error: string | undefined;
  let rest = '';
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    const msg = JSON.parse(line) as { stream?: string; error?: string; aux?: { ID?: string } };
    if (msg.stream) log.push(...msg.stream.split('\n').filter((l) => l !== ''));
    if (msg.aux?.ID) id = msg.aux.ID;
    if (msg.error) error ??= msg.error;
  };
  for await (const chunk of body) {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(handle);
  }
  handle(rest);
  return { ...(id ? { id } : {}), ...(error ? { error } : {}) };
}

/** Waits this long for the Engine's answer to start, and at most this long between two chunks of a body. */
const STREAM_TIMEOUT_MS = 10 * 60_000;

/** A GET whose body is consumed as a stream, with node:http (see `saveImage`); idle for too long is an error. */
function streamGet(address: EngineAddress, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
  const url = new URL(address.url);
  return new Promise((resolve, reject) => {
    const req = httpGet(
      {
        ...(address.socketPath ? { socketPath: address.socketPath } : { host: url.hostname, port: url.port }),
        path,
        ...(signal ? { signal } : {}),
        timeout: STREAM_TIMEOUT_MS,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error(`no data for ${STREAM_TIMEOUT_MS / 60_000} minutes`)));
    req.on('error', reject);
  });
}

async function collect(body: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of body) text += chunk.toString();
  return text;
}

/** A Docker Engine API client on undici, over the unix socket or DOCKER_HOST. No docker CLI involved. */
export class EngineClient {
  readonly address: EngineAddress;
  #client: Client;

  constructor(address: EngineAddress = engineAddress()) {
    this.address = address;
    this.#client = new Client(address.url, {
      ...(address.socketPath ? { socketPath: address.socketPath } : {}),
      // Loading a large image can take a while before the Engine answers.
      headersTimeout: 10 * 60_000,
      bodyTimeout: 10 * 60_000,
    });
  }

  /**
   * One request to the Engine, for the engine/ modules (containers.ts): a connection failure becomes one
   * DAEMON_ERROR naming the Engine's address.
   */
  request(options: Dispatcher.RequestOptions, what: string): Promise<Dispatcher.ResponseData> {
    return this.#request(options, what);
  }

  /** Throws the Engine's error answer as a MinnowError (NOT_FOUND for a 404), for the engine/ modules. */
  fail(res: Dispatcher.ResponseData, what: string, subject?: string): Promise<never> {
    return this.#fail(res, what, subject);
  }

  /**
   * A hijacked connection (`Upgrade: tcp`, as `POST /containers/{id}/attach` answers): the raw socket, which no
   * timeout of this client bounds once it is handed over.
   */
  async upgrade(path: string, what: string): Promise<Duplex> {
    try {
      const { socket } = await this.#client.upgrade({ path, method: 'POST', protocol: 'tcp' });
      return socket;
    } catch (err) {
      throw this.#unreachable(err, what);
    }
  }

  async #request(options: Dispatcher.RequestOptions, what: string): Promise<Dispatcher.ResponseData> {
    try {
      return await this.#client.request(options);
    } catch (err) {
      throw this.#unreachable(err, what);
    }
  }

  #unreachable(err: unknown, what: string): MinnowError {
    if (err instanceof MinnowError) return err;
    return new MinnowError(
      'DAEMON_ERROR',
      `cannot reach the Docker Engine at ${this.address.display} (${what}): ${messageOf(err)}`,
      {
        subject: this.address.display,
        cause: err,
        hint: 'start it (scripts/start-docker.sh) or set DOCKER_HOST',
      },
    );
  }

  async #fail(res: Dispatcher.ResponseData, what: string, subject?: string): Promise<never> {
    throw this.#answered(res.statusCode, await res.body.text().catch(() => ''), what, subject);
  }

  /** The Engine's error answer as one error: its `message` field, or its text. */
  #answered(status: number, text: string, what: string, subject?: string): MinnowError {
    let message = text.trim();
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      /* plain text */
    }
    return new MinnowError(
      status === 404 ? 'NOT_FOUND' : 'DAEMON_ERROR',
      `${what}: Engine answered ${status}: ${message}`,
      { subject: subject ?? this.address.display },
    );
  }

  /** Checks the Engine answers; resolves with its API version. */
  async ping(): Promise<string> {
    const res = await this.#request({ path: '/_ping', method: 'GET' }, 'ping');
    if (res.statusCode !== 200) return this.#fail(res, 'ping');
    await res.body.text();
    const version = res.headers['api-version'];
    return typeof version === 'string' ? version : '';
  }

  /**
   * Streams an image tarball (docker save format) into the Engine; returns what it says it loaded
   * (`name:tag` references, or image IDs for untagged images). The tarball is never held in memory.
   */
  async loadImage(tar: Readable): Promise<string[]> {
    const res = await this.#request(
      {
        path: '/images/load?quiet=1',
        method: 'POST',
        headers: { 'content-type': 'application/x-tar' },
        body: tar,
      },
      'load',
    );
    if (res.statusCode !== 200) return this.#fail(res, 'loading the image');
    const text = await res.body.text();
    const loaded: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue;
      }
      if (msg.error || msg.errorDetail) {
        throw new MinnowError(
          'DAEMON_ERROR',
          `the Engine could not load the image: ${msg.errorDetail?.message ?? msg.error}`,
          {
            subject: this.address.display,
          },
        );
      }
      const m = /Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
      if (m?.[1]) loaded.push(m[1]);
    }
    return loaded;
  }

  /**
   * `docker save` through the API: a tarball stream of the named images. Read with node:http, not undici: on this
   * one long body undici's stream, once paused by a slower consumer, resumed at a trickle (a 232 MB save took 4–8
   * minutes against curl's 3–9 s on the same socket), while node:http keeps up with curl.
   */
  async saveImage(names: string[], options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const query = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
    const what = `saving ${names.join(', ')}`;
    const res = await streamGet(this.address, `/images/get?${query}`, options.signal).catch(
      (err: unknown) => {
        throw this.#unreachable(err, 'save');
      },
    );
    if (res.statusCode === 200) return res;
    throw this.#answered(res.statusCode ?? 0, await collect(res).catch(() => ''), what, names[0]);
  }

  /** `GET /images/{name}/json`; throws NOT_FOUND when the Engine has no such image. */
  async inspectImage(name: string): Promise<EngineImage> {
    const res = await this.#request(
      { path: `/images/${encodeURIComponent(name)}/json`, method: 'GET' },
      'inspect',
    );
    if (res.statusCode !== 200) return this.#fail(res, `inspecting ${name}`, name);
    return (await res.body.json()) as EngineImage;
  }

  /**
   * `POST /build` (the classic builder: BuildKit needs a client session this API does not offer) from a context
   * tarball stream. Throws DAEMON_ERROR with the Engine's message, and the last log lines, when a step fails.
   */
  async build(context: Readable, options: EngineBuildOptions): Promise<EngineBuildResult> {
    const query = new URLSearchParams({ t: options.tag, rm: '1', forcerm: '1' });
    if (options.dockerfile) query.set('dockerfile', options.dockerfile);
    if (options.buildArgs) query.set('buildargs', JSON.stringify(options.buildArgs));
    const res = await this.#request(
      {
        path: `/build?${query.toString()}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-tar' },
        body: context,
        headersTimeout: BUILD_IDLE_MS,
        bodyTimeout: BUILD_IDLE_MS,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      'build',
    );
    if (res.statusCode !== 200) return this.#fail(res, `docker build ${options.tag}`, options.tag);
    const log: string[] = [];
    const outcome = await readBuildStream(res.body, log);
    if (outcome.error || !outcome.id) {
      throw new MinnowError(
        'DAEMON_ERROR',
        `docker build ${options.tag} failed: ${outcome.error ?? 'no image ID'}`,
        { subject: options.tag, details: { log: log.slice(-20) } },
      );
    }
    return { id: outcome.id, log };
  }

  /** Removes an image (and its tag); resolves false when there was none. */
  async removeImage(name: string, options: { force?: boolean } = {}): Promise<boolean> {
    const res = await this.#request(
      { path: `/images/${encodeURIComponent(name)}${options.force ? '?force=1' : ''}`, method: 'DELETE' },
      'remove',
    );
    if (res.statusCode === 404) {
      await res.body.text();
      return false;
    }
    if (res.statusCode !== 200) return this.#fail(res, `removing ${name}`, name);
    await res.body.text();
    return true;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Closes at once, cancelling what is in flight (a wait that is no longer wanted). */
  async destroy(): Promise<void> {
    await this.#client.destroy();
  }
}
