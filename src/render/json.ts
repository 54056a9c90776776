/** @module JSON output: cell encoding (BLOBs, infinities, `_json` columns) and the `_shape` variants. */
import { BadRequest } from "../http/errors.js";

export interface CellOptions {
  /** `_json_infinity=on`: keep ±Infinity (written as bare Infinity) instead of null. */
  infinity: boolean;
  /** Columns whose text should be parsed as JSON (`?_json=col`). */
  jsonColumns: Set<string>;
}

/** A JSON-safe value for one cell. */
export function encodeCell(value: unknown, column: string, opts: CellOptions): unknown {
  if (value instanceof Uint8Array) return { $base64: true, encoded: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (typeof value === "number" && !Number.isFinite(value)) return opts.infinity && !Number.isNaN(value) ? value : null;
  if (typeof value === "string" && opts.jsonColumns.has(column)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Rows as objects keyed by column (a repeated column name keeps its last value, as Datasette does). */
export function rowsToObjects(columns: string[], rows: unknown[][], opts: CellOptions): Record<string, unknown>[] {
  const simple = opts.jsonColumns.size === 0;
  // A column called __proto__ would set the prototype instead of a key; such rows define it as a key.
  const protoColumn = columns.includes("__proto__");
  return rows.map((row) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = row[i];
      const cell = simple && (typeof v !== "object" || v === null) && (typeof v !== "number" || Number.isFinite(v)) ? v : encodeCell(v, columns[i], opts);
      if (protoColumn) setKey(o, columns[i], cell);
      else o[columns[i]] = cell;
    }
    return o;
  });
}

/** Set an own, enumerable key — safe for any name, `__proto__` included. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

export function rowsToArrays(columns: string[], rows: unknown[][], opts: CellOptions): unknown[][] {
  return rows.map((row) => row.map((v, i) => encodeCell(v, columns[i], opts)));
}

export const SHAPES = ["objects", "arrays", "array", "arrayfirst", "object"] as const;
export type Shape = (typeof SHAPES)[number];

export function parseShape(raw: string | undefined): Shape {
  if (raw === undefined || raw === "") return "objects";
  if ((SHAPES as readonly string[]).includes(raw)) return raw as Shape;
  throw new BadRequest(`Invalid _shape: ${raw}`);
}
