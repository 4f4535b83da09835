// The figures: each spec rendered to SVG holds its titles, axis labels,
// legend entries and headers, and its PNG decodes at the stated size (the
// SVG's size × PNG_SCALE); and the commands that write them (jpvae plot,
// eval --samples/--figure, impute --draws) on a Gaussian model of CSV views.

import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { CALIBRATION_BINS, COVERAGE_LEVELS, type Calibration } from '../src/eval/calibration.ts';
import type { ImputationGrid } from '../src/eval/imputation-figure.ts';
import { calibrationSpec } from '../src/plot/calibration-plot.ts';
import { crossCorrelationSpec } from '../src/plot/cross-correlation.ts';
import { imputationGridSpec } from '../src/plot/imputation-grid.ts';
import { PNG_SCALE, renderFigure, type RenderedFigure } from '../src/plot/render.ts';
import { trainingCurvesSpec } from '../src/plot/training-curves.ts';
import type { EpochRecord } from '../src/train/trainer.ts';
import { writePlantedCsv } from './planted-files.ts';
import { jpvae, tempDir } from './util.ts';

/** Every text the SVG shows: each <text>, or each of its <tspan> lines. */
function texts(svg: string): string[] {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/gs)].flatMap((m) =>
    m[1].includes('<tspan')
      ? [...m[1].matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((s) => unescape(s[1]))
      : [unescape(m[1])],
  );
}

/** The PNG decodes, at the SVG's size times PNG_SCALE. */
function checkPng(t: { is: (a: unknown, b: unknown, m?: string) => void }, fig: RenderedFigure) {
  const png = pngjs.PNG.sync.read(Buffer.from(fig.png));
  const [, w, h] = /<svg[^>]*width="(\d+(?:\.\d+)?)"[^>]*height="(\d+(?:\.\d+)?)"/.exec(fig.svg)!.map(Number);
  t.is(png.width, fig.width);
  t.is(png.height, fig.height);
  t.is(png.width, Math.round(w * PNG_SCALE), 'PNG width = SVG width × PNG_SCALE');
  t.is(png.height, Math.round(h * PNG_SCALE), 'PNG height = SVG height × PNG_SCALE');
}

const epoch = (e: number): EpochRecord => ({
  epoch: e,
  beta: 1,
  train: { recon: [30 / e, 31 / e], kl: 5 + e, elbo: -(61 / e + 5 + e), loss: 61 / e + 5 + e },
  test: { recon: [32 / e, 33 / e], kl: 5.5 + e, elbo: -(65 / e + 5.5 + e) },
  seconds: 1,
  samplesPerSec: 1000,
});

test('training curves: title, panels, axes and the legend of rows and terms', async (t) => {
  const fig = await renderFigure(
    trainingCurvesSpec([
      { name: 'model A', history: [1, 2, 3].map(epoch) },
      { name: 'model B', history: [1, 2].map(epoch) },
    ]),
  );
  const s = texts(fig.svg);
  for (const want of ['Training curves', 'model A', 'model B', 'loss', 'reconstruction', 'KL', 'epoch', 'nats per row'])
    t.true(s.includes(want), `"${want}" in ${JSON.stringify(s.slice(0, 40))}`);
  for (const entry of ['rows', 'train', 'held-out', 'term', 'total', 'view 1', 'view 2'])
    t.true(s.includes(entry), entry);
  checkPng(t, fig);
});

