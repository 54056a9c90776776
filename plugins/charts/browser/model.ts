/**
 * The chart builder's model, free of the DOM: what a chart is (ChartState), how it is written into the URL
 * fragment and read back, how column types are guessed from values, the defaults, and the Vega-Lite spec a
 * state draws. Fields are renamed x/y/color/size in the spec's data, so a column named `a.b` or `a[0]` is never
 * read as a path.
 */

export const MARKS = ["bar", "line", "area", "point", "histogram"] as const;
export type Mark = (typeof MARKS)[number];
export const MARK_LABELS: Record<Mark, string> = { bar: "Bar", line: "Line", area: "Area", point: "Scatter (points)", histogram: "Histogram" };

export const AGGREGATES = ["sum", "mean", "median", "min", "max"] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const AGGREGATE_LABELS: Record<Aggregate, string> = { sum: "Sum", mean: "Mean", median: "Median", min: "Minimum", max: "Maximum" };

export type FieldType = "quantitative" | "temporal" | "nominal";
export const TYPE_LABELS: Record<FieldType, string> = { quantitative: "number", temporal: "date", nominal: "text" };

export interface ChartState {
  mark: Mark;
  x: string;
  /** null: the count of rows. */
  y: string | null;
  /** How y is combined per x value; null: each row as it is. */
  agg: Aggregate | null;
  color: string | null;
  /** Point marks only. */
  size: string | null;
}

export interface Column {
  name: string;
  type: FieldType;
}

export type Row = Record<string, unknown>;

// ------------------------------------------------------------------------------------------- types

/** ISO 8601 dates and date-times (what SQLite's date functions write): 2024-05-01, 2024-05-01 12:30:00, …T…Z. */
const ISO_DATE = /^\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/;
const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A column's type from its values (the first 1,000 that are not null): numbers, dates, or text. */
export function guessType(values: unknown[]): FieldType {
  let seen = 0;
  let numbers = 0;
  let dates = 0;
  for (const v of values) {
    if (v === null || v === undefined || v === "") continue;
    if (++seen > 1000) break;
    if (typeof v === "number" || (typeof v === "string" && NUMERIC.test(v))) numbers++;
    else if (typeof v === "string" && ISO_DATE.test(v)) dates++;
    else return "nominal";
  }
  if (seen === 0) return "nominal";
  if (numbers === Math.min(seen, 1000)) return "quantitative";
  if (dates === Math.min(seen, 1000)) return "temporal";
  return "nominal";
}

/** Every column with its guessed type; columns holding objects (BLOBs as `{"$base64": …}`) cannot be charted. */
export function guessColumns(names: string[], rows: Row[]): Column[] {
  const out: Column[] = [];
  for (const name of names) {
    const values = rows.map((r) => r[name]);
    if (values.some((v) => v !== null && typeof v === "object")) continue;
    out.push({ name, type: guessType(values) });
  }
  return out;
}

