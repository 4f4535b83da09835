// MNIST in horizontal bands as views (the three-view analogue of hvdMNIST):
// rows [0, 9), [9, 19), [19, 28) of each 28×28 image, binarised with
// pixel > 0 as hvdMNIST is.

import type { ViewData } from './view-data.ts';

/** The first image row of each band and the row after the last: three bands of 9, 10 and 9 rows. */
export const THREE_BANDS = [0, 9, 19, 28];

/** Split n images (n×28×28 bytes) into binarised bands between the image rows `edges`. */
export function bands(
  images: Uint8Array,
  n: number,
  edges: readonly number[] = THREE_BANDS,
  labels?: Uint8Array,
): ViewData {
  const side = 28,
    dims = edges.slice(1).map((e, b) => (e - edges[b]) * side);
  const xs = dims.map((d) => new Float32Array(n * d));
  for (let r = 0; r < n; r++)
    dims.forEach((d, b) => {
      const from = r * side * side + edges[b] * side;
      for (let j = 0; j < d; j++) xs[b][r * d + j] = images[from + j] > 0 ? 1 : 0;
    });
  return { n, dims, xs, labels };
}
