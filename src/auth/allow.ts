/**
 * @module Allow blocks (Datasette §7.4) and the permission rules the configuration makes from them: `allow`,
 * `allow_sql` and `permissions: {action: block}` at the instance, database, table and stored-query levels.
 */
import type { InstanceConfig } from "../config/options.js";
import type { Action, Actor, Rule } from "./permissions.js";

/**
 * Whether an allow block matches an actor. `true`/`false` (and 1/0 from `-s`) are everyone/no one; an object's
 * keys are ORed: `"*"` matches any actor that has the key, otherwise the values (one or a list) must intersect
 * the actor's; `{"unauthenticated": true}` matches only the anonymous actor; `{}` matches no one. Values
 * compare by type as well (`1` is not `"1"`).
 */
export function actorMatchesAllow(actor: Actor, allow: unknown): boolean {
  if (allow === true || allow === 1) return true;
  if (allow === false || allow === 0 || allow === null || allow === undefined) return false;
  if (typeof allow !== "object" || Array.isArray(allow)) return false;
  const block = allow as Record<string, unknown>;
  if (block.unauthenticated === true && actor === null) return true;
  if (actor === null) return false;
  for (const [key, wanted] of Object.entries(block)) {
    if (key === "unauthenticated") continue;
    if (!Object.hasOwn(actor, key)) continue;
    if (wanted === "*") return true;
    const have = actor[key];
    const haveList = Array.isArray(have) ? have : [have];
    const wantList = Array.isArray(wanted) ? wanted : [wanted];
    if (wantList.some((w) => haveList.some((h) => h === w))) return true;
  }
  return false;
}

/** A rule before it meets an actor: the block decides whether it allows or denies. */
interface RuleTemplate {
  database: string | null;
  child: string | null;
  block: unknown;
  reason: string;
}

const VIEW_ACTIONS_AT: Record<"instance" | "database" | "child", Action[]> = {
  instance: ["view-instance", "view-database", "view-table", "view-query"],
  database: ["view-database", "view-table", "view-query"],
  child: [],
};

/** Where the configuration's allow blocks apply, per action (computed once: the configuration does not change). */
export function configRuleTemplates(config: InstanceConfig): Map<Action, RuleTemplate[]> {
  const out = new Map<Action, RuleTemplate[]>();
  const add = (action: string, database: string | null, child: string | null, block: unknown, where: string) => {
    const list = out.get(action as Action) ?? [];
    list.push({ database, child, block, reason: `${where} ${JSON.stringify(block)}` });
    out.set(action as Action, list);
  };
  const permissionsAt = (node: { permissions?: Record<string, unknown> } | undefined, database: string | null, child: string | null, where: string) => {
    for (const [action, block] of Object.entries(node?.permissions ?? {})) add(action, database, child, block, `${where}permissions.${action}`);
  };
  if (config.allow !== undefined) for (const a of VIEW_ACTIONS_AT.instance) add(a, null, null, config.allow, "allow");
  if (config.allow_sql !== undefined) add("execute-sql", null, null, config.allow_sql, "allow_sql");
  permissionsAt(config, null, null, "");
  for (const [db, dbConfig] of Object.entries(config.databases ?? {})) {
    const where = `databases.${db}.`;
    if (dbConfig.allow !== undefined) for (const a of VIEW_ACTIONS_AT.database) add(a, db, null, dbConfig.allow, `${where}allow`);
    if (dbConfig.allow_sql !== undefined) add("execute-sql", db, null, dbConfig.allow_sql, `${where}allow_sql`);
    permissionsAt(dbConfig, db, null, where);
    for (const [table, tableConfig] of Object.entries(dbConfig.tables ?? {})) {
      if (tableConfig.allow !== undefined) add("view-table", db, table, tableConfig.allow, `${where}tables.${table}.allow`);
      permissionsAt(tableConfig, db, table, `${where}tables.${table}.`);
    }
    for (const [query, queryConfig] of Object.entries(dbConfig.queries ?? {})) {
      if (typeof queryConfig !== "object") continue;
      if (queryConfig.allow !== undefined) add("view-query", db, query, queryConfig.allow, `${where}queries.${query}.allow`);
      permissionsAt(queryConfig, db, query, `${where}queries.${query}.`);
    }
  }
  return out;
}

/** The templates as rules for one actor: an allow block that matches allows at its level, one that does not denies there. */
export function rulesForActor(templates: readonly RuleTemplate[], actor: Actor): Rule[] {
  return templates.map((t) => ({ database: t.database, child: t.child, allow: actorMatchesAllow(actor, t.block), reason: t.reason, source: "config" }));
}
