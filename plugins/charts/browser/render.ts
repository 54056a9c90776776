/**
 * The heavy half of the charts plugin: Vega-Lite compiles the spec, Vega draws it as SVG and exports PNG and
 * SVG. Loaded only when a chart panel opens (a separate bundle), so table pages stay light. The data is always
 * inline, and the loader refuses every URL, so a chart can never make a request.
 */
import { loader, parse, View, Warn, type Loader } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface DrawnChart {
  /** Rows in the chart's data, as Vega holds them. */
  rowCount: number;
  png(scale?: number): Promise<Blob>;
  svg(): Promise<string>;
  finalize(): void;
}

function refuse(): Promise<never> {
  return Promise.reject(new Error("Charts load no data from URLs"));
}

/** A loader with every way out closed. */
function offlineLoader(): Loader {
  const base = loader();
  return Object.assign(base, { load: refuse, sanitize: refuse, http: refuse, file: refuse });
}

export async function draw(container: HTMLElement, spec: Record<string, unknown>): Promise<DrawnChart> {
  const vegaSpec = compile(spec as unknown as TopLevelSpec).spec;
  const view = new View(parse(vegaSpec), {
    renderer: "svg",
    container,
    hover: true,
    loader: offlineLoader(),
    logLevel: Warn,
  });
  await view.runAsync();
  return {
    // Vega-Lite names inline data "source_0".
    rowCount: view.data("source_0").length,
    async png(scale = 2) {
      const canvas = await view.toCanvas(scale);
      return new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG export failed"))), "image/png"));
    },
    svg: () => view.toSVG(),
    finalize: () => void view.finalize(),
  };
}
