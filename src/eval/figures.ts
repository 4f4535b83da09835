// PNG figures: the imputation grid of the paper's Figure 1 and the latent
// cross-correlation heatmaps of its Figure 4. pngjs does the encoding.

import pngjs from 'pngjs';
import { writeFileAtomic } from '../io/atomic.ts';

const { PNG } = pngjs;

/** A grid of grey-scale tiles (values in [0,1]): tiles[row][col], each h×w, with a gap and an upscale. */
export function writeTileGrid(path: string, tiles: Float32Array[][], h: number, w: number, scale = 3, gap = 2): void {
  const rows = tiles.length,
    cols = tiles[0].length;
  const W = (cols * (w + gap) + gap) * scale,
    H = (rows * (h + gap) + gap) * scale;
  const png = new PNG({ width: W, height: H });
  png.data.fill(255);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const tile = tiles[r][c];
      for (let y = 0; y < h * scale; y++)
        for (let x = 0; x < w * scale; x++) {
          const v =
            255 - Math.round(255 * Math.min(1, Math.max(0, tile[Math.floor(y / scale) * w + Math.floor(x / scale)])));
          const px = ((gap + r * (h + gap)) * scale + y) * W + (gap + c * (w + gap)) * scale + x;
          png.data[4 * px] = png.data[4 * px + 1] = png.data[4 * px + 2] = v;
        }
    }
  writeFileAtomic(path, PNG.sync.write(png));
}

/** Diverging blue–white–red heatmaps of matrices with entries in [−1, 1], side by side. */
export function writeHeatmaps(
  path: string,
  mats: { data: ArrayLike<number>; rows: number; cols: number }[],
  cell = 12,
  gap = 16,
): void {
  const H = Math.max(...mats.map((m) => m.rows)) * cell;
  const W = mats.reduce((s, m) => s + m.cols * cell + gap, gap);
  const png = new PNG({ width: W, height: H + 2 * gap });
  png.data.fill(255);
  let x0 = gap;
  for (const m of mats) {
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < m.cols; j++) {
        const v = Math.max(-1, Math.min(1, m.data[i * m.cols + j]));
        const [r, g, b] = v >= 0 ? [255, 255 * (1 - v), 255 * (1 - v)] : [255 * (1 + v), 255 * (1 + v), 255];
        for (let y = 0; y < cell; y++)
          for (let x = 0; x < cell; x++) {
            const px = (gap + i * cell + y) * W + x0 + j * cell + x;
            png.data[4 * px] = r;
            png.data[4 * px + 1] = g;
            png.data[4 * px + 2] = b;
          }
      }
    x0 += m.cols * cell + gap;
  }
  writeFileAtomic(path, PNG.sync.write(png));
}
