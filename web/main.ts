// The demo page: pick a test digit or draw one half, see the other half
// imputed live. All inference runs in the imputer's worker (onnxruntime-web,
// WebGPU when the browser has it, else wasm; or ?ep=jpvae-wasm, jpvae's own
// engine); this thread only draws.
// `window.jpvaeDemo` exposes the state for the browser test.

import { createImputer, type ExecutionProvider } from '../src/runtime/imputer.ts';

const SIDE = 28,
  HALF = 14 * SIDE,
  CELL = 10;
type View = 1 | 2;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('digit'),
  status = $('status');
const params = new URLSearchParams(location.search);

interface Digits {
  labels: number[];
  pixels: string[];
} // pixels: 784 characters '0'/'1' per digit, binarised as the model's data
const state = {
  executionProvider: '' as string,
  fallbacks: [] as string[],
  imputations: 0,
  last: null as null | { given: View; digit: number | null; input: number[]; output: number[]; ms: number },
};
Object.assign(window, { jpvaeDemo: state });

let given: View = 1,
  digit: number | null = Number(params.get('digit') ?? 0);
let image = new Uint8Array(SIDE * SIDE); // the full binary digit; only the given half is shown and used
let imputed: Float32Array = new Float32Array(HALF);

const givenHalf = () => Float32Array.from(image.subarray((given - 1) * HALF, given * HALF));

/** The given half in black and white, the imputed half as grey levels of its pixel probabilities. */
function render(): void {
  canvas.width = canvas.height = SIDE * CELL;
  const g = canvas.getContext('2d')!;
  for (let r = 0; r < SIDE; r++) {
    const isGiven = r < 14 === (given === 1);
    for (let c = 0; c < SIDE; c++) {
      const v = isGiven ? image[r * SIDE + c] : imputed[(r % 14) * SIDE + c];
      const level = Math.round(255 * (1 - v));
      g.fillStyle = isGiven ? `rgb(${level},${level},${level})` : `rgb(${level},${level},${Math.round(255 - 120 * v)})`;
      g.fillRect(c * CELL, r * CELL, CELL, CELL);
    }
  }
  g.strokeStyle = '#c33';
  g.beginPath();
  g.moveTo(0, 14 * CELL);
  g.lineTo(SIDE * CELL, 14 * CELL);
  g.stroke();
  $('given-name').textContent = given === 1 ? 'top' : 'bottom';
  $('digit-index').textContent = digit === null ? 'drawn' : `#${digit} · label ${digits.labels[digit]}`;
}

function drawHalf(target: HTMLCanvasElement, probs: Float32Array): void {
  target.width = target.height = SIDE;
  const g = target.getContext('2d')!,
    img = g.createImageData(SIDE, SIDE);
  for (let p = 0; p < SIDE * SIDE; p++) {
    const isGiven = p < HALF === (given === 1);
    const v = isGiven ? image[p] : probs[p % HALF];
    img.data.set([255 * (1 - v), 255 * (1 - v), isGiven ? 255 * (1 - v) : 255 - 120 * v, 255], p * 4);
  }
  g.putImageData(img, 0, 0);
}

const imputer = await createImputer(new URL('model/', location.href), {
  executionProviders: params.get('ep')?.split(',') as ExecutionProvider[] | undefined,
  wasm: { simd: new URL('simd.wasm', location.href), relaxed: new URL('relaxed.wasm', location.href) },
}).catch((e: Error) => {
  status.textContent = `could not start the imputer: ${e.message}`;
  document.body.dataset.error = e.message;
  throw e;
});
const digits: Digits = await (await fetch('digits.json')).json();
state.executionProvider = imputer.executionProvider;
state.fallbacks = imputer.fallbacks;

// Live imputation while drawing: at most one call in flight; edits made
// meanwhile are imputed as soon as it returns.
let busy = false,
  dirty = false;
async function impute(): Promise<void> {
  if (busy) {
    dirty = true;
    return;
  }
  busy = true;
  do {
    dirty = false;
    const input = givenHalf(),
      t0 = performance.now();
    imputed = await imputer.impute(input.slice(), { given });
    const ms = performance.now() - t0;
    state.imputations++;
    state.last = { given, digit, input: Array.from(input), output: Array.from(imputed), ms };
    status.textContent =
      `${imputer.executionProvider === 'jpvae-wasm' ? "jpvae's own wasm engine" : `onnxruntime-web on ${imputer.executionProvider}`}: ${ms.toFixed(1)} ms per imputation (${state.imputations} so far)` +
      imputer.fallbacks.map((f) => `\npassed over ${f}`).join('');
    render();
  } while (dirty);
  busy = false;
}

function showDigit(i: number): void {
  digit = (i + digits.labels.length) % digits.labels.length;
  image = Uint8Array.from(digits.pixels[digit], (ch) => Number(ch));
  $('draws').replaceChildren();
  void impute();
}

async function sample(): Promise<void> {
  const k = 4,
    // A fresh seed per click: the runtime's draws, like the library's, are fixed (seed 1) unless one is given.
    draws = await imputer.impute(givenHalf(), { given, samples: k, seed: Math.floor(Math.random() * 2 ** 32) });
  $('draws').replaceChildren(
    ...Array.from({ length: k }, (_, s) => {
      const c = document.createElement('canvas');
      drawHalf(c, draws.subarray(s * HALF, (s + 1) * HALF));
      return c;
    }),
  );
}

function paint(e: PointerEvent): void {
  const rect = canvas.getBoundingClientRect();
  const c = Math.floor(((e.clientX - rect.left) / rect.width) * SIDE),
    r = Math.floor(((e.clientY - rect.top) / rect.height) * SIDE);
  const value = e.shiftKey || e.buttons & 2 ? 0 : 1;
  let changed = false;
  for (const [dr, dc] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]) {
    // a 2×2 brush: about MNIST's stroke width
    const rr = r + dr,
      cc = c + dc;
    if (cc < 0 || cc >= SIDE || rr < 14 !== (given === 1) || rr < 0 || rr >= SIDE) continue;
    changed ||= image[rr * SIDE + cc] !== value;
    image[rr * SIDE + cc] = value;
  }
  if (!changed) return;
  digit = null;
  render();
  void impute();
}

canvas.addEventListener('pointerdown', (e) => {
  canvas.setPointerCapture(e.pointerId);
  paint(e);
});
canvas.addEventListener('pointermove', (e) => {
  if (e.buttons) paint(e);
});
canvas.addEventListener('contextmenu', (e) => e.preventDefault());
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=given]')) {
  radio.addEventListener('change', () => {
    given = Number(radio.value) as View;
    $('draws').replaceChildren();
    void impute();
  });
}
$('prev').addEventListener('click', () => showDigit((digit ?? 0) - 1));
$('next').addEventListener('click', () => showDigit((digit ?? -1) + 1));
$('random').addEventListener('click', () => showDigit(Math.floor(Math.random() * digits.labels.length)));
$('clear').addEventListener('click', () => {
  image.fill(0);
  digit = null;
  $('draws').replaceChildren();
  void impute();
});
$('sample').addEventListener('click', () => void sample());

showDigit(digit ?? 0);
document.body.dataset.ready = '1';
