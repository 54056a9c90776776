/** @module Unit: the chart builder's model (plugins/charts/browser/model.ts) — types, defaults, the URL fragment, the spec. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSpec, convert, defaultState, describe, effective, fitState, guessColumns, guessType, stateFromFragment, stateToFragment, type ChartState, type Theme } from "../../plugins/charts/browser/model.js";

const THEME: Theme = { background: "#fff", foreground: "#111", muted: "#555", border: "#ddd", strongBorder: "#999", accent: "#05c", font: "sans-serif" };
const ROWS = [
  { date: "2000-04-01", iso_a3: "CHE", dollar_price: 3.47, local_price: "5.90", note: null, blob: null },
  { date: "2001-04-01", iso_a3: "CHE", dollar_price: 3.64, local_price: "6.30", note: "x", blob: { $base64: true, encoded: "AA==" } },
];

test("types are guessed from values: numbers (numeric text too), ISO dates and date-times, else text", () => {
  assert.equal(guessType([1, 2.5, "3", "-4e2", null, ""]), "quantitative");
  assert.equal(guessType(["2024-05-01", "2024-05-01 12:30:00", "2024-05-01T12:30:00Z", "2024-05", null]), "temporal");
  assert.equal(guessType(["2024-05-01", "soon"]), "nominal");
  assert.equal(guessType([1, "CHE"]), "nominal");
  assert.equal(guessType([null, null]), "nominal");
  assert.deepEqual(guessColumns(["date", "iso_a3", "dollar_price", "local_price", "note", "blob"], ROWS), [
    { name: "date", type: "temporal" },
    { name: "iso_a3", type: "nominal" },
    { name: "dollar_price", type: "quantitative" },
    { name: "local_price", type: "quantitative" },
    { name: "note", type: "nominal" },
  ]);
});

test("dates and date-times without a zone are read as UTC; bad values become null", () => {
  assert.equal(convert("2000-04-01", "temporal"), Date.UTC(2000, 3, 1));
  assert.equal(convert("2000-04", "temporal"), Date.UTC(2000, 3, 1));
  assert.equal(convert("2000-04-01 06:30:00", "temporal"), Date.UTC(2000, 3, 1, 6, 30));
  assert.equal(convert("2000-04-01T06:30:00+02:00", "temporal"), Date.UTC(2000, 3, 1, 4, 30));
  assert.equal(convert("April", "temporal"), null);
  assert.equal(convert("6.30", "quantitative"), 6.3);
  assert.equal(convert("n/a", "quantitative"), null);
  assert.equal(convert(12, "nominal"), "12");
});

test("the default chart: a date across, the first other number up, as a line; categories as bars; numbers alone as a histogram", () => {
  const columns = guessColumns(["date", "iso_a3", "dollar_price", "local_price"], ROWS);
  assert.deepEqual(defaultState(columns, ROWS), { mark: "line", x: "date", y: "dollar_price", agg: null, color: null, size: null });
  assert.deepEqual(defaultState(columns.slice(1), ROWS), { mark: "bar", x: "iso_a3", y: "dollar_price", agg: null, color: null, size: null });
  assert.deepEqual(defaultState([{ name: "n", type: "quantitative" }], [{ n: 1 }]), { mark: "histogram", x: "n", y: null, agg: null, color: null, size: null });
  assert.equal(defaultState([], []), null);
});

test("the URL fragment round-trips, names with any characters included; other anchors are not charts", () => {
  const state: ChartState = { mark: "point", x: "a&b=c", y: "price (€)", agg: "mean", color: "#tag", size: "n" };
  const fragment = stateToFragment(state);
  assert.equal(fragment, "#chart=point&x=a%26b%3Dc&y=price+%28%E2%82%AC%29&agg=mean&color=%23tag&size=n");
  assert.deepEqual(stateFromFragment(fragment), state);
  assert.equal(stateToFragment({ mark: "line", x: "date", y: "dollar_price", agg: null, color: null, size: null }), "#chart=line&x=date&y=dollar_price");
  for (const other of ["", "#export", "#chart=pie&x=a", "#chart=bar", "#x=date"]) assert.equal(stateFromFragment(other), null, other);
  assert.deepEqual(stateFromFragment("#chart=bar&x=a&agg=bogus"), { mark: "bar", x: "a", y: null, agg: null, color: null, size: null });
});

test("only the encodings a mark uses reach the URL and the spec: no y for histograms, size for points only", () => {
  const state: ChartState = { mark: "histogram", x: "dollar_price", y: "local_price", agg: "sum", color: null, size: "local_price" };
  assert.deepEqual(effective(state), { ...state, y: null, agg: null, size: null });
  assert.equal(stateToFragment(state), "#chart=histogram&x=dollar_price");
  assert.equal(stateToFragment({ ...state, mark: "point" }), "#chart=point&x=dollar_price&y=local_price&agg=sum&size=local_price");
});

test("a state is fitted to the columns: unknown names are dropped (x falls back) and reported", () => {
  const columns = guessColumns(["date", "iso_a3", "dollar_price"], ROWS);
  const fallback = defaultState(columns, ROWS)!;
  const { state, problems } = fitState({ mark: "point", x: "gone", y: "dollar_price", agg: "max", color: "missing", size: "iso_a3" }, columns, fallback);
  assert.deepEqual(state, { mark: "point", x: "date", y: "dollar_price", agg: "max", color: null, size: null });
  assert.deepEqual(problems, ["no column named gone", "no column named missing"]);
});

test("the spec renames fields (a column called a.b is not a path), reads dates as UTC, and counts on a whole-number axis", () => {
  const columns = [
    { name: "a.b", type: "temporal" as const },
    { name: "v[0]", type: "quantitative" as const },
    { name: "kind", type: "nominal" as const },
  ];
  const rows = [{ "a.b": "2020-01-01", "v[0]": "2", kind: "x" }];
  const state: ChartState = { mark: "line", x: "a.b", y: "v[0]", agg: null, color: "kind", size: null };
  const spec = buildSpec({ state, columns, rows, theme: THEME, description: describe(state, 1) }) as any;
  assert.deepEqual(spec.data.values, [{ x: Date.UTC(2020, 0, 1), y: 2, color: "x" }]);
  assert.deepEqual(spec.encoding.x, { field: "x", type: "temporal", title: "a.b", scale: { type: "utc" } });
  assert.deepEqual(spec.encoding.y, { field: "y", type: "quantitative", title: "v[0]" });
  assert.deepEqual(spec.encoding.color, { field: "color", type: "nominal", title: "kind" });
  assert.equal(spec.mark.type, "line");
  assert.equal(spec.mark.point, true, "points on short lines");
  assert.equal(spec.description, "Line chart of v[0] by a.b, coloured by kind, from 1 row");
  assert.equal(spec.config.background, "#fff");
  assert.ok(!JSON.stringify(spec).includes("url"), "inline data only");

  const histogram = buildSpec({ state: { ...state, mark: "histogram", x: "v[0]", color: null }, columns, rows, theme: THEME, description: "" }) as any;
  assert.equal(histogram.mark.type, "bar");
  assert.deepEqual(histogram.encoding.x, { field: "x", type: "quantitative", bin: { maxbins: 30 }, title: "v[0]" });
  assert.deepEqual(histogram.encoding.y, { aggregate: "count", type: "quantitative", title: "Count of rows", axis: { tickMinStep: 1 } });
  assert.equal(describe({ ...state, mark: "histogram", x: "v[0]", color: null }, 12), "Histogram of v[0], from 12 rows");
});

test("counts made by the server become one bar per value", () => {
  const columns = [{ name: "kind", type: "nominal" as const }];
  const state: ChartState = { mark: "bar", x: "kind", y: null, agg: null, color: null, size: null };
  const spec = buildSpec({ state, columns, rows: [], counts: { values: [{ value: "a", count: 1200 }, { value: null, count: 3 }] }, theme: THEME, description: "" }) as any;
  assert.deepEqual(spec.data.values, [{ x: "a", y: 1200 }, { x: null, y: 3 }]);
  assert.deepEqual(spec.encoding.y, { field: "y", type: "quantitative", title: "Count of rows", axis: { tickMinStep: 1 } });
  assert.equal(describe(state, 1203), "Bar chart of count of rows by kind, from 1,203 rows");
});
