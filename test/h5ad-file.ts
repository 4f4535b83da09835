// A small AnnData (or MuData) file written with h5wasm, for the readers' tests.

import h5wasm from 'h5wasm/node';

/** An AnnData file written with h5wasm: X dense (or CSR with `sparse`, its shape claiming `cols` columns if given), obs names `ids`, and `obs` columns. */
export function writeH5ad(
  path: string,
  x: number[][],
  ids: string[],
  o: {
    sparse?: boolean;
    mod?: string[];
    cols?: number;
    obs?: Record<string, string[] | { categorical: string[] }>;
  } = {},
) {
  const f = new h5wasm.File(path, 'w');
  const group = (root: InstanceType<typeof h5wasm.Group>, x: number[][], ids: string[]) => {
    const cols = x[0].length;
    if (o.sparse) {
      const X = root.create_group('X');
      X.create_attribute('encoding-type', 'csr_matrix');
      X.create_attribute('shape', BigInt64Array.from([BigInt(x.length), BigInt(o.cols ?? cols)]));
      const data: number[] = [],
        indices: number[] = [],
        indptr = [0];
      for (const row of x) {
        row.forEach((v, c) => v !== 0 && (data.push(v), indices.push(c)));
        indptr.push(data.length);
      }
      X.create_dataset({ name: 'data', data: Float32Array.from(data) });
      X.create_dataset({ name: 'indices', data: Int32Array.from(indices) });
      X.create_dataset({ name: 'indptr', data: Int32Array.from(indptr) });
    } else root.create_dataset({ name: 'X', data: Float32Array.from(x.flat()), shape: [x.length, cols] });
    const obs = root.create_group('obs');
    obs.create_attribute('_index', '_index');
    obs.create_dataset({ name: '_index', data: ids });
    // Columns of obs: a categorical (codes into its sorted categories, as anndata writes one), or strings.
    for (const [name, column] of Object.entries(o.obs ?? {})) {
      if (Array.isArray(column)) {
        obs.create_dataset({ name, data: column });
        continue;
      }
      const categories = [...new Set(column.categorical)].sort(),
        g = obs.create_group(name);
      g.create_attribute('encoding-type', 'categorical');
      g.create_dataset({ name: 'categories', data: categories });
      g.create_dataset({ name: 'codes', data: Int8Array.from(column.categorical, (c) => categories.indexOf(c)) });
    }
  };
  if (o.mod) {
    const mod = f.create_group('mod');
    o.mod.forEach((name, i) => group(mod.create_group(name), i ? x.map((r) => r.slice(1)) : x, ids));
  } else group(f, x, ids);
  f.close();
}
