// The calibration plot as a Vega-Lite spec, one row of panels per model:
// the PIT histogram of each imputed view's draws (flat at 1 when the draws
// are calibrated), the observed coverage of the draws' central intervals
// against their nominal level (Gaussian views), and the reliability of the
// predicted pixel probabilities (Bernoulli views); both on the diagonal
// when calibrated.

import { CALIBRATION_BINS, type ViewCalibration } from '../eval/calibration.ts';
import type { VegaLiteSpec } from './render.ts';

export interface CalibrationSeries {
  label: string; // the legend entry, e.g. 'x2 | x1'
  view: ViewCalibration;
}

const SIZE = 220;

const diagonal = {
  data: {
    values: [
      { a: 0, b: 0 },
      { a: 1, b: 1 },
    ],
  },
  mark: { type: 'line', color: '#888', strokeDash: [4, 4] },
  encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
};

function colour(labels: string[]) {
  return { field: 'series', type: 'nominal', title: 'imputed view', sort: labels };
}

/** What the subtitle says of one series: coverage at 50% and 90% or the Brier and log scores. */
export function seriesSummary(s: CalibrationSeries): string {
  const v = s.view,
    pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (v.likelihood === 'bernoulli')
    return `${s.label}: Brier ${v.brier.toFixed(4)}, log score ${v.log_score.toFixed(4)}`;
  const interval = `${s.label}: 50% interval covers ${pct(v.coverage_50)}, 90% covers ${pct(v.coverage_90)}`;
  return v.likelihood === 'gaussian'
    ? `${interval}, CRPS ${v.crps.toFixed(3)}`
    : `${interval}, predictive NLL ${v.predictive_nll.toFixed(2)}`;
}

/** A panel of observed against nominal values (x: `x.field`, y: `observed`, both in [0, 1]), one line per series, over the diagonal of perfect calibration. */
function againstDiagonal(
  title: string,
  values: Record<string, unknown>[],
  x: { field: string; title: string },
  yTitle: string,
  labels: string[],
): VegaLiteSpec {
  return {
    title,
    width: SIZE,
    height: SIZE,
    layer: [
      diagonal,
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: x.field, type: 'quantitative', title: x.title, scale: { domain: [0, 1] } },
          y: { field: 'observed', type: 'quantitative', title: yTitle, scale: { domain: [0, 1] } },
          color: colour(labels),
        },
      },
    ],
  };
}

function modelRow(name: string, series: CalibrationSeries[]): VegaLiteSpec {
  const labels = series.map((s) => s.label);
  // A step line per series: each bin's density from its left edge, and the last bin's again at 1 to close it.
  const pit = series.flatMap((s) =>
    [...s.view.pit, s.view.pit[CALIBRATION_BINS - 1]].map((share, b) => ({
      series: s.label,
      x: b / CALIBRATION_BINS,
      density: share * CALIBRATION_BINS,
    })),
  );
  const panels: VegaLiteSpec[] = [
    {
      title: `${name}: PIT histogram`,
      width: SIZE,
      height: SIZE,
      layer: [
        {
          data: { values: pit },
          mark: { type: 'line', interpolate: 'step-after', point: false },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'PIT', scale: { domain: [0, 1] } },
            y: { field: 'density', type: 'quantitative', title: 'density', scale: { zero: true } },
            color: colour(labels),
          },
        },
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { datum: 1 } } },
      ],
    },
  ];
  const gaussian = series.flatMap((s) =>
    s.view.likelihood === 'gaussian'
      ? s.view.interval_coverage.map((c) => ({ series: s.label, level: c.level, observed: c.observed }))
      : [],
  );
  if (series.some((s) => s.view.likelihood === 'gaussian')) {
    const x = { field: 'level', title: 'nominal level of the central interval' };
    panels.push(againstDiagonal(`${name}: interval coverage`, gaussian, x, 'share of held-out values inside', labels));
  }
  const bernoulli = series.flatMap((s) =>
    s.view.likelihood === 'bernoulli'
      ? s.view.reliability
          .filter((r) => r.share > 0)
          .map((r) => ({ series: s.label, predicted: r.predicted, observed: r.observed }))
      : [],
  );
  if (series.some((s) => s.view.likelihood === 'bernoulli')) {
    const x = { field: 'predicted', title: 'predicted probability of ink' };
    panels.push(againstDiagonal(`${name}: reliability`, bernoulli, x, 'observed frequency', labels));
  }
  return { hconcat: panels };
}

export function calibrationSpec(models: { name: string; series: CalibrationSeries[] }[], title: string): VegaLiteSpec {
  return {
    title: { text: title, subtitle: models.flatMap((m) => m.series.map((s) => `${m.name}, ${seriesSummary(s)}`)) },
    vconcat: models.map((m) => modelRow(m.name, m.series)),
    resolve: { scale: { color: 'shared' } },
  };
}
