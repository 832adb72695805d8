import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MinnowError, messageOf } from '../errors.js';
import { EngineClient } from '../engine/client.js';
import type { ImageOrIndex } from '../oci/index.js';
import { readDockerArchive } from './docker-archive.js';

export interface DaemonReadOptions {
  /** Default: a client for DOCKER_HOST or /var/run/docker.sock. */
  client?: EngineClient;
  /**
   * Called as the Engine's `docker save` stream arrives, with the bytes received so far and what the Engine says
   * the image holds (its `Size`; the archive is a little larger), for progress display.
   */
  onProgress?: (received: number, expected: number | undefined) => void;
  signal?: AbortSignal;
}

/** Counts the bytes passing through and reports the running total (progress renderers throttle their drawing). */
function counter(
  expected: number | undefined,
  onProgress: NonNullable<DaemonReadOptions['onProgress']>,
): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      onProgress(received, expected);
      done(null, chunk);
    },
  });
}

const spools = new Set<string>();
let hooked = false;

/** Removes the spooled archives of every image read from the daemon so far (also done at process exit). */
export async function removeDaemonSpools(): Promise<void> {
  for (const dir of spools) await rm(dir, { recursive: true, force: true });
  spools.clear();
}

/**
 * Reads an image from the Docker Engine (`daemon:NAME`): `docker save` through the Engine API, spooled to a temp
 * file (the archive's index sits at its end, so it cannot be read as a stream) and read as a docker-archive, blobs
 * verified as they are read. The temp file is removed by `removeDaemonSpools()` or when the process exits.
 */
export async function readDaemon(name: string, options: DaemonReadOptions = {}): Promise<ImageOrIndex> {
  const ref = name.startsWith('daemon:') ? name.slice('daemon:'.length) : name;
  if (!ref) throw new MinnowError('INVALID_ARGUMENT', 'daemon: needs an image name, as daemon:NAME[:TAG]');
  const client = options.client ?? new EngineClient();
  const dir = await mkdtemp(join(tmpdir(), 'minnow-daemon-'));
  spools.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of spools) rmSync(d, { recursive: true, force: true });
    });
  }
  const file = join(dir, 'image.tar');
  try {
    const info = await client.inspectImage(ref);
    const tar = await client.saveImage([ref], options.signal ? { signal: options.signal } : {});
    const count = options.onProgress ? [counter(info.Size, options.onProgress)] : [];
    await pipeline(
      [tar, ...count, createWriteStream(file)],
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    spools.delete(dir);
    if (err instanceof MinnowError) throw err;
    throw new MinnowError('DAEMON_ERROR', `reading ${ref} from the Docker Engine: ${messageOf(err)}`, {
      subject: ref,
      cause: err,
    });
  } finally {
    if (!options.client) await client.close();
  }
  return readDockerArchive(file, { ref: /^[a-f0-9]{12,64}$|^sha256:/.test(ref) ? '@0' : ref });
}
