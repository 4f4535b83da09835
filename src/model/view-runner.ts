// What runs the views' halves of a step, for the two-view and the M-view
// model alike. The views meet only in the KL, so their halves before it
// (forward) and after it (backward) touch disjoint buffers and can run at
// once, on threads (src/threads/); each half is the same kernel calls
// either way, so results do not depend on where they ran.

export interface ViewRunner {
  /** forwardView of the views in `mask` (bit i for views[i]); view i's reconstruction sum into sums[i]. */
  forward(mask: number, rows: number, gradScale: number | null, sums: number[]): void;
  /**
   * backwardView of the views in `mask`, view i's dense gradients added to
   * when adds[i], else written. `last`: once it is done G holds the step's
   * whole gradient (the step's last group of rows, and no view's gradient is
   * left to zero), so a runner that also updates (the training threads'
   * Adam, AdamRunner) may update at once; the step's Adam.update then
   * reports that update instead of making another.
   */
  backward(mask: number, rows: number, adds: readonly boolean[], last: boolean): void;
}
