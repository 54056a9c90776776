/**
 * @module Export renderers: CSV exactly as Datasette (Python's csv module) writes it, and newline-delimited
 * JSON. They run where the rows are read — inside the worker threads — so the event loop only writes text.
 * Rows arrive raw from better-sqlite3: INTEGER cells as BigInt, REAL cells as numbers, BLOBs as bytes.
 */
import { createHash } from "node:crypto";
import { tildeEncode } from "../http/tilde.js";

/** How BLOB cells of a CSV become absolute `.blob` links (§11.4). */
export type BlobLinks =
  /** Table and row CSV: `<base><pks>.blob?_blob_column=<col>`; `keyColumns` name the key cells of each row. */
  | { kind: "row"; base: string; keyColumns: string[] }
  /** Query CSV: `<base>?<query>&_blob_column=<col>&_blob_hash=<sha256>`. */
  | { kind: "query"; base: string; query: string };

export interface CsvSpec {
  format: "csv";
  header: boolean;
  /**
   * Output columns in order: which SQL column each reads, and its header name. Omitted: every SQL column
   * under its own name. `blob: false` (label columns) writes BLOB cells as empty fields.
   */
  columns?: { source: string; name: string; blob?: boolean }[];
  blobs: BlobLinks;
}

export interface NdjsonSpec {
  format: "ndjson";
  /** `_json_infinity=on`: ±Infinity written as bare literals (otherwise null, as in the JSON API). */
  infinity: boolean;
  /** `_json=col`: text cells of these columns parsed as JSON. */
  jsonColumns: string[];
}

export type RenderSpec = CsvSpec | NdjsonSpec;

export interface RowFormatter {
  /** The first line (CSV header), or "". */
  header: string;
  /** One row as text, line terminator included. */
  row(row: unknown[]): string;
  /** The last line written when the output reaches `max_csv_mb`. */
  limitLine(limitBytes: number): string;
  /** The last line written when the query fails after output has started. */
  errorLine(message: string): string;
}

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTES = /"/g;

