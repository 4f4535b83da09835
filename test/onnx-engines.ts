// The three engines the export tests run every graph on: onnxruntime-web
// (wasm EP, in Node), onnxruntime-node (native) and jpvae's own engine
// (GraphRunner on the wasm core). Each opens an .onnx file and runs it on
// rows × columns float32 feeds.

import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { createKernels } from '../src/core/index.ts';
import { GraphRunner } from '../src/runtime/graph-runner.ts';

export type Run = (feeds: Record<string, Float32Array>, n: number) => Promise<Record<string, ArrayLike<number>>>;
export type Ort = typeof ortWeb | typeof ortNode;
export interface OpenedGraph {
  run: Run;
  inputs: readonly string[];
}

async function ortEngine(ort: Ort, file: string, opts: object): Promise<OpenedGraph> {
  const s = await ort.InferenceSession.create(readFileSync(file), opts);
  const run: Run = async (feeds, n) => {
    const out = await s.run(
      Object.fromEntries(Object.entries(feeds).map(([k, x]) => [k, new ort.Tensor('float32', x, [n, x.length / n])])),
    );
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  };
  return { run, inputs: s.inputNames };
}

export const wasm = createKernels('wasm');
export const ENGINES: Record<string, (file: string) => Promise<OpenedGraph>> = {
  'onnxruntime-web': (file) => ortEngine(ortWeb, file, { executionProviders: ['wasm'] }),
  'onnxruntime-node': (file) => ortEngine(ortNode, file, {}),
  'jpvae-wasm': async (file) => {
    const r = new GraphRunner(wasm, readFileSync(file));
    return { run: async (feeds, n) => r.run(feeds, n), inputs: r.inputs.map((i) => i.name) };
  },
};
