import type { ModifiableInstruction } from 'dockerfile-ast';
import type { DockerfileModel, Stage } from '../model.js';
import type { RawFinding, Rule } from '../types.js';

interface FromRef {
  stage: Stage;
  /** The `--from` value as written. */
  value: string;
  range: RawFinding['range'];
}

/** Every `COPY --from=<value>` with the stage it is in; values with variables are left out. */
function copyFroms(model: DockerfileModel): FromRef[] {
  const out: FromRef[] = [];
  for (const stage of model.stages) {
    for (const i of stage.instructions) {
      if (i.getKeyword() !== 'COPY') continue;
      for (const flag of (i as ModifiableInstruction).getFlags()) {
        const value = flag.getValue();
        if (flag.getName().toLowerCase() !== 'from' || !value || value.includes('$')) continue;
        out.push({ stage, value, range: flag.getValueRange() ?? flag.getRange() });
      }
    }
  }
  return out;
}

/** The stage a `--from` value names (by name or index), wherever it is in the file. */
function named(model: DockerfileModel, value: string): Stage | undefined {
  if (/^\d+$/.test(value)) return model.stages[Number(value)];
  return model.stages.find((s) => s.name === value.toLowerCase());
}

/** An image reference rather than a stage: it has a tag, digest or registry path. */
const isImage = (value: string): boolean => /[:@/]/.test(value);

/** MN-DF-026: COPY --from names an earlier stage. */
export const copyFromKnownStage: Rule = {
  meta: {
    id: 'MN-DF-026',
    name: 'copy-from-stage',
    severity: 'medium',
    description:
      'COPY --from names no earlier stage, so the builder pulls an image of that name instead (or the stage comes later, which reads backwards); a typo in a stage name then copies from Docker Hub.',
    fix: 'Name a stage defined above (FROM … AS build, then COPY --from=build), or an image with its tag (--from=alpine:3.20).',
    hadolint: 'DL3022',
  },
  check(model) {
    const out: RawFinding[] = [];
    for (const ref of copyFroms(model)) {
      const target = named(model, ref.value);
      if (target && target.index < ref.stage.index) continue;
      if (target && target.index > ref.stage.index) {
        out.push({
          message: `COPY --from=${ref.value} names a stage defined further down`,
          range: ref.range,
        });
      } else if (!target && !isImage(ref.value)) {
        out.push({
          message: `COPY --from=${ref.value} names no stage; as an image it has no tag`,
          range: ref.range,
        });
      }
    }
    return out;
  },
};

/** MN-DF-027: COPY --from does not name its own stage. */
export const copyFromSelf: Rule = {
  meta: {
    id: 'MN-DF-027',
    name: 'copy-from-self',
    severity: 'high',
    description: 'A stage cannot copy from itself: the build fails with a circular dependency.',
    fix: 'Copy from the earlier stage that produces the files, or use a plain COPY from the build context.',
    hadolint: 'DL3023',
  },
  check(model) {
    return copyFroms(model)
      .filter((ref) => named(model, ref.value) === ref.stage)
      .map((ref) => ({ message: `COPY --from=${ref.value} names its own stage`, range: ref.range }));
  },
};

/** MN-DF-028: stage names are unique. */
export const uniqueStageName: Rule = {
  meta: {
    id: 'MN-DF-028',
    name: 'unique-stage-name',
    severity: 'high',
    description:
      'Two stages with the same name make every reference to it ambiguous; the builder rejects the Dockerfile.',
    fix: 'Give each stage its own name after AS.',
    hadolint: 'DL3024',
  },
  check(model) {
    return model.stages
      .filter((s) => s.name && model.stages.some((t) => t.index < s.index && t.name === s.name))
      .map((s) => ({
        message: `stage name ${s.name} is already used`,
        range: s.from.getBuildStageRange() ?? s.from.getRange(),
      }));
  },
};
