/**
 * @module The `/-/…` data pages as readable HTML: a JSON value becomes a tree the `show_json.html` template
 * walks — objects as definition lists, arrays of objects as tables, other arrays as lists, multi-line
 * strings as preformatted blocks. The template escapes every key and value; only http(s) strings are linked.
 */
import { isSafeUrl } from "./cells.js";

export type JsonNode =
  | { kind: "null" }
  | { kind: "boolean"; text: string }
  | { kind: "number"; text: string }
  | { kind: "string"; text: string; multiline: boolean; href: string | null }
  | { kind: "empty"; text: "{}" | "[]" }
  | { kind: "object"; entries: { key: string; node: JsonNode }[] }
  | { kind: "table"; columns: string[]; rows: JsonNode[][] }
  | { kind: "list"; items: JsonNode[] };

/** Deeper structures are shown as JSON text: no page data is nested that far, and the template recursion stays bounded. */
const MAX_DEPTH = 12;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function jsonTree(value: unknown, depth = 0): JsonNode {
  if (value === null || value === undefined) return { kind: "null" };
  if (typeof value === "boolean") return { kind: "boolean", text: String(value) };
  if (typeof value === "number" || typeof value === "bigint") return { kind: "number", text: String(value) };
  if (typeof value === "string") return { kind: "string", text: value, multiline: value.includes("\n"), href: isSafeUrl(value) ? value : null };
  if (depth >= MAX_DEPTH) return { kind: "string", text: JSON.stringify(value), multiline: false, href: null };
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: "empty", text: "[]" };
    if (value.every(isPlainObject)) {
      const columns: string[] = [];
      for (const row of value) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
      const rows = value.map((row) => columns.map((c) => (Object.hasOwn(row, c) ? jsonTree(row[c], depth + 1) : ({ kind: "null" } as JsonNode))));
      return { kind: "table", columns, rows };
    }
    return { kind: "list", items: value.map((v) => jsonTree(v, depth + 1)) };
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([key, v]) => ({ key, node: jsonTree(v, depth + 1) }));
    return entries.length === 0 ? { kind: "empty", text: "{}" } : { kind: "object", entries };
  }
  return { kind: "string", text: String(value), multiline: false, href: null };
}
