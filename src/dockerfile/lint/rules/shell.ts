/**
 * A rough split of a RUN's shell text into simple commands and their words: enough for lint rules to see which
 * program a command runs and with which arguments. Not a shell parser: quotes are stripped from words, and
 * anything inside `$(…)` or backticks stays part of the word it is in.
 */
export function shellCommands(text: string): string[][] {
  const out: string[][] = [];
  for (const segment of text.split(/&&|\|\||[;|&\n]/)) {
    const words = (segment.match(/(?:"[^"]*"|'[^']*'|[^\s"']+)+/g) ?? [])
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
