import { parse } from 'yaml';
import { MinnowError } from '../errors.js';
import type { ManifestSource } from './read-manifests.js';

/** One requirement of a label selector: `key=value` / `key==value`, `key!=value`, `key` (set), `!key` (unset). */
export interface LabelRequirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value?: string;
}

const KEY = /^([a-z0-9A-Z]([a-z0-9A-Z.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([a-z0-9A-Z_.-]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([a-z0-9A-Z_.-]*[a-z0-9A-Z])?)?$/;

/**
 * Parses a label selector as `kubectl -l` and `ko -l` take it (equality-based: `=`, `==`, `!=`, and `key` /
 * `!key`), comma-separated requirements that must all hold. Set-based forms (`in`, `notin`) are refused.
 */
export function parseSelector(selector: string): LabelRequirement[] {
  const invalid = (why: string): MinnowError =>
    new MinnowError('INVALID_ARGUMENT', `invalid --selector "${selector}": ${why}`, {
      hint: 'use key=value, key!=value, key or !key, comma-separated',
    });
  const parts = selector.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw invalid('an empty requirement');
  return parts.map((part) => {
    const m = /^(!?)([^=!\s]+)\s*(?:(==|=|!=)\s*(.*))?$/.exec(part);
    if (!m) throw invalid(`cannot read "${part}"`);
    const [, not, key = '', op, value = ''] = m;
    if (!KEY.test(key)) throw invalid(`"${key}" is not a label key`);
    if (op === undefined) return { key, op: not ? '!exists' : 'exists' };
    if (not) throw invalid(`"${part}" mixes ! and ${op}`);
    if (!VALUE.test(value)) throw invalid(`"${value}" is not a label value`);
    return { key, op: op === '!=' ? '!=' : '=', value };
  });
}

/** Whether the labels satisfy every requirement. */
export function matchesSelector(
  labels: Record<string, unknown>,
  requirements: readonly LabelRequirement[],
): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = has ? String(labels[r.key]) : undefined;
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return value === r.value;
      case '!=':
        return value !== r.value;
    }
  });
}

function labelsOf(document: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = parse(document);
  } catch {
    return undefined; // not ours to judge: a document we cannot read has no labels to match
  }
  const labels = (parsed as { metadata?: { labels?: unknown } } | null)?.metadata?.labels;
  return labels && typeof labels === 'object' ? (labels as Record<string, unknown>) : undefined;
}

/**
 * Keeps only the YAML documents whose `metadata.labels` satisfy the selector (ko's `-l`), before anything is
 * resolved, so only their images are built. Kept documents keep their bytes; a file left with none is dropped.
 */
export function selectDocuments(
  sources: readonly ManifestSource[],
  requirements: readonly LabelRequirement[],
): ManifestSource[] {
  const out: ManifestSource[] = [];
  for (const source of sources) {
    // Documents start at a `---` line; the text before the first one is a document too.
    const documents = source.text.split(/^(?=---(?:\s|$))/m);
    const kept = documents.filter((d) => {
      const labels = labelsOf(d);
      return labels !== undefined && matchesSelector(labels, requirements);
    });
    if (kept.length === 0) continue;
    const text = kept
      .map((d, i) => (i === 0 || /^---(\s|$)/.test(d) ? d : `---\n${d}`))
      .map((d) => (d.endsWith('\n') ? d : `${d}\n`))
      .join('');
    out.push({ path: source.path, text });
  }
  return out;
}
