import { join } from 'node:path';
import { indexOf, type Platform } from '../../src/oci/index.js';
import { writeLayout } from '../../src/publish/layout.js';
import { testImage } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

/** An OCI layout holding an index over `platforms` (small test images), as a base would be. */
export async function multiPlatformBase(platforms: Platform[]): Promise<string> {
  const dir = await tempDir();
  const entries = await Promise.all(
    platforms.map(async (platform, i) => ({
      platform,
      image: await testImage(dir, [{ type: 'file', path: `/etc/base-${i}`, source: Buffer.from(String(i)) }]),
    })),
  );
  const layout = join(dir, 'base');
  await writeLayout(layout, { kind: 'index', index: await indexOf(entries) }, { tag: 'base' });
  return `oci:${layout}:base`;
}
