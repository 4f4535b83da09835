// Every fenced code block of README.md and docs/*.md runs as written. Each
// page runs in its own fresh directory inside the repository
// (build/doc-test/PAGE, with the repository's examples/ and python/ linked in), its
// blocks in order, so a shell block works on the files the page's earlier
// blocks made. JS/TS blocks are programs of their own: type-checked
// together by tsc --strict (the package resolves by its own name, `jpvae`,
// to dist/) and run with tsx. Shell blocks run in bash with `set -e`;
// `npx jpvae` there is this checkout's bin (what npx itself resolves to
// inside the repository, without npm's second of start-up per command), and
// `python3` the Python the repository's Python parts use (Debian's, with
// torch), for the PyTorch twin's `PYTHONPATH=python python3 -m jpvae_torch`.
// A block marked `<!-- doc-test: skip (reason) -->` on the line before its
// fence is reported with its reason, not run; a ```text block is output,
// not code. Any other language, or none, fails here. Every relative link of
// the pages must reach a file, and its #anchor a heading there.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEFAULT_PYTHON } from '../src/bench/peers.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const WORK = join(ROOT, 'build/doc-test');
const SHELL = new Set(['sh', 'bash', 'shell']),
  CODE = new Set(['js', 'ts', 'javascript', 'typescript']),
  OUTPUT = new Set(['text']);

interface Block {
  page: string;
  line: number;
  lang: string;
  code: string;
  skip?: string;
}

/** The fenced blocks of one markdown file, with the skip reason written before each. */
function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${page}:${i + 1}: a code fence that is never closed`);
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const skip = /^<!-- doc-test: skip \((.+)\) -->$/.exec(lines[before] ?? '')?.[1];
    blocks.push({ page, line: i + 1, lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', skip });
    i = end;
  }
  return blocks;
}

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const ALL = PAGES.flatMap(blocksOf);
const dirOf = (page: string) => join(WORK, page.replace(/\.md$/, '').replace('/', '-'));
const fileOf = (b: Block) => join(dirOf(b.page), `block-${b.line}.ts`);
const runnable = (b: Block) => b.skip === undefined && (SHELL.has(b.lang) || CODE.has(b.lang));

// Fresh page directories, each code block written as a .ts file (TypeScript is a superset of the JS blocks).
rmSync(WORK, { recursive: true, force: true });
for (const page of PAGES) {
  mkdirSync(dirOf(page), { recursive: true });
  for (const dir of ['examples', 'python']) symlinkSync(join(ROOT, dir), join(dirOf(page), dir));
}
for (const b of ALL) if (CODE.has(b.lang) && runnable(b)) writeFileSync(fileOf(b), b.code);

// `npx jpvae …` runs this checkout's bin; any other npx call goes to npm's.
const BIN = join(WORK, 'bin');
const realNpx = process.env
  .PATH!.split(delimiter)
  .map((d) => join(d, 'npx'))
  .find(existsSync);
mkdirSync(BIN);
writeFileSync(
  join(BIN, 'npx'),
  `#!/bin/sh\nif [ "$1" = jpvae ]; then shift; exec "${process.execPath}" "${join(ROOT, 'dist/cli/bin.js')}" "$@"; fi\nexec "${realNpx}" "$@"\n`,
);
chmodSync(join(BIN, 'npx'), 0o755);
writeFileSync(join(BIN, 'python3'), `#!/bin/sh\nexec "${DEFAULT_PYTHON}" "$@"\n`);
chmodSync(join(BIN, 'python3'), 0o755);

test('every fence names its language: a shell, JS/TS or text', (t) => {
  const unknown = ALL.filter((b) => !SHELL.has(b.lang) && !CODE.has(b.lang) && !OUTPUT.has(b.lang));
  t.deepEqual(
    unknown.map((b) => `${b.page}:${b.line} \`\`\`${b.lang}`),
    [],
  );
  const skipped = ALL.filter((b) => b.skip !== undefined);
  const ran = ALL.filter(runnable);
  const count = (bs: Block[]) =>
    PAGES.map((p) => [p, bs.filter((b) => b.page === p).length] as const)
      .filter(([, n]) => n > 0)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
  t.log(`${ran.length} blocks run: ${count(ran)}`);
  t.log(`${skipped.length} skipped:\n${skipped.map((b) => `  ${b.page}:${b.line}: ${b.skip}`).join('\n')}`);
  t.true(
    skipped.length * 3 < ran.length,
    `${skipped.length} blocks skipped of ${ALL.length}: skipping must stay the exception`,
  );
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

test('every relative link of README.md and docs/ reaches a file, and its #anchor a heading', (t) => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, hash] = target.split('#');
      const file = path ? join(ROOT, page, '..', path) : join(ROOT, page);
      // build/api/ is written by `npm run docs` (CI runs it before the tests), not committed.
      if (file.startsWith(join(ROOT, 'build/api/'))) continue;
      if (!existsSync(file)) broken.push(`${page}: ${target} (no such file)`);
      else if (hash !== undefined) {
        const headings = readFileSync(file, 'utf8').match(/^#+ .+$/gm) ?? [];
        if (!headings.some((h) => anchor(h.replace(/^#+ /, '')) === hash))
          broken.push(`${page}: ${target} (no such heading)`);
      }
    }
  }
  t.deepEqual(broken, []);
});

test('every JS/TS block type-checks in strict mode', (t) => {
  const files = ALL.filter((b) => CODE.has(b.lang) && runnable(b)).map(fileOf);
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    files,
  };
  writeFileSync(join(WORK, 'tsconfig.json'), JSON.stringify(config));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', WORK], { encoding: 'utf8' });
    t.pass();
  } catch (e) {
    t.fail(String((e as { stdout?: string }).stdout ?? e));
  }
});

for (const page of PAGES) {
  const blocks = ALL.filter((b) => b.page === page && runnable(b));
  if (blocks.length === 0) continue;
  test.serial(`${page}: every block runs as written`, (t) => {
    const env = { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH}` };
    const seconds: string[] = [];
    for (const b of blocks) {
      const start = performance.now();
      const [cmd, args] = SHELL.has(b.lang)
        ? ['bash', ['-eo', 'pipefail', '-c', b.code]]
        : [process.execPath, ['--import', 'tsx', fileOf(b)]];
      try {
        execFileSync(cmd, args, { cwd: dirOf(page), env, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string };
        t.fail(
          `${page}:${b.line} (\`\`\`${b.lang}) failed:\n${b.code}\n${(err.stderr || err.stdout || String(e)).slice(-2000)}`,
        );
        return;
      }
      seconds.push(`${b.line}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
    t.log(`${blocks.length} blocks, line: time: ${seconds.join(', ')}`);
    t.pass();
  });
}
