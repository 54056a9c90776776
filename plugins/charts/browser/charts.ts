/**
 * The chart builder on table and query pages: a "Chart" panel above the results (through the browser plugin
 * API, `almanac:init`), a form of labelled selects — chart type, x, y, aggregate, colour, size — whose
 * defaults are guessed from the columns' values, the whole filtered result fetched through the page's JSON
 * twin, the state kept in the URL fragment (`#chart=line&x=date&y=dollar_price`) so a chart is a link, and
 * PNG/SVG downloads. Vega and Vega-Lite (render.ts) are fetched only when the panel first opens.
 */
import type { AlmanacManager, ColumnDetails } from "../../../static/js/manager.js";
import { loadRows, pageSource, serverCounts, type Loaded, type ServerCounts, type Source } from "./data.js";
import {
  AGGREGATE_LABELS,
  AGGREGATES,
  MARK_LABELS,
  MARKS,
  TYPE_LABELS,
  buildSpec,
  defaultState,
  describe,
  effective,
  fitState,
  guessColumns,
  stateFromFragment,
  stateToFragment,
  type Aggregate,
  type ChartState,
  type Column,
  type Mark,
  type Theme,
} from "./model.js";
import type { DrawnChart } from "./render.js";

const PLUGIN = "almanac-charts";
const PANEL_ID = "almanac-chart";
const DEFAULT_MAX_ROWS = 10_000;

declare const __ALMANAC_VERSION__: string;

/** The page's configuration rides on this script's URL (`charts.js?max_rows=5000`), written by plugins/charts/index.ts. */
const SCRIPT_CONFIG = new URL(import.meta.url).searchParams;

function maxRows(): number {
  const n = Number(SCRIPT_CONFIG.get("max_rows") ?? DEFAULT_MAX_ROWS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_ROWS;
}

let renderer: Promise<typeof import("./render.js")> | null = null;
const loadRenderer = () => (renderer ??= import("./render.js"));

const count = (n: number) => n.toLocaleString("en");

/** The page's colours and font (static/css/base.css), so the chart follows the light or dark theme. */
function pageTheme(): Theme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v("--bg", "#ffffff"),
    foreground: v("--fg", "#1d2128"),
    muted: v("--fg-muted", "#545c68"),
    border: v("--border", "#d5d9e0"),
    strongBorder: v("--border-strong", "#9aa2ae"),
    accent: v("--accent", "#0b57c2"),
    font: v("--font", "sans-serif"),
  };
}

/** A name for downloaded files: the table's (or "query"), then "-chart". */
function fileStem(): string {
  const last = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "chart");
  const stem = last.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "chart";
  return `${stem}-chart`;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; the URL can go once this task ends.
  queueMicrotask(() => setTimeout(() => URL.revokeObjectURL(url), 0));
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function field(id: string, label: string, select: HTMLSelectElement): HTMLElement {
  select.id = id;
  return element("div", { className: "chart-field" }, element("label", { htmlFor: id, textContent: label }), select);
}

function fillSelect(select: HTMLSelectElement, options: [string, string][]): void {
  select.replaceChildren(...options.map(([value, text]) => element("option", { value, textContent: text })));
}

/**
 * The table page's own forms (filters and sort, the column chooser) keep the chart: a GET form keeps its
 * action's fragment, so the page they lead to opens with the same chart of the new rows.
 */
function carryFragment(fragment: string): void {
  for (const form of document.querySelectorAll<HTMLFormElement>("form.filters, dialog.column-chooser form")) {
    const action = new URL(form.action, location.href);
    action.hash = fragment;
    form.action = action.href;
  }
}

/** The first chart of one column, for its column menu: a histogram of numbers, else rows counted per value. */
function columnChart(column: ColumnDetails): ChartState {
  const numeric = /INT|REAL|FLOA|DOUB|NUM|DEC/i.test(column.columnType);
  return { mark: numeric ? "histogram" : "bar", x: column.columnName, y: null, agg: null, color: null, size: null };
}

