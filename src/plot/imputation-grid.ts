// Figure 1 as a Vega-Lite spec: one row per example digit, one column per
// image kind, each column headed by the model and what it shows. The
// images are embedded as grey-scale PNG data URLs (ink dark on white).

import pngjs from 'pngjs';
import type { ImputationGrid } from '../eval/imputation-figure.ts';
import type { VegaLiteSpec } from './render.ts';

const { PNG } = pngjs;

/** The screen pixels per image pixel. */
const ZOOM = 2;

function dataUrl(img: Float32Array, h: number, w: number): string {
  const png = new PNG({ width: w, height: h });
  for (let t = 0; t < h * w; t++) {
    const v = 255 - Math.round(255 * Math.min(1, Math.max(0, img[t])));
    png.data[4 * t] = png.data[4 * t + 1] = png.data[4 * t + 2] = v;
    png.data[4 * t + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Each column's header, its lines joined by '|': the model, then what the column shows, a word a line. */
export const columnHeader = (c: ImputationGrid['columns'][number]): string =>
  [c.model, ...c.shows.split(' ')].filter(Boolean).join('|');

export function imputationGridSpec(g: ImputationGrid, title = 'Imputations'): VegaLiteSpec {
  const headers = g.columns.map(columnHeader);
  const values = g.rows.flatMap((r) =>
    r.images.map((img, c) => ({ digit: r.label, column: headers[c], url: dataUrl(img, g.height, g.width) })),
  );
  const w = g.width * ZOOM,
    h = g.height * ZOOM;
  return {
    title: {
      text: title,
      // Two short lines: a title wider than the grid would widen the whole figure.
      subtitle: ['views: bands of the image, view 1 at the top;', 'imputed: the decoded conditional mean (Eq. 12)'],
    },
    data: { values },
    spacing: 6,
    facet: {
      row: { field: 'digit', type: 'ordinal', title: 'test digit', header: { labelAngle: 0 } },
      column: {
        field: 'column',
        type: 'nominal',
        sort: headers,
        title: null,
        header: { labelExpr: "split(datum.label, '|')", labelLimit: 0 },
      },
    },
    spec: {
      width: w,
      height: h,
      mark: { type: 'image', width: w, height: h, aspect: false, align: 'left', baseline: 'top', aria: false },
      encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
    },
  };
}
