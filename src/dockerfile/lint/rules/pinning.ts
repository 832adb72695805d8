import { splitNameTag } from '../../../oci/name-tag.js';
import type { DockerfileModel, Stage } from '../model.js';
import type { RawFinding, Rule } from '../types.js';

/** FROM lines that name an external image (not scratch, not an earlier stage), with the image resolved. */
function externalFroms(model: DockerfileModel): Array<{ stage: Stage; image: string }> {
  return model.stages
    .filter((s) => s.image !== undefined && !s.parent && s.image.toLowerCase() !== 'scratch')
    .map((s) => ({ stage: s, image: s.image! }));
}

const imageRange = (s: Stage): RawFinding['range'] => s.from.getImageRange() ?? s.from.getRange();

/** MN-DF-006: every base names a tag or digest. */
export const baseTagged: Rule = {
  meta: {
    id: 'MN-DF-006',
    name: 'base-untagged',
    severity: 'medium',
    description:
      'A base without a tag means :latest, which moves: the same Dockerfile builds a different image next week.',
    fix: 'Name a release tag (golang:1.22.3, alpine:3.20), ideally with its @sha256 digest.',
    hadolint: 'DL3006',
  },
  check(model) {
    return externalFroms(model)
      .filter(({ image }) => {
        const p = splitNameTag(image);
        return !p.tag && !p.digest;
      })
      .map(({ stage, image }) => ({
        message: `${image} has no tag (it means :latest)`,
        range: imageRange(stage),
      }));
  },
};

/** MN-DF-007: never :latest. */
export const baseNotLatest: Rule = {
  meta: {
    id: 'MN-DF-007',
    name: 'base-latest',
    severity: 'medium',
    description: 'The latest tag moves with every release, so builds are neither repeatable nor reviewable.',
    fix: 'Replace :latest with a release tag, ideally with its @sha256 digest.',
    hadolint: 'DL3007',
  },
  check(model) {
    return externalFroms(model)
      .filter(({ image }) => {
        const p = splitNameTag(image);
        return p.tag === 'latest' && !p.digest;
      })
      .map(({ stage, image }) => ({ message: `${image} uses the latest tag`, range: imageRange(stage) }));
  },
};

/** MN-DF-008: ideally, bases are pinned by digest. */
export const baseDigest: Rule = {
  meta: {
    id: 'MN-DF-008',
    name: 'base-digest',
    severity: 'low',
    description:
      'A tag can be re-pushed; only a digest names exactly one image. Pinning by digest makes builds repeatable and lets update bots propose base bumps as reviewable changes.',
    fix: 'Append the digest to the tag: FROM <name>:<tag>@sha256:<digest> (`docker buildx imagetools inspect <name>:<tag>` shows it).',
  },
  check(model) {
    return externalFroms(model)
      .filter(({ image }) => {
        const p = splitNameTag(image);
        return !!p.tag && p.tag !== 'latest' && !p.digest;
      })
      .map(({ stage, image }) => ({
        message: `${image} is pinned by tag, not by digest`,
        range: imageRange(stage),
      }));
  },
};
