import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LintResult } from './lint.js';
import type { RuleMeta, Severity } from './types.js';

/** SARIF levels for minnow's severities. */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** Options of the SARIF report. */
export interface SarifOptions {
  /** minnow's version, recorded as the tool's. */
  toolVersion: string;
  /** Paths under this directory are written relative to it (with `%SRCROOT%`). Default: the current directory. */
  baseDir?: string;
  /**
   * Absolute URI of docs/dockerfile-rules.md as published (`https://…/docs/dockerfile-rules.md`). Rules without a
   * hadolint code then get a `helpUri` at their section; without it only rules with a hadolint code have one,
   * since SARIF requires `helpUri` to be absolute.
   */
  docsUri?: string;
  /** The tool's home page, SARIF's `informationUri` (code-scanning UIs link the tool name to it). */
  informationUri?: string;
}

/** minnow's home page (the SPDX namespaces use the same host). */
export const MINNOW_HOME = 'https://minnow.dev';

/** The repository-relative link to a rule's section in docs/dockerfile-rules.md. */
export function ruleDocPath(meta: RuleMeta): string {
  return `docs/dockerfile-rules.md#${meta.id.toLowerCase()}-${meta.name}`;
}

/** The rule's primary documentation: hadolint's wiki page for its code, else its section in the published docs. */
export function ruleHelpUri(meta: RuleMeta, docsUri?: string): string | undefined {
  const code = meta.hadolint?.split(/,\s*/)[0];
  if (code) return `https://github.com/hadolint/hadolint/wiki/${code}`;
  return docsUri ? `${docsUri}#${ruleDocPath(meta).split('#')[1]}` : undefined;
}

function artifactLocation(file: string, baseDir: string): { uri: string; uriBaseId?: string } {
  const abs = isAbsolute(file) ? file : `${baseDir}${sep}${file}`;
  const rel = relative(baseDir, abs);
  if (!rel.startsWith('..') && !isAbsolute(rel)) {
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(abs).href };
}

function ruleDescriptor(meta: RuleMeta, docsUri?: string): Record<string, unknown> {
  const helpUri = ruleHelpUri(meta, docsUri);
  return {
    id: meta.id,
    name: meta.name,
    shortDescription: { text: meta.description.split(/(?<=\.)\s/)[0] },
    fullDescription: { text: meta.description },
    help: { text: meta.fix, markdown: `${meta.fix}\n\nSee [${meta.id} ${meta.name}](${ruleDocPath(meta)}).` },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: {
      ...(meta.hadolint ? { hadolint: meta.hadolint } : {}),
      ...(meta.dockerCheck ? { dockerBuildCheck: meta.dockerCheck } : {}),
      tags: ['dockerfile'],
    },
  };
}

/**
 * A SARIF 2.1.0 log (the format code-scanning UIs read): one run whose driver lists every rule, and one result
 * per finding with its region and source snippet.
 */
export function toSarif(results: LintResult[], options: SarifOptions): Record<string, unknown> {
  const baseDir = options.baseDir ?? process.cwd();
  const rules = results[0]?.rules ?? [];
  const index = new Map(rules.map((r, n) => [r.id, n]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'minnow',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: options.informationUri ?? MINNOW_HOME,
            rules: rules.map((r) => ruleDescriptor(r, options.docsUri)),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(`${baseDir}${sep}`).href } },
        columnKind: 'utf16CodeUnits',
        results: results.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.ruleId,
            ruleIndex: index.get(f.ruleId) ?? -1,
            level: LEVEL[f.severity],
            message: { text: `${f.message}. ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: artifactLocation(f.location.file, baseDir),
                  region: {
                    startLine: f.location.line,
                    startColumn: f.location.column,
                    endLine: f.location.endLine,
                    endColumn: Math.max(f.location.endColumn, f.location.column),
                    snippet: { text: f.source },
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
}

/** The SARIF log as text. */
export function formatSarif(results: LintResult[], options: SarifOptions): string {
  return `${JSON.stringify(toSarif(results, options), null, 2)}\n`;
}
