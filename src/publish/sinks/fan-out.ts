import { MinnowError } from '../../errors.js';
import type { ImageOrIndex } from '../../oci/index.js';
import { hostPlatformOnly } from './host-platform.js';
import type { Sink, SinkPlan, SinkResult, SinkWriteOptions } from './sink.js';

/**
 * Several destinations as one sink (ko's multi-publisher): `check` checks them all, `write` writes the same
 * target to each, one after another in the given order, and returns each one's result in `results` (the digest
 * is the target's). Sinks that take one image get the host's (see `hostPlatformOnly`). The first failure stops
 * the rest and is thrown.
 */
export function fanOut(sinks: readonly Sink[]): Sink {
  if (sinks.length === 0) throw new MinnowError('INTERNAL', 'fanOut needs at least one sink');
  const all = sinks.map((s) => hostPlatformOnly(s));
  return {
    kind: 'fan-out',
    description: all.map((s) => s.description).join(', '),
    takesIndex: true,
    async check(plan?: SinkPlan) {
      for (const s of all) await s.check(plan);
    },
    async write(target: ImageOrIndex, write: SinkWriteOptions = {}): Promise<SinkResult> {
      const results: SinkResult[] = [];
      for (const s of all) results.push(await s.write(target, write));
      const digest = target.kind === 'image' ? await target.image.digest() : await target.index.digest();
      return {
        kind: 'fan-out',
        reference: results.map((r) => r.reference).join(', '),
        digest,
        results,
      };
    },
  };
}
