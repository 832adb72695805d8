import type { LoadedConfig } from '../config/load-config.js';

/** Tells stderr which keys of a translated `.ko.yaml` minnow ignored, one line each. */
export function printConfigWarnings(config: LoadedConfig | string[] | undefined): void {
  const warnings = Array.isArray(config) ? config : (config?.warnings ?? []);
  for (const w of warnings) {
    // Control characters shown as ? so a config file cannot drive the terminal.
    const line = [...w].map((c) => (c < ' ' || c === '\u007f' ? '?' : c)).join('');
    process.stderr.write(`warning: ${line}\n`);
  }
}