class ChartBuilder {
  private readonly root: HTMLElement;
  private readonly status: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly selects: Record<"mark" | "x" | "y" | "agg" | "color" | "size", HTMLSelectElement>;
  private readonly figure: HTMLElement;
  private readonly view: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly link: HTMLAnchorElement;
  private loaded: Loaded | null = null;
  private columns: Column[] = [];
  private state: ChartState | null = null;
  private fallback: ChartState | null = null;
  private chart: DrawnChart | null = null;
  private drawn = "";
  private queue: Promise<void> = Promise.resolve();
  private readonly counts = new Map<string, Promise<ServerCounts | null>>();
  private linkProblems: string[] = [];

  constructor(
    node: HTMLElement,
    private readonly source: Source,
  ) {
    const select = () => element("select", { disabled: true });
    this.selects = { mark: select(), x: select(), y: select(), agg: select(), color: select(), size: select() };
    this.status = element("p", { className: "chart-status" });
    this.status.setAttribute("role", "status");
    this.form = element(
      "form",
      { className: "chart-form" },
      element(
        "fieldset",
        {},
        element("legend", { textContent: "Chart settings" }),
        field("almanac-chart-mark", "Chart type", this.selects.mark),
        field("almanac-chart-x", "X axis", this.selects.x),
        field("almanac-chart-y", "Y axis", this.selects.y),
        field("almanac-chart-agg", "Combine Y values", this.selects.agg),
        field("almanac-chart-color", "Colour", this.selects.color),
        field("almanac-chart-size", "Point size", this.selects.size),
      ),
    );
    this.form.addEventListener("submit", (event) => event.preventDefault());
    this.form.addEventListener("change", () => this.fromForm());
    this.view = element("div", { className: "chart-view" });
    this.caption = element("figcaption", { className: "chart-caption", id: "almanac-chart-caption" });
    this.figure = element("figure", { className: "chart-figure", hidden: true }, this.view, this.caption);
    const png = element("button", { type: "button", className: "chart-download-png", textContent: "Download PNG" });
    const svg = element("button", { type: "button", className: "chart-download-svg", textContent: "Download SVG" });
    png.addEventListener("click", () => void this.export("png"));
    svg.addEventListener("click", () => void this.export("svg"));
    this.link = element("a", { className: "chart-link", textContent: "Link to this chart" });
    this.actions = element("div", { className: "chart-actions", hidden: true }, png, svg, this.link);
    this.root = element("div", { className: "almanac-chart" }, this.form, this.status, this.figure, this.actions);
    node.append(this.root);
    window.matchMedia?.("(prefers-color-scheme: dark)").addEventListener("change", () => this.redraw(true));
  }

  private say(message: string): void {
    this.status.textContent = message;
  }

  async start(): Promise<void> {
    this.say("Loading rows for the chart…");
    // Both at once: the rows, and the chart library (its own bundle).
    void loadRenderer().catch(() => undefined);
    const cap = maxRows();
    try {
      this.loaded = await loadRows(this.source, cap, (loaded, total) => this.say(`Loading rows for the chart… ${count(loaded)}${total !== null ? ` of ${count(Math.min(total, cap))}` : ""}`));
    } catch (err) {
      this.say(`The rows could not be loaded for the chart: ${(err as Error).message}`);
      return;
    }
    this.columns = guessColumns(this.loaded.columns, this.loaded.rows);
    if (!this.loaded.rows.length || !this.columns.length) {
      this.say(this.loaded.rows.length ? "None of these columns can be charted." : "There are no rows to chart.");
      return;
    }
    this.fallback = defaultState(this.columns, this.loaded.rows);
    this.fillForm();
    this.apply(stateFromFragment(location.hash));
  }

