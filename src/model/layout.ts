// The layout table: the single source of truth for where each parameter
// lives in the flat parameter array (and, at the same offsets, in the
// gradient and Adam-moment arrays). Checkpoints, the ONNX exporter and
// the optimiser all read it.

export interface LayoutEntry {
  name: string;
  shape: number[];
  offset: number; // element offset from the start of the flat array
  size: number;
}

/** Elements [lo, hi) of the flat array: the parameters of one part of the model (a view's, say). */
export interface ParamRange {
  lo: number;
  hi: number;
}

export class Layout {
  readonly entries: LayoutEntry[] = [];
  size = 0;

  /** Append a tensor; offsets stay 4-aligned so SIMD loads of a row start aligned. */
  add(name: string, shape: number[]): LayoutEntry {
    if (this.entries.some((e) => e.name === name)) throw new Error(`layout: duplicate name ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const entry = { name, shape, offset: this.size, size };
    this.entries.push(entry);
    this.size += Math.ceil(size / 4) * 4;
    return entry;
  }
}