/** One CSV field with Python's QUOTE_MINIMAL rules: quoted when it holds `,`, `"`, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTES, '""')}"` : text;
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent past 1e16 or under 1e-4. */
export function pythonFloat(n: number): string {
  if (n !== n) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  const abs = n < 0 ? -n : n;
  if (abs === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  if (abs >= 1e-4 && abs < 1e16) {
    // In this range JavaScript never uses an exponent: only the missing ".0" differs.
    const s = String(n);
    return s.includes(".") ? s : s + ".0";
  }
  // toExponential() gives the same shortest digits; Python pads the exponent to two digits.
  const s = n.toExponential();
  const e = s.indexOf("e");
  const mantissa = s.slice(0, e);
  const sign = s[e + 1];
  const digits = s.slice(e + 2);
  return `${mantissa}e${sign}${digits.length < 2 ? "0" + digits : digits}`;
}

/** A cell as Python's csv module writes Datasette's value: NULL empty, integers exact, floats as repr. */
function scalarText(v: unknown): string | null {
  switch (typeof v) {
    case "string":
      return v;
    case "bigint":
      return v.toString();
    case "number":
      return pythonFloat(v);
    case "boolean":
      return v ? "True" : "False";
    default:
      return v === null || v === undefined ? "" : null;
  }
}

function asBytes(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** The bytes a `.blob` response serves for a cell (and hashes for `_blob_hash`): BLOBs as they are, anything else as its CSV text. */
export function blobBytes(v: unknown): Buffer {
  if (v instanceof Uint8Array) return asBytes(v);
  return Buffer.from(scalarText(v) ?? "", "utf8");
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function formParam(name: string, value: string): string {
  return new URLSearchParams([[name, value]]).toString();
}

function csvFormatter(spec: CsvSpec, sqlColumns: string[]): RowFormatter {
  const out = spec.columns ?? sqlColumns.map((c) => ({ source: c, name: c, blob: true }));
  const index = (name: string) => {
    // Repeated names read the last one, as the JSON rows do.
    const i = sqlColumns.lastIndexOf(name);
    if (i < 0) throw Object.assign(new Error(`export column not selected: ${name}`), { kind: "internal" });
    return i;
  };
  const sources = out.map((c) => index(c.source));
  const allowBlob = out.map((c) => c.blob !== false);
  const n = sources.length;
  const links = spec.blobs;
  const keyIndexes = links.kind === "row" ? links.keyColumns.map((k) => sqlColumns.indexOf(k)) : [];
  // Precomputed link text per output column: everything but the row's keys or the cell's hash.
  const linkTail = out.map((c) => (links.kind === "row" ? `.blob?${formParam("_blob_column", c.source)}` : `${links.base}?${links.query}${links.query ? "&" : ""}${formParam("_blob_column", c.source)}&_blob_hash=`));

  const blobLink = (row: unknown[], col: number, v: Uint8Array): string => {
    if (!allowBlob[col]) return "";
    if (links.kind === "query") return linkTail[col] + sha256Hex(v);
    if (keyIndexes.some((k) => k < 0)) return "";
    return links.base + keyIndexes.map((k) => tildeEncode(scalarText(row[k]) ?? "")).join(",") + linkTail[col];
  };

  const header = spec.header ? out.map((c) => csvField(c.name)).join(",") + "\r\n" : "";
  return {
    header: n === 1 && header === "\r\n" ? '""\r\n' : header,
    row(row: unknown[]): string {
      let line = "";
      for (let i = 0; i < n; i++) {
        const v = row[sources[i]];
        let text = scalarText(v);
        if (text === null) text = v instanceof Uint8Array ? blobLink(row, i, v) : String(v);
        if (i > 0) line += ",";
        line += NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTES, '""')}"` : text;
      }
      // Python quotes a row made of one empty field, so it is not read back as a blank line.
      return n === 1 && line === "" ? '""\r\n' : line + "\r\n";
    },
    limitLine: (limitBytes) => `CSV contains more than ${limitBytes} bytes`,
    errorLine: (message) => message,
  };
}

function ndjsonFormatter(spec: NdjsonSpec, sqlColumns: string[]): RowFormatter {
  // A repeated column keeps its first position and its last value (rowsToObjects does the same).
  const names: string[] = [];
  const sources: number[] = [];
  sqlColumns.forEach((c, i) => {
    const at = names.indexOf(c);
    if (at >= 0) sources[at] = i;
    else {
      names.push(c);
      sources.push(i);
    }
  });
  const keys = names.map((c, i) => (i ? "," : "{") + JSON.stringify(c) + ":");
  const parseJson = names.map((c) => spec.jsonColumns.includes(c));
  const n = names.length;
  const value = (v: unknown, col: number): string => {
    switch (typeof v) {
      case "string":
        if (parseJson[col]) {
          try {
            return JSON.stringify(JSON.parse(v));
          } catch {
            // not JSON: the text itself
          }
        }
        return JSON.stringify(v);
      case "bigint":
        return v.toString();
      case "number":
        if (Number.isFinite(v)) return JSON.stringify(v);
        return spec.infinity && v === v ? (v > 0 ? "Infinity" : "-Infinity") : "null";
      default:
        if (v instanceof Uint8Array) return `{"$base64":true,"encoded":"${asBytes(v).toString("base64")}"}`;
        return v === null || v === undefined ? "null" : JSON.stringify(v);
    }
  };
  return {
    header: "",
    row(row: unknown[]): string {
      if (n === 0) return "{}\n";
      let line = "";
      for (let i = 0; i < n; i++) line += keys[i] + value(row[sources[i]], i);
      return line + "}\n";
    },
    limitLine: (limitBytes) => JSON.stringify({ ok: false, error: `Export contains more than ${limitBytes} bytes` }) + "\n",
    errorLine: (message) => JSON.stringify({ ok: false, error: message }) + "\n",
  };
}

export function createRowFormatter(spec: RenderSpec, sqlColumns: string[]): RowFormatter {
  return spec.format === "csv" ? csvFormatter(spec, sqlColumns) : ndjsonFormatter(spec, sqlColumns);
}
