// Fills README.md's generated blocks from the committed results, so every
// number there comes from a file a command wrote:
//   <!-- results --> … <!-- /results -->  from results/table1.md and table3.md (jpvae reproduce)
//   <!-- bench --> … <!-- /bench -->      from bench/results/bench.json (npm run bench -- --json)
//   <!-- impute-bench --> … <!-- /impute-bench -->  from bench/results/impute.json (npm run bench -- --only impute --json)
//   node --import=tsx scripts/readme-results.ts

import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** README with the text between <!-- name --> and <!-- /name --> replaced. */
function fill(readme: string, name: string, body: string): string {
  const open = `<!-- ${name} -->\n`,
    close = `<!-- /${name} -->`;
  const start = readme.indexOf(open),
    end = readme.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no ${open.trim()} … ${close} block`);
  return readme.slice(0, start + open.length) + body.trimEnd() + '\n' + readme.slice(end);
}

/** A generated results file without its title line. */
const untitled = (text: string) => text.slice(text.indexOf('\n') + 1).trim();

function resultsBlock(): string {
  const table3 = untitled(read('results/table3.md'));
  // Table 3 repeats the run's command, machine and protocol lines: keep them once, from Table 1.
  const own = table3.slice(table3.indexOf('\nMLP') + 1);
  return `### Tables 1 and 2 (test split)\n\n${untitled(read('results/table1.md'))}\n\n### Table 3 (downstream classifier accuracy, %)\n\n${own}\n`;
}

type Rates = Record<string, Record<string, number>>;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const times = (x: number | undefined) => (x === undefined ? '' : `${x}×`);

function benchBlock(): string {
  const b = JSON.parse(read('bench/results/bench.json'));
  const gemm: Rates = b.gemm_gflops,
    speedup: Rates = b.gemm_speedup_vs_js;
  const m = b.machine;
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node} (V8 ${m.v8}), jpvae ${m.jpvae}, AssemblyScript ${m.assemblyscript}, onnxruntime-web ${m.onnxruntime_web}.`,
    '',
    table(
      ['GEMM (GFLOP/s)', 'wasm simd', 'wasm relaxed', 'JS twin', 'relaxed / JS'],
      Object.keys(gemm.js).map((shape) => [
        shape,
        gemm.wasm[shape],
        gemm.wasm_relaxed[shape],
        gemm.js[shape],
        times(speedup.wasm_relaxed[shape]),
      ]),
    ),
    '',
    table(
      ['training, reference model, batch 32', 'samples/s', '× JS twin', 'GEMM-bound limit'],
      [
        ['wasm simd', 'wasm'],
        ['wasm relaxed', 'wasm_relaxed'],
        ['JS twin', 'js'],
      ].map(([label, key]) => [
        label,
        b.train_samples_per_s[key],
        key === 'js' ? 1 : times(b.train_speedup_vs_js[key]),
        b.train_gemm_bound_samples_per_s[key],
      ]),
    ),
  ].join('\n');
}

const machineLine = (m: Record<string, string | number>) =>
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, Node ${m.node} (V8 ${m.v8}), jpvae ${m.jpvae}, onnxruntime-web ${m.onnxruntime_web}, onnxruntime-node ${m.onnxruntime_node}.`;

const ENGINES: [string, string][] = [
  ['onnxruntime-web, wasm EP', 'ort_web_wasm'],
  ['onnxruntime-node, 1 thread', 'ort_node_1_thread'],
  ['onnxruntime-node, default threads', 'ort_node_default_threads'],
  ['jpvae-wasm (our engine)', 'jpvae_wasm'],
];

function imputeBlock(): string {
  const b = JSON.parse(read('bench/results/impute.json')),
    rates: Rates = b.impute_rows_per_s;
  const batches = Object.keys(rates.ort_web_wasm);
  return [
    machineLine(b.machine),
    '',
    table(
      ['imputation x2 \\| x1, reference model (rows/s)', ...batches.map((k) => k.replace('_', ' '))],
      ENGINES.filter(([, key]) => rates[key]).map(([label, key]) => [label, ...batches.map((k) => rates[key][k])]),
    ),
    ...b.impute_notes.map((n: string) => `\n${n}`),
  ].join('\n');
}

const readme = read('README.md');
writeFileSync(
  new URL('README.md', root),
  fill(fill(fill(readme, 'results', resultsBlock()), 'bench', benchBlock()), 'impute-bench', imputeBlock()),
);
