/**
 * @module The one permission resolver every route asks. Today it applies Datasette's default rules
 * (and --default-deny); allow blocks from the configuration are parsed and kept, and are enforced by
 * the authentication work that builds on this module (see docs/architecture.md).
 */
import type { Settings } from "../config/settings.js";

export const ACTIONS = [
  "view-instance", "permissions-debug", "debug-menu", "view-database", "view-database-download", "execute-sql",
  "execute-write-sql", "create-table", "create-view", "store-query", "view-table", "insert-row", "delete-row",
  "update-row", "alter-table", "set-column-type", "drop-table", "drop-view", "view-query", "update-query", "delete-query",
] as const;
export type Action = (typeof ACTIONS)[number];

export type Actor = Record<string, unknown> | null;

/** What a permission is about: nothing (instance), a database, or a table/view/query within one. */
export interface Resource {
  database?: string;
  child?: string;
}

const DEFAULT_ALLOW: ReadonlySet<Action> = new Set<Action>([
  "view-instance", "view-database", "view-database-download", "execute-sql", "view-table", "view-query",
]);

const ALSO_REQUIRES: Partial<Record<Action, Action>> = {
  "view-database-download": "view-database",
  "execute-sql": "view-database",
  "execute-write-sql": "view-database",
  "store-query": "execute-sql",
};

export class PermissionResolver {
  constructor(
    private readonly settings: Settings,
    private readonly defaultDeny: boolean,
  ) {}

  allowed(actor: Actor, action: Action, resource: Resource = {}): boolean {
    void actor;
    let ok = !this.defaultDeny && DEFAULT_ALLOW.has(action);
    if (action === "execute-sql" && !this.settings.default_allow_sql) ok = false;
    const also = ALSO_REQUIRES[action];
    return ok && (also ? this.allowed(actor, also, resource) : true);
  }
}