test('Figure 4: one panel per model titled with its norm, unit axes, one shared colorbar', async (t) => {
  const corr = (k: number) => Float64Array.from({ length: 12 }, (_, i) => Math.sin(i * k));
  const fig = await renderFigure(
    crossCorrelationSpec([
      { name: 'C = 0', corr: corr(1), n1: 3, n2: 4, frobenius: 1.234 },
      { name: 'C = αO', corr: corr(2), n1: 3, n2: 4, frobenius: 2.5 },
    ]),
  );
  const s = texts(fig.svg);
  for (const want of [
    'Latent cross-correlation',
    'C = 0: ‖corr‖F = 1.234',
    'C = αO: ‖corr‖F = 2.500',
    'unit of z1',
    'unit of z2',
  ])
    t.true(s.includes(want), want);
  t.is(s.filter((x) => x === 'correlation').length, 1, 'one colorbar for both panels');
  t.true(s.includes('−1') || s.includes('−1.0'), 'the colorbar spans −1');
  t.true(s.includes('1') || s.includes('1.0'), 'the colorbar spans 1');
  checkPng(t, fig);
});

test('Figure 1: a header over each column, a label per digit row', async (t) => {
  const img = () => Float32Array.from({ length: 28 * 28 }, (_, i) => (i % 3) / 2);
  const grid: ImputationGrid = {
    columns: [
      { model: '', shows: 'true image' },
      { model: 'C = 0', shows: 'imputed bottom' },
      { model: 'C = 0', shows: 'imputed top' },
    ],
    rows: [0, 1].map((label) => ({ label, images: [img(), img(), img()] })),
    height: 28,
    width: 28,
  };
  const fig = await renderFigure(imputationGridSpec(grid));
  const s = texts(fig.svg);
  for (const want of ['Imputations', 'true', 'image', 'C = 0', 'imputed', 'bottom', 'top', 'test digit', '0', '1'])
    t.true(s.includes(want), want);
  t.is((fig.svg.match(/<image /g) ?? []).length, 6, 'one image per row and column');
  checkPng(t, fig);
});

const gaussianCal = (level: number) => ({
  likelihood: 'gaussian' as const,
  values: 100,
  coverage_50: 0.5 * level,
  coverage_90: 0.9 * level,
  interval_coverage: COVERAGE_LEVELS.map((l) => ({ level: l, observed: l * level })),
  crps: 0.4,
  pit: Array.from({ length: CALIBRATION_BINS }, () => 1 / CALIBRATION_BINS),
});

test('calibration plot: PIT histogram, coverage and reliability panels, the imputed views in the legend', async (t) => {
  const bernoulli = {
    likelihood: 'bernoulli' as const,
    values: 100,
    brier: 0.08,
    log_score: 0.28,
    reliability: Array.from({ length: CALIBRATION_BINS }, (_, b) => ({
      predicted: (b + 0.5) / 10,
      observed: (b + 0.4) / 10,
      share: 0.1,
    })),
    pit: Array.from({ length: CALIBRATION_BINS }, () => 1 / CALIBRATION_BINS),
  };
  const c: Calibration = {
    samples: 7,
    draws: 'predictive',
    seed: 1,
    rows: 10,
    impute: { x1_given_x2: gaussianCal(1), x2_given_x1: bernoulli },
  };
  const fig = await renderFigure(
    calibrationSpec(
      [
        {
          name: 'm',
          series: [
            { label: 'x1 | x2', view: c.impute.x1_given_x2 },
            { label: 'x2 | x1', view: c.impute.x2_given_x1 },
          ],
        },
      ],
      'Calibration',
    ),
  );
  const s = texts(fig.svg);
  for (const want of [
    'Calibration',
    'm: PIT histogram',
    'm: interval coverage',
    'm: reliability',
    'PIT',
    'density',
    'nominal level of the central interval',
    'share of held-out values inside',
    'predicted probability of ink',
    'observed frequency',
    'imputed view',
    'x1 | x2',
    'x2 | x1',
    'm, x1 | x2: 50% interval covers 50.0%, 90% covers 90.0%, CRPS 0.400',
    'm, x2 | x1: Brier 0.0800, log score 0.2800',
  ])
    t.true(s.includes(want), want);
  checkPng(t, fig);
});

