// Fills README.md's generated blocks from the committed results, so every
// number there comes from a file a command wrote:
//   <!-- results --> … <!-- /results -->  from results/table1.md and table3.md (jpvae reproduce)
//   <!-- bench --> … <!-- /bench -->      from bench/results/bench.json (npm run --silent bench -- --json)
//   <!-- impute-bench --> … <!-- /impute-bench -->  from bench/results/impute.json (npm run --silent bench -- --only impute --json)
//   <!-- peers-bench --> … <!-- /peers-bench -->  from bench/results/peers.json (npm run --silent bench -- --only peers --json)
//   <!-- three-bands --> … <!-- /three-bands -->  from results/three-bands.md and .json (scripts/three-bands.ts)
//   <!-- counts-planted --> … <!-- /counts-planted -->  from results/counts-planted.md (scripts/counts-planted.ts)
//   node --import=tsx scripts/readme-results.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { camelCaseKeys } from '../src/io/json-keys.ts';

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
    `${machineLine(b.machine)} Load average ${b.machine.load_average.join(', ')} (1, 5, 15 min) as it started.`,
    '',
    table(
      ['imputation x2 \\| x1, reference model (rows/s)', ...batches.map((k) => k.replace('_', ' '))],
      ENGINES.filter(([, key]) => rates[key]).map(([label, key]) => [label, ...batches.map((k) => rates[key][k])]),
    ),
    ...b.impute_notes.map((n: string) => `\n${n}`),
  ].join('\n');
}

function peersBlock(): string {
  const b = JSON.parse(read('bench/results/peers.json')),
    p = b.peers,
    m = b.machine;
  if (p.skipped) throw new Error(`bench/results/peers.json is a skipped run: ${p.skipped}`);
  const t = p.torch;
  return [
    `${machineLine(m)} Load average ${m.load_average.join(', ')} (1, 5, 15 min) as it started. PyTorch ${t['python3-torch'] ?? t.torch} (Python ${t.python}) on ${t.blas}${t['libopenblas0-pthread'] ? ` (libopenblas0-pthread ${t['libopenblas0-pthread']})` : ''}; best of ${p.rounds} interleaved rounds of ${p.round_seconds} s wall time.`,
    '',
    table(
      ['threads', 'jpvae (samples/s)', 'PyTorch CPU (samples/s)', 'jpvae ÷ PyTorch', 'median of per-round ratios'],
      p.threads.map((n: number) => [
        n,
        p.jpvae_samples_per_s[n] ?? '–',
        p.torch_samples_per_s[n],
        p.jpvae_samples_per_s[n] === undefined
          ? ''
          : times(Number((p.jpvae_samples_per_s[n] / p.torch_samples_per_s[n]).toPrecision(3))),
        times(p.ratio_same_threads[n]),
      ]),
    ),
    '',
    `Each at its best thread count (jpvae ${p.best_threads.jpvae}, PyTorch ${p.best_threads.torch}): **${p.ratio_best}×** (\`peers.ratio_best\`).`,
  ].join('\n');
}

function threeBandsBlock(): string {
  const j = camelCaseKeys(JSON.parse(read('results/three-bands.json')), ['runs']) as {
      machine: Record<string, string>;
      runs: { prior: string }[];
      loadAvg: number[];
      protocol: string;
    },
    m = j.machine;
  const seeds = (p: string) => j.runs.filter((r: { prior: string }) => r.prior === p).length;
  return [
    read('results/three-bands.md').trim(),
    '',
    `Finished runs: learnt prior ${seeds('factor')}, C = 0 ${seeds('zero')} (seeds of the command). Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, jpvae ${m.jpvae}; load average ${j.loadAvg.join(', ')} when the file was written (the machine was shared). Protocol: ${j.protocol}.`,
  ].join('\n');
}

const readme = read('README.md');
const blocks: [string, () => string][] = [
  ['results', resultsBlock],
  ['bench', benchBlock],
  ['impute-bench', imputeBlock],
  ['peers-bench', peersBlock],
  ['three-bands', threeBandsBlock],
  ['counts-planted', () => read('results/counts-planted.md').trim()],
];
writeFileSync(
  new URL('README.md', root),
  blocks.reduce((text, [name, block]) => fill(text, name, block()), readme),
);
