// The figures of a model or of several side by side, written as PNG and SVG:
// what `jpvae plot`, `jpvae eval --figure` and `jpvae reproduce` write.

import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import type { ViewData } from '../data/view-data.ts';
import { evaluateCalibration, type Calibration } from '../eval/calibration.ts';
import { imputationGrid } from '../eval/imputation-figure.ts';
import { crossCorrelation, frobenius } from '../eval/latent.ts';
import type { DrawKind } from '../impute/impute.ts';
import { completeMeans, type LatentFit } from '../impute/latent-fit.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { EpochRecord } from '../train/trainer.ts';
import { calibrationSpec } from './calibration-plot.ts';
import { crossCorrelationSpec } from './cross-correlation.ts';
import { imputationGridSpec } from './imputation-grid.ts';
import { writeFigure, svgBeside, type RenderedFigure } from './render.ts';
import { trainingCurvesSpec } from './training-curves.ts';
import { jsonText } from '../io/json-keys.ts';

/** A trained model under the name its figures give it. */
export interface NamedModel {
  name: string;
  model: Jpvae;
  fit: LatentFit;
  history?: EpochRecord[];
}

/** Figure 1: per example digit, the true image and each model's two imputations. */
export function writeImputationGrid(png: string, models: NamedModel[], data: ViewData): Promise<RenderedFigure> {
  return writeFigure(png, imputationGridSpec(imputationGrid(models, data)));
}

/** Figure 4: each model's latent cross-correlation of every pair of views on `data`'s rows with every view, one colorbar. */
export function writeCrossCorrelation(png: string, models: NamedModel[], data: ViewData): Promise<RenderedFigure> {
  const panels = models.flatMap(({ name, model }) => {
    const { rows, Z } = completeMeans(model, data),
      n = model.config.latent,
      m = Z.length;
    return Z.flatMap((_, i) =>
      Z.slice(i + 1).map((_, k) => {
        const j = i + 1 + k,
          corr = crossCorrelation(Z[i], n[i], Z[j], n[j], rows);
        const pair = m > 2 ? ` (views ${i + 1} and ${j + 1})` : '';
        return { name: name + pair, corr, n1: n[i], n2: n[j], frobenius: frobenius(corr) };
      }),
    );
  });
  return writeFigure(png, crossCorrelationSpec(panels));
}

export function writeTrainingCurves(
  png: string,
  models: { name: string; history: EpochRecord[] }[],
  heldOut = 'held-out',
): Promise<RenderedFigure> {
  return writeFigure(png, trainingCurvesSpec(models, 'Training curves', heldOut));
}

/** The calibration plot of each model's draws: each view given all the others. */
export function writeCalibrationPlot(
  png: string,
  results: { name: string; calibration: Calibration }[],
): Promise<RenderedFigure> {
  const K = results[0]?.calibration.samples,
    kind = results[0]?.calibration.draws,
    title = `Calibration of the imputations (${K} ${kind} draws per held-out row)`;
  const label = (key: string) => key.replace('_given_', ' | ').replaceAll('_', ',');
  const models = results.map(({ name, calibration: c }) => ({
    name,
    series: Object.entries(c.impute).map(([key, view]) => ({ label: label(key), view })),
  }));
  return writeFigure(png, calibrationSpec(models, title));
}

export interface PlotOptions {
  samples: number; // draws per row for the calibration plot
  seed: number;
  draws: DrawKind;
  /** The split's name in legends ('test' for hvdMNIST, 'held-out' otherwise). */
  heldOut: string;
  /** Draw Figure 1 (views that are digit halves). */
  digits: boolean;
}

/** Every figure of the models on `data` (their held-out rows) into `out`, as PNG and SVG, and the calibrations in calibration.json; returns the paths written and the calibrations. */
export async function writeModelFigures(
  out: string,
  models: NamedModel[],
  data: ViewData,
  o: PlotOptions,
): Promise<{ files: string[]; calibrations: { name: string; calibration: Calibration }[] }> {
  const files: string[] = [];
  const put = async (name: string, write: (png: string) => Promise<RenderedFigure>) => {
    const png = join(out, `${name}.png`);
    await write(png);
    files.push(png, svgBeside(png));
  };
  if (o.digits) await put('imputations', (p) => writeImputationGrid(p, models, data));
  await put('cross-correlation', (p) => writeCrossCorrelation(p, models, data));
  const curves = models.flatMap((m) => (m.history?.length ? [{ name: m.name, history: m.history }] : []));
  if (curves.length) await put('training-curves', (p) => writeTrainingCurves(p, curves, o.heldOut));
  const calibrations = models.map(({ name, model, fit }) => ({
    name,
    calibration: evaluateCalibration(model, data, fit, o),
  }));
  await put('calibration', (p) => writeCalibrationPlot(p, calibrations));
  // The numbers the calibration plot shows, for tables and READMEs.
  const numbers = join(out, 'calibration.json');
  writeFileAtomic(numbers, jsonText({ split: o.heldOut, models: calibrations }, { indent: 1 }));
  files.push(numbers);
  return { files, calibrations };
}
