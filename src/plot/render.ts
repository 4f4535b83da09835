// Figures are Vega-Lite specifications, compiled to Vega, rendered to SVG by
// Vega's headless view (no browser, no canvas: the 'none' renderer writes
// SVG markup) and rasterised to PNG by resvg (a Rust SVG renderer shipped
// as a prebuilt binary inside its npm package, so nothing is built or
// fetched at install or run time). The three are optional peers of jpvae:
// only the figure-writing commands need them.

import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';

/** A Vega-Lite specification (https://vega.github.io/vega-lite/docs/spec.html), as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

/** The PNG's pixels per SVG pixel. */
export const PNG_SCALE = 2;

/** The look every figure shares: a sans-serif face resvg finds on Linux, macOS and Windows alike. */
export const FIGURE_CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, subtitleFontSize: 11 },
};

const PEERS = ['vega', 'vega-lite', '@resvg/resvg-js'] as const;

async function peers() {
  try {
    const [vega, vl, resvg] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
    return { vega, vl, Resvg: resvg.Resvg };
  } catch (e) {
    const missing = PEERS.find((p) => (e as Error).message?.includes(`'${p}'`)) ?? PEERS.join(' ');
    throw new InputError(
      `figures need the npm packages ${PEERS.join(', ')} (${missing} is not installed): run 'npm install ${PEERS.join(' ')}'`,
    );
  }
}

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
  width: number; // of the PNG, pixels (the SVG's width × PNG_SCALE)
  height: number;
}

/** The SVG and PNG of a Vega-Lite spec. */
export async function renderFigure(spec: VegaLiteSpec): Promise<RenderedFigure> {
  const { vega, vl, Resvg } = await peers();
  const full: VegaLiteSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...spec,
    config: { ...FIGURE_CONFIG, ...(spec.config as object) },
  };
  // The spec is plain JSON: vega-lite checks it as it compiles.
  const compiled = vl.compile(full as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  }).render();
  return { svg, png: image.asPng(), width: image.width, height: image.height };
}

/** The SVG path beside a PNG path (`fig.png` → `fig.svg`). */
export const svgBeside = (png: string): string => png.replace(/\.png$/i, '') + '.svg';

/** Render `spec` and write it as `png` and its SVG beside it, each atomically. */
export async function writeFigure(png: string, spec: VegaLiteSpec): Promise<RenderedFigure> {
  const fig = await renderFigure(spec);
  writeFileAtomic(svgBeside(png), fig.svg);
  writeFileAtomic(png, fig.png);
  return fig;
}
