// Fills the generated blocks of README.md and docs/*.md from the committed
// results, so every number there comes from a file a command wrote. A block
// is <!-- name --> … <!-- /name --> in whichever page holds it (each name
// in exactly one page):
//   results         from results/table1.md and table3.md (jpvae reproduce)
//   headline        from results/summary.json (jpvae reproduce) and the paper's Table 1 (src/eval/paper.ts)
//   bench           from bench/results/bench.json (npm run --silent bench -- --json)
//   speed           from bench/results/bench.json and peers.json
//   impute-bench    from bench/results/impute.json (npm run --silent bench -- --only impute --json)
//   peers-bench     from bench/results/peers.json (npm run --silent bench -- --only peers --json)
//   bench-threads   from bench/results/bench.json (its threads section)
//   bench-summary   from bench/results/bench.json
//   results-reading from results/summary.json and the paper's Tables 1 and 3 (src/eval/paper.ts)
//   calibration     from results/figures/calibration.json (jpvae plot, docs/reproduce.md)
//   multi-view-step from bench/results/multi-view-step.json (bench/multi-view-step.ts OLD_DIR --json …)
//   three-bands     from results/three-bands.md and .json (scripts/three-bands.ts)
//   counts-planted  from results/counts-planted.md (scripts/counts-planted.ts)
//   covariates-planted from results/covariates-planted.md (scripts/covariates-planted.ts)
//   covariates-hvdmnist from results/covariates-hvdmnist.md (scripts/covariates-hvdmnist.ts)
//   counts-planted-sparse, counts-planted-depth0
//                   the paired table of results/counts-planted-sparse.md and -depth0.md
//   counts-theta    from results/counts-planted.json (the learnt θ)
//   memory-tables   from bench/results/memory-*.json (bench/memory-tables.ts)
//   torch-twin-hvdmnist from results/torch-twin-hvdmnist.json (scripts/torch-twin-hvdmnist.ts)
//   node --import=tsx scripts/readme-results.ts

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { camelCaseKeys } from '../src/io/json-keys.ts';
import { DOWNSTREAM_KEYS, PAPER_TABLE_1, PAPER_TABLE_3 } from '../src/eval/paper.ts';
import { meanSd } from '../src/eval/report.ts';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** `page` with the text between <!-- name --> and <!-- /name --> replaced, or undefined without that block. */
function fill(page: string, name: string, body: string): string | undefined {
  const open = `<!-- ${name} -->\n`,
    close = `<!-- /${name} -->`;
  const start = page.indexOf(open),
    end = page.indexOf(close);
  if (start < 0) return undefined;
  if (end < start) throw new Error(`${open.trim()} without its ${close}`);
  return page.slice(0, start + open.length) + body.trimEnd() + '\n' + page.slice(end);
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
  ['onnxruntime-web, wasm EP, rows with no zeros', 'ort_web_wasm_dense_rows'],
  ['jpvae-wasm, rows with no zeros', 'jpvae_wasm_dense_rows'],
];

/** jpvae-wasm's rate over onnxruntime-web's at each batch, for the engines' rows named by `suffix`. */
const ratios = (rates: Rates, suffix: string) =>
  Object.keys(rates.ort_web_wasm)
    .map(
      (k) =>
        `${(rates[`jpvae_wasm${suffix}`][k] / rates[`ort_web_wasm${suffix}`][k]).toFixed(2)}× at ${k.replace('_', ' ')}`,
    )
    .join(', ');

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
    '',
    `jpvae-wasm against onnxruntime-web's wasm EP in this run: ${ratios(rates, '')}` +
      (rates.jpvae_wasm_dense_rows ? `; on rows with no zeros, ${ratios(rates, '_dense_rows')}.` : '.'),
    ...b.impute_notes.map((n: string) => `\n${n}`),
  ].join('\n');
}

