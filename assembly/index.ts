// The wasm compute core: every export implements one method of the Kernels
// interface (src/core/kernels.ts), with the same name and arguments.

/** First byte the host may use; below it lie AssemblyScript's static data. */
export function heapBase(): usize {
  return __heap_base;
}

export { gemm, gemmPart, denseBackward, denseBackwardPart, gemmScratchSize, setGemmScratch } from './gemm';
export {
  sigmoid,
  bceWithLogits,
  softmaxCrossEntropy,
  gaussianNll,
  reparam,
  reparamBackward,
  adam,
} from './elementwise';
export { jointKl, orthoKl, cayley, cayleyBackward, svdCompose, svdComposeBackward } from './prior';
export { factorKl } from './factor';
export { countNll } from './counts';
