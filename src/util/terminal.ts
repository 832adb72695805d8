/**
 * Strings from images and registries (file names, labels, error messages) may hold ESC sequences that clear the
 * screen or move the cursor, newlines that forge report lines, or bidi overrides that reorder text. Before such a
 * string reaches a terminal it is escaped: C0 and C1 controls and DEL as `\xHH` (`\n`, `\r`, `\t` by name),
 * bidi overrides and other invisible formatting characters as `\u{HHHH}`. JSON and HTML outputs keep exact
 * values instead (escaped as their formats require).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` safe to print on a terminal (see above); unchanged when it has nothing to escape. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0) as number;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
