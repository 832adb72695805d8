import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { exec } from './exec.js';

/** A fresh `minnow-test-dockerfile/<name>:<random>` tag. */
export function testTag(name: string): string {
  return `minnow-test-dockerfile/${name}:${randomBytes(4).toString('hex')}`;
}

/** `docker build` with the legacy builder (this Engine has no buildx); returns the build output. */
export async function legacyBuild(
  contextDir: string,
  tag: string,
  dockerfile = 'Dockerfile',
): Promise<string> {
  return exec('docker', ['build', '-q', '-f', `${contextDir}/${dockerfile}`, '-t', tag, contextDir], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
}

/** The image's size as the Engine reports it (`docker image ls` SIZE, in bytes). */
export async function imageSize(tag: string): Promise<number> {
  return Number((await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', tag])).trim());
}

/** The real uid of a running container's main process, read from the host's /proc. */
export async function containerUid(id: string): Promise<number> {
  const pid = (await exec('docker', ['inspect', '--format', '{{.State.Pid}}', id])).trim();
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

/** Removes images by tag, ignoring ones already gone. */
export async function removeImages(tags: string[]): Promise<void> {
  for (const t of tags) await exec('docker', ['rmi', '-f', t]).catch(() => undefined);
}
