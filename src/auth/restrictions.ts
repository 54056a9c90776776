/**
 * @module API-token restrictions (`_r`, Datasette §7.3): an allowlist that can only take access away.
 * `{"a": [actions]}` everywhere, `{"d": {db: [actions]}}` on a database and everything in it,
 * `{"r": {db: {child: [actions]}}}` on one table, view or stored query. Actions may be written out or
 * abbreviated (`vt`, `es`, …). There is no upward implication: `vt` on a table does not grant view-database.
 */
import type { Action, Resource } from "./permissions.js";

export const ABBREVIATIONS: Record<string, Action> = {
  vi: "view-instance", pd: "permissions-debug", dm: "debug-menu", vd: "view-database", vdd: "view-database-download",
  es: "execute-sql", ews: "execute-write-sql", ct: "create-table", cv: "create-view", sq: "store-query", vt: "view-table",
  ir: "insert-row", dr: "delete-row", ur: "update-row", at: "alter-table", sct: "set-column-type", dt: "drop-table",
  dv: "drop-view", vq: "view-query", uq: "update-query", dq: "delete-query",
};
const ABBREVIATION_OF = new Map(Object.entries(ABBREVIATIONS).map(([abbr, action]) => [action, abbr]));

/** The short form tokens store (Datasette writes abbreviations where one exists). */
export function abbreviate(action: Action): string {
  return ABBREVIATION_OF.get(action) ?? action;
}

function lists(value: unknown, action: Action): boolean {
  if (!Array.isArray(value)) return false;
  const abbr = ABBREVIATION_OF.get(action);
  return value.some((v) => v === action || (abbr !== undefined && v === abbr));
}

function objectAt(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** Whether restrictions `r` leave `action` on `resource` allowed. Malformed restrictions allow nothing. */
export function restrictionAllows(r: unknown, action: Action, resource: Resource): boolean {
  if (r === null || typeof r !== "object" || Array.isArray(r)) return false;
  if (lists(objectAt(r, "a"), action)) return true;
  if (resource.database === undefined) return false;
  if (lists(objectAt(objectAt(r, "d"), resource.database), action)) return true;
  if (resource.child === undefined) return false;
  return lists(objectAt(objectAt(objectAt(r, "r"), resource.database), resource.child), action);
}