test('jpvae plot, eval --samples and impute --draws on Gaussian CSV views', (t) => {
  const dir = tempDir(t);
  writePlantedCsv(dir, 400, 50, 0.1, 4, {
    units: [
      [1000, 0.05],
      [-50, 300],
    ],
  });
  const model = join(dir, 'm');
  const v = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
  const tr = jpvae(
    'train',
    ...v,
    '--likelihood1',
    'gaussian',
    '--likelihood2',
    'gaussian',
    '--latent',
    '2',
    '--hidden',
    '16',
    '--epochs',
    '3',
    '--holdout',
    '0.25',
    '--out',
    model,
  );
  t.is(tr.code, 0, tr.err);

  const ev = jpvae('eval', '--model', model, '--samples', '8', '--json');
  t.is(ev.code, 0, ev.err);
  const cal = JSON.parse(ev.out).calibration;
  t.deepEqual(Object.keys(cal), ['samples', 'draws', 'seed', 'rows', 'impute']);
  t.deepEqual(Object.keys(cal.impute), ['x1_given_x2', 'x2_given_x1']);
  t.is(cal.samples, 8);
  t.is(cal.draws, 'predictive');
  t.deepEqual(Object.keys(cal.impute.x2_given_x1), [
    'likelihood',
    'values',
    'coverage_50',
    'coverage_90',
    'interval_coverage',
    'crps',
    'pit',
  ]);
  t.true(cal.impute.x2_given_x1.coverage_90 > 0 && cal.impute.x2_given_x1.coverage_90 <= 1);
  t.is(cal.impute.x2_given_x1.pit.length, CALIBRATION_BINS);
  const text = jpvae('eval', '--model', model, '--samples', '8', '--draws', 'latent');
  t.is(text.code, 0, text.err);
  t.regex(text.out, /calibration of 8 latent draws per row on \d+ rows/);
  t.regex(text.out, /x2\|x1: central 50% interval covers [\d.]+%, 90% covers [\d.]+%, CRPS/);
  t.regex(jpvae('eval', '--model', model, '--draws', 'latent').err, /--draws: needs --samples K/);
  t.regex(jpvae('eval', '--model', model, '--samples', '1').err, /--samples: expected an integer ≥ 2, got '1'/);

  const out = join(dir, 'figs');
  const pl = jpvae('plot', '--model', model, '--out', out, '--samples', '4', '--json');
  t.is(pl.code, 0, pl.err);
  const written = JSON.parse(pl.out).files as string[];
  for (const name of ['cross-correlation', 'training-curves', 'calibration'])
    for (const ext of ['png', 'svg'])
      t.true(written.includes(join(out, `${name}.${ext}`)) && existsSync(join(out, `${name}.${ext}`)));
  t.false(existsSync(join(out, 'imputations.png')), 'no digit grid for views that are not digit halves');
  t.true(texts(readFileSync(join(out, 'training-curves.svg'), 'utf8')).includes('held-out'));
  t.regex(jpvae('plot', '--model', model, '--names', 'a,b').err, /--names: 2 names for 1 models/);

  const draws = (kind: string) => {
    const f = join(dir, `d-${kind}.csv`);
    const r = jpvae(
      'impute',
      '--model',
      model,
      '--given',
      '1',
      '--input',
      join(dir, 'test1.csv'),
      '--out',
      f,
      '--samples',
      '5',
      '--draws',
      kind,
    );
    t.is(r.code, 0, r.err);
    t.regex(r.err, new RegExp(`× 5 ${kind} draws`));
    return readFileSync(f, 'utf8');
  };
  t.not(draws('latent'), draws('predictive'));
  t.regex(
    jpvae(
      'impute',
      '--model',
      model,
      '--given',
      '1',
      '--input',
      join(dir, 'test1.csv'),
      '--out',
      join(dir, 'x.csv'),
      '--draws',
      'noisy',
      '--samples',
      '2',
    ).err,
    /--draws: expected one of predictive, latent, got 'noisy'/,
  );
});