function peersBlock(): string {
  const b = JSON.parse(read('bench/results/peers.json')),
    p = b.peers,
    m = b.machine;
  if (p.skipped) throw new Error(`bench/results/peers.json is a skipped run: ${p.skipped}`);
  const t = p.torch,
    c = p.best_torch_config,
    [lo, mid, hi] = p.ratio_best_rounds;
  const versions = Object.entries(p.js_versions as Record<string, string>)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `${machineLine(m)} Load average ${m.load_average.join(', ')} (1, 5, 15 min) as it started. PyTorch ${t['python3-torch'] ?? t.torch} (Python ${t.python}) on ${t.blas}${t['libopenblas0-pthread'] ? ` (libopenblas0-pthread ${t['libopenblas0-pthread']})` : ''}; ${versions}; best of ${p.rounds} interleaved rounds of ${p.round_seconds} s wall time.`,
    '',
    `PyTorch in every configuration (${p.torch_coretype_note}):`,
    '',
    table(
      ['OpenMP threads', 'OpenBLAS threads', 'OpenBLAS core type', 'PyTorch CPU (samples/s)'],
      p.torch_configs.map(
        (x: { omp: number; blas: number; coretype: string; forced: boolean; samples_per_s: number }) => [
          x.omp,
          x.blas,
          `${x.coretype}${x.forced ? ' (forced)' : ''}`,
          x.samples_per_s,
        ],
      ),
    ),
    '',
    table(
      ['threads', 'jpvae (samples/s)', "PyTorch's best (samples/s)", 'jpvae ÷ PyTorch', 'median of per-round ratios'],
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
    `Each at its best (jpvae on ${p.best_threads.jpvae} thread${p.best_threads.jpvae === 1 ? '' : 's'}; PyTorch with OpenMP ${c.omp}, OpenBLAS ${c.blas}, ${c.coretype}): **${p.ratio_best}×** (\`peers.ratio_best\`; within each round ${lo}–${hi}×, median ${mid}×).`,
    '',
    'In JS, one thread each (CPU/wall: the threads a row kept busy):',
    '',
    table(
      ['library, backend, form', 'samples/s', 'CPU/wall', 'how it trains'],
      p.js_peers.map((x: { name: string; samples_per_s: number; cpu_per_wall: number; note: string }) => [
        x.name,
        x.samples_per_s,
        x.cpu_per_wall,
        x.note,
      ]),
    ),
    ...p.js_peers_skipped.map((n: string) => `\n${n}`),
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

const machineLoad = (m: Record<string, string | number> & { load_average: number[] }) =>
  `${machineLine(m)} Load average ${m.load_average.join(', ')} (1, 5, 15 min) as it started.`;

/** Two threads against one, from the bench's threads section. */
function benchThreadsBlock(): string {
  const b = JSON.parse(read('bench/results/bench.json')),
    t: Record<string, number> = b.train_samples_per_s_threads;
  const [low, high] = b.train_threads_speedup_range;
  return [
    machineLoad(b.machine),
    '',
    table(['threads', ...Object.keys(t)], [['training, reference model, batch 32 (samples/s)', ...Object.values(t)]]),
    '',
    `Median of the per-round 2 ÷ 1 ratios: **${b.train_threads_speedup}×** (rounds from ${low}× to ${high}×); two independent one-thread trainings at once, the machine's own scaling from one core to two: ${b.train_threads_machine_scaling}× (\`train_threads_speedup\`, \`train_threads_speedup_range\`, \`train_threads_machine_scaling\`).`,
  ].join('\n');
}

const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** The bench run read out: the GEMM ratios and the training rates. */
function benchSummaryBlock(): string {
  const b = JSON.parse(read('bench/results/bench.json')),
    g: Rates = b.gemm_gflops,
    shapes = Object.keys(g.js);
  const relaxedOverSimd = shapes.map((s) => g.wasm_relaxed[s] / g.wasm[s]);
  const overJs = shapes.map((s) => b.gemm_speedup_vs_js.wasm_relaxed[s]);
  const thin = shapes.filter((s) => s.startsWith('32x512x20'));
  const r = b.train_samples_per_s,
    bound = b.train_gemm_bound_samples_per_s,
    th = b.train_samples_per_s_threads;
  return [
    `- GEMM on one core: the relaxed-simd build (fused multiply-add; the default wherever the engine validates it) is ${range(relaxedOverSimd, 2)}× plain simd at the model's shapes (above 1 at ${relaxedOverSimd.filter((x) => x > 1).length} of the ${shapes.length}), and ${range(overJs, 0)}× the JS twin; 32×512×512 reached ${g.wasm_relaxed['32x512x512']} GFLOP/s (${g.wasm['32x512x512']} on plain simd). The thin latent layer (32×512×20, its three forms) reaches ${range(
      thin.map((s) => g.wasm_relaxed[s]),
      1,
    )} GFLOP/s: too little work per weight to hide the packing.`,
    `- Training on one thread: ${r.wasm_relaxed} samples/s on the relaxed build (${r.wasm} on plain simd), ${b.train_speedup_vs_js.wasm_relaxed}× the JS twin measured in the same run; that is ${Math.round((100 * r.wasm_relaxed) / bound.wasm_relaxed)}% of the ${bound.wasm_relaxed} samples/s its GEMMs alone would allow at their isolated rates. Two threads: ${th['2']} (\`train_samples_per_s_threads\`).`,
    '',
    `\`npm run --silent bench -- --json\` (bench/results/bench.json) on ${b.machine.cpu}, ${b.machine.cores} cores, Node ${b.machine.node}, jpvae ${b.machine.jpvae}; load average ${b.machine.load_average.join(', ')} as it started.`,
  ].join('\n');
}

/** The M-view engine's step against the engine it replaced, from bench/multi-view-step.ts. */
function multiViewStepBlock(): string {
  const j = JSON.parse(read('bench/results/multi-view-step.json')),
    s = j.samples_per_s,
    r = j.ratio_median;
  return [
    machineLoad(j.machine),
    '',
    table(
      ['step (samples/s, CPU time)', 'median', 'best'],
      [
        ['three views, the engine before', s.three_views_before.median, s.three_views_before.best],
        ['three views, this engine', s.three_views_after.median, s.three_views_after.best],
        [
          'three views, this engine with a zeroing pass added',
          s.three_views_after_zeroing.median,
          s.three_views_after_zeroing.best,
        ],
        ['two views, the engine before', s.two_views_before.median, s.two_views_before.best],
        ['two views, this engine', s.two_views_after.median, s.two_views_after.best],
      ],
    ),
    '',
    `Medians of ${j.rounds} rounds' ratios: three views ${r.three_views_after_over_before}× as fast as before; writing each view's first backward's gradients instead of zeroing G first ${r.three_views_writing_over_zeroing}×; two views ${r.two_views_after_over_before}×.`,
  ].join('\n');
}

/** The reproduce run read against the paper: the claim, and every number more than 5% from the paper's. */
function resultsReadingBlock(): string {
  type Run = {
    prior: keyof typeof LABELS;
    metrics: {
      recon: Record<'x1' | 'x2', number>;
      impute: Record<'x1_given_x2' | 'x2_given_x1', number>;
      active_units: { count: number; total: number };
      cross_corr_frobenius: number;
    };
    downstream: Record<string, number>;
  };
  const s = JSON.parse(read('results/summary.json')) as { command: string; machine: string; runs: Run[] };
  const of = (p: keyof typeof LABELS) => s.runs.filter((r) => r.prior === p);
  const quantities: [string, (r: Run) => number, (p: keyof typeof LABELS) => number | undefined][] = [
    ['reconstruction X̃1', (r) => r.metrics.recon.x1, (p) => PAPER_TABLE_1[p].mean[0]],
    ['reconstruction X̃2', (r) => r.metrics.recon.x2, (p) => PAPER_TABLE_1[p].mean[1]],
    ['imputation X̃1\\|2', (r) => r.metrics.impute.x1_given_x2, (p) => PAPER_TABLE_1[p].mean[2]],
    ['imputation X̃2\\|1', (r) => r.metrics.impute.x2_given_x1, (p) => PAPER_TABLE_1[p].mean[3]],
    [
      'active units %',
      (r) => (100 * r.metrics.active_units.count) / r.metrics.active_units.total,
      (p) => PAPER_TABLE_1[p].mean[4],
    ],
    ['cross-corr ‖·‖F', (r) => r.metrics.cross_corr_frobenius, (p) => PAPER_TABLE_1[p].crossCorr],
    ...DOWNSTREAM_KEYS.map(
      (k, i) =>
        [
          `Table 3 (${k.replace(/~/g, '̃').replace(/\|/g, '\\|')})`,
          (r: Run) => 100 * r.downstream[k],
          (p: keyof typeof LABELS) => PAPER_TABLE_3[p][i],
        ] as [string, (r: Run) => number, (p: keyof typeof LABELS) => number | undefined],
    ),
  ];
  const rows: string[][] = [];
  for (const [label, get, paperOf] of quantities)
    for (const p of Object.keys(LABELS) as (keyof typeof LABELS)[]) {
      const paper = paperOf(p),
        xs = of(p).map(get);
      if (paper === undefined || !xs.length) continue;
      const [m] = meanSd(xs),
        diff = 100 * (m / paper - 1);
      if (Math.abs(diff) > 5)
        rows.push([
          label,
          LABELS[p],
          m.toFixed(2),
          range(xs, 2),
          String(paper),
          `${diff > 0 ? '+' : '−'}${Math.abs(diff).toFixed(1)}%`,
        ]);
    }
  const imp = (p: keyof typeof LABELS, k: 'x1_given_x2' | 'x2_given_x1') =>
    meanSd(of(p).map((r) => r.metrics.impute[k]));
  const two = ([m, sd]: [number, number]) => `${m.toFixed(2)} (sd ${sd.toFixed(2)})`;
  const gap = (k: 'x1_given_x2' | 'x2_given_x1') => {
    const [z, zs] = imp('zero', k),
      [o, os] = imp('orthogonal', k);
    return (z - o) / Math.max(zs, os);
  };
  const cc = (p: keyof typeof LABELS) => meanSd(of(p).map((r) => r.metrics.cross_corr_frobenius))[0];
  const o12 = imp('orthogonal', 'x1_given_x2'),
    o21 = imp('orthogonal', 'x2_given_x1');
  return [
    `Imputation, C = αO against C = 0: ${two(o12)} against ${two(imp('zero', 'x1_given_x2'))} nats for the top from the bottom, ${two(o21)} against ${two(imp('zero', 'x2_given_x1'))} for the bottom from the top: gaps of ${Math.min(gap('x1_given_x2'), gap('x2_given_x1')).toFixed(0)}–${Math.max(gap('x1_given_x2'), gap('x2_given_x1')).toFixed(0)} times the larger of the two priors' sd over seeds; the paper's orthogonal row: ${PAPER_TABLE_1.orthogonal.mean[2]} / ${PAPER_TABLE_1.orthogonal.mean[3]}. Cross-correlation, C = αO ÷ C = 0: ${(cc('orthogonal') / cc('zero')).toFixed(2)}× (the paper's ${(PAPER_TABLE_1.orthogonal.crossCorr! / PAPER_TABLE_1.zero.crossCorr!).toFixed(2)}×).`,
    '',
    "Every mean that differs from the paper's by more than 5%:",
    '',
    table(['quantity', 'prior', 'ours, mean', "ours, seeds' range", 'paper', 'ours ÷ paper − 1'], rows),
    '',
    `\`${s.command}\` on ${s.machine} (results/summary.json).`,
  ].join('\n');
}

/** The paired NB-against-Gaussian table of a counts-planted results file, with its command. */
function countsPairedBlock(name: string): string {
  const md = read(`results/${name}.md`),
    j = JSON.parse(read(`results/${name}.json`));
  const paired = md.slice(md.indexOf('negative binomial, unscaled against')).trim();
  return [paired, '', `\`${j.command}\` (results/${name}.md, .json); ${j.machine.cpu}, Node ${j.machine.node}.`].join(
    '\n',
  );
}

/** The NB's learnt dispersion in the planted counts run: the median over features, per seed and view. */
function countsThetaBlock(): string {
  const j = JSON.parse(read('results/counts-planted.json')) as { runs: { method: string; theta?: number[] }[] };
  const thetas = (method: string) => j.runs.filter((r) => r.method === method).flatMap((r) => r.theta ?? []);
  return `The learnt θ (median over features, \`theta\` in results/counts-planted.json, over seeds and views): ${range(thetas('nb'), 1)} with size factors, ${range(thetas('nb-unscaled'), 1)} unscaled (planted: 2).`;
}

/** Peak memory of reading a table, from bench/memory-tables.ts's committed runs. */
function memoryTablesBlock(): string {
  const files = ['memory-h5ad', 'memory-parquet', 'memory-parquet-128'];
  const MB = 2 ** 20;
  const rows = files.map((f) => {
    const j = JSON.parse(read(`bench/results/${f}.json`)),
      r = j.results[0];
    const size = `${Math.round(r.file_bytes / MB)} MB`;
    const what = r.format === 'h5ad' ? '`.h5ad`, dense X' : '`.parquet`';
    return [
      `${what}, ${r.rows.toLocaleString('en')} × ${r.cols}${r.format === 'parquet' ? ' + an ID column' : ''}, ${size}`,
      `${Math.round(r.matrix_bytes / MB)} MB`,
      `+${Math.round((r.peak - r.before) / MB)} MB, ${r.read_ratio.toFixed(2)}× the matrix`,
      `${r.process_ratio.toFixed(2)}×`,
      `${r.seconds.toFixed(1)} s`,
      j.loadavg.join(', '),
      `\`bench/results/${f}.json\``,
    ];
  });
  const j = JSON.parse(read(`bench/results/${files[0]}.json`));
  return [
    table(
      [
        'file',
        'matrix (float32)',
        'peak RSS added by the read',
        'whole process',
        'read time',
        'load average (1, 5, 15 min)',
        'results file',
      ],
      rows,
    ),
    '',
    `${j.cpu}, Node ${j.node}; the seconds are not speeds on this shared machine (read the load average beside them).`,
  ].join('\n');
}

/** Calibration of the committed hvdMNIST models' pixel probabilities, written with the figures by `jpvae plot`. */
function calibrationBlock(): string {
  type Side = { brier: number; log_score: number; pit: number[] };
  const j = JSON.parse(read('results/figures/calibration.json')) as {
    split: string;
    models: {
      name: string;
      calibration: Record<'x1_given_x2' | 'x2_given_x1', Side> & { samples: number; rows: number };
    }[];
  };
  const sides = ['x1_given_x2', 'x2_given_x1'] as const;
  const f4 = (x: number) => x.toFixed(4);
  const rows = j.models.map(({ name, calibration: c }) => {
    const pit = sides.flatMap((k) => c[k].pit);
    return [
      name,
      ...sides.map((k) => f4(c[k].brier)),
      ...sides.map((k) => f4(c[k].log_score)),
      `${Math.min(...pit).toFixed(3)}–${Math.max(...pit).toFixed(3)}`,
    ];
  });
  const zero = j.models.find((m) => m.name === 'C = 0')!.calibration,
    ortho = j.models.find((m) => m.name === 'C = αO')!.calibration;
  const lower = sides.flatMap((k) =>
    (['brier', 'log_score'] as const).map((s) => 100 * (1 - ortho[k][s] / zero[k][s])),
  );
  const c = j.models[0].calibration;
  return [
    table(
      [
        'prior',
        'Brier x1\\|x2',
        'Brier x2\\|x1',
        'log score x1\\|x2',
        'log score x2\\|x1',
        'PIT histogram: share per tenth, min–max',
      ],
      rows,
    ),
    '',
    `${c.samples} predictive draws per ${j.split} row, ${c.rows.toLocaleString('en')} rows (results/figures/calibration.json). The orthogonal prior's Brier and log scores are ${range(lower, 0)}% lower than those of C = 0.`,
  ].join('\n');
}

const LABELS = { zero: 'C = 0', svd: 'σ1(C) < 1', orthogonal: 'C = αO' } as const;

/** The front page's imputation losses: ours from the reproduce run, the paper's beside them. */
function headlineBlock(): string {
  const s = JSON.parse(read('results/summary.json')) as {
    command: string;
    machine: string;
    runs: {
      prior: keyof typeof LABELS;
      metrics: { n: number; impute: Record<'x1_given_x2' | 'x2_given_x1', number> };
    }[];
  };
  const two = (m: number, sd: number) => `${m.toFixed(2)} (${sd.toFixed(2)})`;
  const priors = (Object.keys(LABELS) as (keyof typeof LABELS)[]).filter((p) => s.runs.some((r) => r.prior === p));
  const seeds = new Set(priors.map((p) => s.runs.filter((r) => r.prior === p).length));
  if (seeds.size !== 1) throw new Error('results/summary.json: the priors have different numbers of runs');
  const rows = priors.map((p) => {
    const rs = s.runs.filter((r) => r.prior === p),
      paper = PAPER_TABLE_1[p];
    const ours = (k: 'x1_given_x2' | 'x2_given_x1') => two(...meanSd(rs.map((r) => r.metrics.impute[k])));
    return [
      LABELS[p],
      ours('x1_given_x2'),
      ours('x2_given_x1'),
      two(paper.mean[2], paper.sd[2]),
      two(paper.mean[3], paper.sd[3]),
    ];
  });
  return [
    table(['prior', 'impute X̃1\\|2', 'impute X̃2\\|1', "the paper's X̃1\\|2", "the paper's X̃2\\|1"], rows),
    '',
    `BCE summed over a half's 392 pixels, mean (sd) over ${[...seeds][0]} seeds, on the ${s.runs[0].metrics.n.toLocaleString('en')} test rows. \`${s.command}\` on ${s.machine} (results/summary.json).`,
  ].join('\n');
}

/** The front page's training speed, from the bench's and the PyTorch peer's committed runs. */
function speedBlock(): string {
  const impute = JSON.parse(read('bench/results/impute.json'));
  const b = JSON.parse(read('bench/results/bench.json')),
    p = JSON.parse(read('bench/results/peers.json')).peers,
    m = b.machine;
  // jpvae's one-thread rate against the fastest JS library's row (TensorFlow.js, jax-js), both from the peers run.
  const js = p.js_peers
    .filter((x: { name: string }) => !x.name.startsWith('jpvae'))
    .reduce((a: { samples_per_s: number }, x: { samples_per_s: number }) =>
      x.samples_per_s > a.samples_per_s ? x : a,
    );
  const jpvaeOne = p.jpvae_samples_per_s['1'],
    jsBest = js.samples_per_s,
    jsName = js.name;
  return [
    `Training the paper's model (392→512→512→20 per view, batch 32, orthogonal prior): ${b.train_samples_per_s.wasm_relaxed} samples/s on one thread (relaxed-simd wasm), ${b.train_samples_per_s_threads['2']} on two, ${b.train_speedup_vs_js.wasm_relaxed}× the plain-TypeScript twin; beside PyTorch CPU on the same machine at its best (OpenMP ${p.best_torch_config.omp} and OpenBLAS ${p.best_torch_config.blas} threads, ${p.best_torch_config.coretype} kernels), ${p.ratio_best}× its rate, best of rounds each (jpvae on ${p.best_threads.jpvae} thread${p.best_threads.jpvae === 1 ? '' : 's'}; within each round ${p.ratio_best_rounds[0]}–${p.ratio_best_rounds[2]}×, median ${p.ratio_best_rounds[1]}×); ${(jpvaeOne / jsBest).toFixed(1)}× the fastest other JS library on one thread (${jsName}, its fastest form).`,
    '',
    `Imputing a view at the edge (the exported graph, one row or a batch; jpvae's own wasm engine against onnxruntime-web's wasm EP): ${ratios(impute.impute_rows_per_s, '')} on hvdMNIST's rows; ${ratios(impute.impute_rows_per_s, '_dense_rows')} on rows with no zeros to skip.`,
    '',
    `\`npm run --silent bench -- --json\`, \`--only peers\` and \`--only impute\` (bench/results/bench.json, peers.json, impute.json) on ${m.cpu}, ${m.cores} cores, Node ${m.node}, jpvae ${m.jpvae}.`,
  ].join('\n');
}

/** The PyTorch twin's continuation on hvdMNIST beside jpvae's own (docs/pytorch.md). */
function torchTwinBlock(): string {
  const r = JSON.parse(read('results/torch-twin-hvdmnist.json')),
    m = r.machine;
  const cell = (x: number) => x.toFixed(2);
  const rows = [
    ['before (jpvae, the common start)', r.base],
    ['jpvae, train --resume', r.jpvae],
    [`the twin, ${r.torch.processes} processes (gloo)`, r.torch],
  ].map(([name, s]) => [name, cell(s.impute.x1_given_x2), cell(s.impute.x2_given_x1), cell(s.elbo)]);
  return [
    table(['model', 'impute X̃1\\|2', 'impute X̃2\\|1', 'test ELBO'], rows),
    '',
    `The twin's imputation BCE over jpvae's: ${r.impute_ratio.x1_given_x2} (X̃1|2) and ${r.impute_ratio.x2_given_x1} (X̃2|1). Protocol: ${r.protocol}. Wall time of the continuation: jpvae ${r.jpvae.seconds} s, the twin ${r.torch.seconds} s (Python and process start-up included). \`${r.command}\` on ${m.cpu}, ${m.cores} cores, Node ${m.node}, jpvae ${m.jpvae}, torch ${m.torch}; load average ${m.load_average.join(', ')} when the file was written (the machine was shared) (results/torch-twin-hvdmnist.json).`,
  ].join('\n');
}

const blocks: [string, () => string][] = [
  ['results', resultsBlock],
  ['headline', headlineBlock],
  ['bench', benchBlock],
  ['speed', speedBlock],
  ['impute-bench', imputeBlock],
  ['peers-bench', peersBlock],
  ['bench-threads', benchThreadsBlock],
  ['bench-summary', benchSummaryBlock],
  ['multi-view-step', multiViewStepBlock],
  ['calibration', calibrationBlock],
  ['results-reading', resultsReadingBlock],
  ['counts-planted-sparse', () => countsPairedBlock('counts-planted-sparse')],
  ['counts-planted-depth0', () => countsPairedBlock('counts-planted-depth0')],
  ['counts-theta', countsThetaBlock],
  ['memory-tables', memoryTablesBlock],
  ['three-bands', threeBandsBlock],
  ['counts-planted', () => read('results/counts-planted.md').trim()],
  ['torch-twin-hvdmnist', torchTwinBlock],
  ['covariates-planted', () => read('results/covariates-planted.md').trim()],
  ['covariates-hvdmnist', () => read('results/covariates-hvdmnist.md').trim()],
];
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = new Map(pages.map((p) => [p, read(p)]));
for (const [name, block] of blocks) {
  const body = block(),
    holders = pages.filter((p) => fill(text.get(p)!, name, body) !== undefined);
  if (holders.length !== 1)
    throw new Error(
      `<!-- ${name} --> is in ${holders.length ? holders.join(' and ') : 'no page'}: it must be in exactly one`,
    );
  text.set(holders[0], fill(text.get(holders[0])!, name, body)!);
}
for (const [page, body] of text) if (body !== read(page)) writeFileSync(new URL(page, root), body);
