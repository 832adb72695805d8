/**
 * A rough split of a RUN's shell text into simple commands and their words: enough for lint rules to see which
 * program a command runs and with which arguments. Not a shell parser: quotes are stripped from words, and
 * anything inside `$(…)` or backticks stays part of the word it is in. Redirections are dropped with their file:
 * `apk add pkg>1.2` adds `pkg` and writes to a file named `1.2`.
 */
export function shellCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const segment of text.split(/&&|\|\||[;|&\n]/)) {
    const words = withoutRedirections(segment.match(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g) ?? [])
      .map((w) => w.replace(/["']/g, ''))
      .filter((w) => w !== '');
    // Subshells and groups: `(cd /x && make)`, `{ cd /x; }`.
    while (words[0] === '(' || words[0] === '{' || words[0]?.startsWith('(')) {
      if (words[0] === '(' || words[0] === '{') words.shift();
      else words[0] = words[0]!.slice(1);
    }
    // Leading VAR=value assignments are not the command.
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** Where an unquoted `<` or `>` starts in a raw word, or -1. */
function redirectAt(raw: string): number {
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '<' || c === '>') return i;
  }
  return -1;
}

/** Raw words (quotes kept) with redirections removed: `2>/dev/null`, `> log` (and its file), `pkg>1.2`. */
function withoutRedirections(raw: string[]): string[] {
  const out: string[] = [];
  for (let n = 0; n < raw.length; n++) {
    const w = raw[n]!;
    const at = redirectAt(w);
    if (at < 0) {
      out.push(w);
      continue;
    }
    const before = w.slice(0, at);
    // `2>x`: a file descriptor number belongs to the redirection.
    if (before !== '' && !/^\d+$/.test(before)) out.push(before);
    // A bare operator (`>`, `>>`, `2>&`) takes the next word as its file.
    if (/^[<>]+&?$/.test(w.slice(at))) n++;
  }
  return out;
}
