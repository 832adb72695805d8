/**
 * The .dockerignore `minnow dockerfile` writes: keeps the build context to what `go build` needs, so the context
 * uploads fast, `COPY . .` stays cacheable, and nothing private (.git history, .env files) reaches a layer.
 */
export const DOCKERIGNORE_ENTRIES: readonly string[] = [
  '.git',
  '.github',
  '.gitlab-ci.yml',
  '.idea',
  '.vscode',
  '**/.DS_Store',
  '.env',
  '.env.*',
  '*.test',
  '*.out',
  'coverage.*',
  'Dockerfile*',
  '.dockerignore',
  'compose.y*ml',
  'docker-compose*.y*ml',
  'node_modules',
  // minnow's own build outputs (`minnow build` writes .minnow/<app> by default).
  '.minnow',
];

/** The .dockerignore text. */
export function renderDockerignore(): string {
  return [
    '# Written by `minnow dockerfile`: what the Docker build context leaves out.',
    ...DOCKERIGNORE_ENTRIES,
    '',
  ].join('\n');
}

/**
 * True when a .dockerignore's patterns exclude the `.git` directory (`.git`, `.git/`, `/.git`, `**` forms), and no
 * later `!` exception brings it back.
 */
export function excludesGit(text: string): boolean {
  let excluded = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    if (['.git', '**/.git', '.*', '**/.*', '*', '**'].includes(pattern)) excluded = !negated;
    else if (negated && (pattern === '.git' || pattern.startsWith('.git/'))) excluded = false;
  }
  return excluded;
}