  /** Show a state (from the URL, or the defaults when there is none). */
  apply(wanted: ChartState | null): void {
    if (!this.fallback) return;
    const { state, problems } = fitState(wanted ?? this.fallback, this.columns, this.fallback);
    this.linkProblems = problems;
    this.state = state;
    this.toForm();
    this.redraw(false);
  }

  private fillForm(): void {
    const label = (c: Column) => `${c.name} (${TYPE_LABELS[c.type]})`;
    const numbers = this.columns.filter((c) => c.type === "quantitative");
    fillSelect(this.selects.mark, MARKS.map((m) => [m, MARK_LABELS[m]]));
    fillSelect(this.selects.x, this.columns.map((c) => [c.name, label(c)]));
    fillSelect(this.selects.y, [["", "Count of rows"], ...numbers.map((c): [string, string] => [c.name, label(c)])]);
    fillSelect(this.selects.agg, [["", "None: one point per row"], ...AGGREGATES.map((a): [string, string] => [a, AGGREGATE_LABELS[a]])]);
    fillSelect(this.selects.color, [["", "None"], ...this.columns.map((c): [string, string] => [c.name, label(c)])]);
    fillSelect(this.selects.size, [["", "None"], ...numbers.map((c): [string, string] => [c.name, label(c)])]);
  }

  /** The form shows the state; controls a mark does not use are disabled (their choice is kept). */
  private toForm(): void {
    const s = this.state!;
    this.selects.mark.value = s.mark;
    this.selects.x.value = s.x;
    this.selects.y.value = s.y ?? "";
    this.selects.agg.value = s.agg ?? "";
    this.selects.color.value = s.color ?? "";
    this.selects.size.value = s.size ?? "";
    this.syncDisabled();
  }

  private syncDisabled(): void {
    const s = this.state!;
    const e = effective(s);
    this.selects.mark.disabled = false;
    this.selects.x.disabled = false;
    this.selects.color.disabled = false;
    this.selects.y.disabled = s.mark === "histogram";
    this.selects.agg.disabled = e.y === null;
    this.selects.size.disabled = s.mark !== "point";
  }

  private fromForm(): void {
    if (!this.state) return;
    const v = (k: keyof typeof this.selects) => this.selects[k].value || null;
    this.state = {
      mark: this.selects.mark.value as Mark,
      x: this.selects.x.value,
      y: v("y"),
      agg: v("agg") as Aggregate | null,
      color: v("color"),
      size: v("size"),
    };
    this.linkProblems = [];
    this.syncDisabled();
    this.redraw(false);
  }

  /** Draw the current state once the previous drawing is done (drawings never overlap). */
  private redraw(force: boolean): void {
    if (force) this.drawn = "";
    this.queue = this.queue
      .then(() => this.drawNow())
      .catch((err) => {
        this.figure.removeAttribute("aria-busy");
        this.say(`The chart could not be drawn: ${(err as Error).message}`);
      });
  }