/** A value as the chart needs it: numbers as numbers, dates as UTC timestamps, text as text. */
export function convert(value: unknown, type: FieldType): unknown {
  if (value === null || value === undefined) return null;
  if (type === "quantitative") {
    const n = typeof value === "number" ? value : Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (type === "temporal") {
    if (typeof value !== "string" || !ISO_DATE.test(value)) return null;
    // A date or date-time without a zone is read as UTC, and the axis shows UTC: the chart shows what the data says.
    let text = value.replace(" ", "T");
    if (/^\d{4}-\d{2}$/.test(text)) text += "-01";
    if (text.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += "Z";
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  return String(value);
}

// ------------------------------------------------------------------------------------------- defaults

/** A first chart: a date (else a category, else the first column) across, the first other number up. */
export function defaultState(columns: Column[], rows: Row[]): ChartState | null {
  if (!columns.length) return null;
  const distinct = (name: string) => new Set(rows.slice(0, 1000).map((r) => r[name])).size;
  const x =
    columns.find((c) => c.type === "temporal") ??
    columns.find((c) => c.type === "nominal" && distinct(c.name) <= 50) ??
    columns.find((c) => c.type === "nominal") ??
    columns[0];
  const y = columns.find((c) => c.type === "quantitative" && c.name !== x.name) ?? null;
  let mark: Mark;
  if (x.type === "temporal") mark = y ? "line" : "bar";
  else if (x.type === "nominal") mark = "bar";
  else mark = y ? "point" : "histogram";
  return { mark, x: x.name, y: y?.name ?? null, agg: null, color: null, size: null };
}

// ------------------------------------------------------------------------------------------- the URL

const FRAGMENT_KEY = "chart";

/**
 * The encodings a mark uses: a histogram counts rows (no y), only points have a size. The builder keeps the
 * others while the user tries marks; the URL and the spec get only these.
 */
export function effective(state: ChartState): ChartState {
  const histogram = state.mark === "histogram";
  const y = histogram ? null : state.y;
  return { ...state, y, agg: y === null ? null : state.agg, size: state.mark === "point" ? state.size : null };
}

/** `#chart=line&x=date&y=dollar_price` (y left out: count of rows). */
export function stateToFragment(state: ChartState): string {
  const s = effective(state);
  const p = new URLSearchParams();
  p.set(FRAGMENT_KEY, s.mark);
  p.set("x", s.x);
  if (s.y !== null) p.set("y", s.y);
  if (s.agg) p.set("agg", s.agg);
  if (s.color) p.set("color", s.color);
  if (s.size) p.set("size", s.size);
  return `#${p.toString()}`;
}

/** The state a fragment names, or null when it is not a chart (another anchor, or nothing). */
export function stateFromFragment(hash: string): ChartState | null {
  const text = hash.replace(/^#/, "");
  if (!text.startsWith(`${FRAGMENT_KEY}=`)) return null;
  const p = new URLSearchParams(text);
  const mark = p.get(FRAGMENT_KEY) as Mark;
  const x = p.get("x");
  if (!MARKS.includes(mark) || !x) return null;
  const agg = p.get("agg") as Aggregate | null;
  return {
    mark,
    x,
    y: p.get("y") || null,
    agg: agg && AGGREGATES.includes(agg) ? agg : null,
    color: p.get("color") || null,
    size: p.get("size") || null,
  };
}

/**
 * A state fitted to the columns at hand: unknown columns dropped (x falls back to the default's), and the
 * encodings a mark cannot use cleared. `problems` says what was dropped, for the status line.
 */
export function fitState(state: ChartState, columns: Column[], fallback: ChartState): { state: ChartState; problems: string[] } {
  const problems: string[] = [];
  const has = (name: string | null) => name !== null && columns.some((c) => c.name === name);
  const out = { ...state };
  if (!has(out.x)) {
    problems.push(`no column named ${out.x}`);
    out.x = fallback.x;
  }
  for (const key of ["y", "color", "size"] as const) {
    if (out[key] !== null && !has(out[key])) {
      problems.push(`no column named ${out[key]}`);
      out[key] = null;
    }
  }
  if (out.size !== null && columns.find((c) => c.name === out.size)?.type !== "quantitative") out.size = null;
  if (out.y === null) out.agg = null;
  return { state: out, problems };
}

// ------------------------------------------------------------------------------------------- the spec

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  border: string;
  strongBorder: string;
  accent: string;
  font: string;
}

/** Pre-counted values (x, count) when the server did the counting (see data.ts). */
export interface Counts {
  values: { value: unknown; count: number }[];
}

export interface SpecInput {
  state: ChartState;
  columns: Column[];
  rows: Row[];
  counts?: Counts | null;
  theme: Theme;
  /** The accessible description (also the SVG's aria-label). */
  description: string;
}

/** One sentence saying what the chart shows, for its caption and accessible description. */
export function describe(full: ChartState, rowCount: number): string {
  const state = effective(full);
  const kind = state.mark === "point" ? "Scatter plot" : `${MARK_LABELS[state.mark]} chart`;
  const y = state.y === null ? "count of rows" : state.agg ? `${AGGREGATE_LABELS[state.agg].toLowerCase()} of ${state.y}` : state.y;
  const parts = [state.mark === "histogram" ? `Histogram of ${state.x}` : `${kind} of ${y} by ${state.x}`];
  if (state.color) parts.push(`coloured by ${state.color}`);
  if (state.size) parts.push(`sized by ${state.size}`);
  return `${parts.join(", ")}, from ${rowCount.toLocaleString("en")} row${rowCount === 1 ? "" : "s"}`;
}

function typeOf(columns: Column[], name: string): FieldType {
  return columns.find((c) => c.name === name)?.type ?? "nominal";
}

function axisField(field: string, type: FieldType, title: string): Record<string, unknown> {
  const out: Record<string, unknown> = { field, type, title };
  if (type === "temporal") out.scale = { type: "utc" };
  // Categories in the result's own order (the table's sort, the query's ORDER BY), not alphabetical.
  if (type === "nominal") out.sort = null;
  return out;
}

/** A y axis of counts: whole numbers only on its ticks. */
const COUNT_AXIS = (how: Record<string, unknown>) => ({ ...how, type: "quantitative", title: "Count of rows", axis: { tickMinStep: 1 } });

/** The Vega-Lite spec for a state over rows (or server-made counts). */
export function buildSpec(input: SpecInput): Record<string, unknown> {
  const { columns, rows, counts, theme } = input;
  const state = effective(input.state);
  const xType = typeOf(columns, state.x);
  const encoding: Record<string, unknown> = {};
  let values: Row[];
  let markType: string = state.mark;

  if (counts) {
    // Counted by the server: one row per x value.
    values = counts.values.map((v) => ({ x: convert(v.value, xType), y: v.count }));
    encoding.x = axisField("x", xType, state.x);
    encoding.y = COUNT_AXIS({ field: "y" });
    if (state.mark === "histogram") markType = "bar";
  } else {
    values = rows.map((r) => {
      const v: Row = { x: convert(r[state.x], xType) };
      if (state.y !== null) v.y = convert(r[state.y], "quantitative");
      if (state.color !== null) v.color = convert(r[state.color], typeOf(columns, state.color));
      if (state.size !== null) v.size = convert(r[state.size], "quantitative");
      return v;
    });
    if (state.mark === "histogram") {
      markType = "bar";
      encoding.x = xType === "quantitative" ? { field: "x", type: "quantitative", bin: { maxbins: 30 }, title: state.x } : axisField("x", xType, state.x);
      encoding.y = COUNT_AXIS({ aggregate: "count" });
    } else {
      encoding.x = axisField("x", xType, state.x);
      encoding.y =
        state.y === null
          ? COUNT_AXIS({ aggregate: "count" })
          : { field: "y", type: "quantitative", title: state.agg ? `${AGGREGATE_LABELS[state.agg]} of ${state.y}` : state.y, ...(state.agg ? { aggregate: state.agg } : {}) };
    }
    if (state.color !== null) encoding.color = { field: "color", type: typeOf(columns, state.color), title: state.color };
    if (state.size !== null) encoding.size = { field: "size", type: "quantitative", title: state.size };
  }

  const mark: Record<string, unknown> = { type: markType, tooltip: { content: "encoding" } };
  if (markType === "line" && values.length <= 300) mark.point = true;
  if (markType === "area") mark.line = true;
  // Per-mark descriptions help screen readers on small charts and only weigh on big ones.
  if (values.length > 500) mark.aria = false;

  return {
    description: input.description,
    data: { values },
    mark,
    encoding,
    width: "container",
    height: 320,
    autosize: { type: "fit", contains: "padding" },
    config: {
      background: theme.background,
      font: theme.font,
      view: { stroke: theme.border },
      axis: {
        labelColor: theme.muted,
        titleColor: theme.foreground,
        domainColor: theme.strongBorder,
        tickColor: theme.strongBorder,
        gridColor: theme.border,
        labelFontSize: 12,
        titleFontSize: 13,
      },
      legend: { labelColor: theme.muted, titleColor: theme.foreground, labelFontSize: 12, titleFontSize: 13 },
      mark: { color: theme.accent },
      point: { filled: true },
    },
  };
}