  private async drawNow(): Promise<void> {
    const state = this.state;
    const loaded = this.loaded;
    if (!state || !loaded) return;
    const fragment = stateToFragment(state);
    if (this.drawn === fragment) return;
    // Busy from the first step (counts may be fetched) until the new chart and its status are in place.
    this.figure.setAttribute("aria-busy", "true");
    if (location.hash !== fragment) history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment}`);
    this.link.href = fragment;
    carryFragment(fragment);
    const e = effective(state);
    let counts: ServerCounts | null = null;
    // Counting rows per x value when the cap cut the rows short: the server counts all of them.
    if (e.y === null && e.color === null && (loaded.capped || loaded.queryTruncated)) {
      if (!this.counts.has(e.x)) this.counts.set(e.x, serverCounts(this.source, e.x).catch(() => null));
      counts = await this.counts.get(e.x)!;
    }
    const { draw } = await loadRenderer();
    const rowCount = counts ? counts.values.reduce((sum, v) => sum + v.count, 0) : loaded.rows.length;
    const description = describe(state, rowCount);
    const spec = buildSpec({ state, columns: this.columns, rows: loaded.rows, counts, theme: pageTheme(), description });
    this.figure.hidden = false;
    this.chart?.finalize();
    this.chart = null;
    this.view.replaceChildren();
    this.chart = await draw(this.view, spec);
    this.caption.textContent = description;
    this.actions.hidden = false;
    this.drawn = fragment;
    this.say([counts ? this.countsNote(counts, rowCount, e.x) : this.rowsNote(loaded), ...this.problemsNote()].join(" "));
    // For tests and scripts: which chart is shown, the rows it stands for and the data points Vega holds.
    this.figure.dataset.chart = fragment;
    this.figure.dataset.rows = String(rowCount);
    this.figure.dataset.values = String(this.chart.rowCount);
    this.figure.removeAttribute("aria-busy");
  }

  private countsNote(counts: ServerCounts, rowCount: number, x: string): string {
    const note = `Counting all ${count(rowCount)} rows by ${x}: the server counted them, past the ${count(maxRows())}-row cap (max_rows) that applies to other charts.`;
    return counts.truncated ? `${note} Only the ${count(counts.values.length)} most common values are shown.` : note;
  }

  private rowsNote(loaded: Loaded): string {
    const n = loaded.rows.length;
    if (loaded.queryTruncated) return `Charting the ${count(n)} rows the query returned: it stopped at the max_returned_rows setting.`;
    if (!loaded.capped) return `Charting all ${count(n)} row${n === 1 ? "" : "s"}.`;
    const total = loaded.total === null ? "" : ` of ${loaded.totalAtLeast ? "more than " : ""}${count(loaded.total)}`;
    return `Charting the first ${count(n)}${total} rows: charts stop at ${count(maxRows())} rows (max_rows). Filter the rows to chart the rest.`;
  }

  private problemsNote(): string[] {
    return this.linkProblems.length ? [`The link asked for ${this.linkProblems.join(", ")}; the chart uses other columns instead.`] : [];
  }

  private async export(kind: "png" | "svg"): Promise<void> {
    if (!this.chart) return;
    try {
      if (kind === "png") download(await this.chart.png(), `${fileStem()}.png`);
      else download(new Blob([await this.chart.svg()], { type: "image/svg+xml" }), `${fileStem()}.svg`);
      this.say(`The chart was saved as ${kind.toUpperCase()}.`);
    } catch (err) {
      this.say(`The chart could not be saved: ${(err as Error).message}`);
    }
  }
}

function register(manager: AlmanacManager): void {
  const source = pageSource();
  if (!source) return;
  let builder: ChartBuilder | null = null;
  manager.registerPlugin(PLUGIN, {
    version: typeof __ALMANAC_VERSION__ === "string" ? __ALMANAC_VERSION__ : "dev",
    makeColumnActions: (column) => [
      {
        label: "Chart this column",
        onClick: () => {
          location.hash = stateToFragment(columnChart(column));
          manager.openAboveTablePanel(PANEL_ID);
        },
      },
    ],
    makeAboveTablePanelConfigs: () => [
      {
        id: PANEL_ID,
        label: "Chart",
        render(node: HTMLElement) {
          builder = new ChartBuilder(node, source);
          void builder.start();
        },
      },
    ],
  });
  // A chart link opens the panel and draws its chart; a new #chart= fragment (edited, or pasted) redraws.
  if (stateFromFragment(location.hash)) manager.openAboveTablePanel(PANEL_ID);
  window.addEventListener("hashchange", () => {
    const wanted = stateFromFragment(location.hash);
    if (!wanted) return;
    const existing = builder;
    manager.openAboveTablePanel(PANEL_ID); // the first opening makes the builder, which reads the fragment itself
    existing?.apply(wanted);
  });
}

document.addEventListener("almanac:init", (event) => register(event.detail), { once: true });
