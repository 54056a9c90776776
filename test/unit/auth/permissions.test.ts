/** @module Unit: allow blocks, configuration rules, token restrictions and the resolver's decision (Datasette 1.0's rules). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actorMatchesAllow } from "../../../src/auth/allow.js";
import { PermissionResolver, decide, type Rule } from "../../../src/auth/permissions.js";
import { restrictionAllows } from "../../../src/auth/restrictions.js";
import { defaultSettings } from "../../../src/config/settings.js";
import type { InstanceConfig } from "../../../src/config/options.js";

test("allow blocks match actors as Datasette's table says", () => {
  const cases: [unknown, Record<string, unknown> | null, boolean][] = [
    [true, null, true],
    [true, { id: "a" }, true],
    [false, { id: "root" }, false],
    [{}, null, false],
    [{}, { id: "a" }, false],
    [{ id: "root" }, { id: "root" }, true],
    [{ id: "root" }, { id: "Root" }, false],
    [{ id: "1" }, { id: 1 }, false],
    [{ id: ["a", "b"] }, { id: "b" }, true],
    [{ id: ["a", "b"] }, { id: "c" }, false],
    [{ id: "*" }, { id: "anyone" }, true],
    [{ id: "*" }, { name: "no id" }, false],
    [{ id: "*" }, null, false],
    [{ roles: "dev" }, { id: "x", roles: ["staff", "dev"] }, true],
    [{ roles: ["ops", "dev"] }, { id: "x", roles: ["staff"] }, false],
    [{ unauthenticated: true }, null, true],
    [{ unauthenticated: true }, { id: "a" }, false],
    [{ id: "x", role: "ops" }, { id: "y", role: "ops" }, true],
    [1, null, true],
    [0, { id: "a" }, false],
  ];
  for (const [block, actor, expected] of cases) {
    assert.equal(actorMatchesAllow(actor, block), expected, `${JSON.stringify(block)} vs ${JSON.stringify(actor)}`);
  }
});

const rule = (database: string | null, child: string | null, allow: boolean): Rule => ({ database, child, allow, reason: "", source: "test" });

test("decide: the most specific level with a rule wins, deny beats allow within a level, no rule denies", () => {
  assert.equal(decide([], { database: "d", child: "t" }).allowed, false);
  assert.equal(decide([rule(null, null, true)], { database: "d", child: "t" }).allowed, true);
  assert.equal(decide([rule(null, null, true), rule("d", null, false)], { database: "d", child: "t" }).allowed, false);
  assert.equal(decide([rule(null, null, false), rule("d", "t", true)], { database: "d", child: "t" }).allowed, true, "a child allow overrides a global deny");
  assert.equal(decide([rule("d", "t", true), rule("d", "t", false)], { database: "d", child: "t" }).allowed, false);
  assert.equal(decide([rule("d", "t", false), rule("d", "t", true)], { database: "d", child: "t" }).allowed, false, "order does not matter");
  assert.equal(decide([rule("other", null, false), rule(null, null, true)], { database: "d" }).allowed, true, "rules for another database do not apply");
  assert.equal(decide([rule("d", "t", false), rule(null, null, true)], { database: "d" }).allowed, true, "a child rule does not decide for its database");
});

function resolver(config: InstanceConfig, opts: { defaultDeny?: boolean; root?: boolean; defaultAllowSql?: boolean } = {}) {
  return new PermissionResolver({ ...defaultSettings(), default_allow_sql: opts.defaultAllowSql ?? true }, opts.defaultDeny ?? false, config, opts.root ?? false);
}

test("the seed configuration: a database allow block {id: *} hides it and its tables from anonymous visitors only", () => {
  const p = resolver({ databases: { bigmac: { allow: { id: "*" } } } });
  const ana = { id: "ana" };
  assert.equal(p.allowed(null, "view-instance"), true);
  assert.equal(p.allowed(null, "view-database", { database: "bigmac" }), false);
  assert.equal(p.allowed(null, "view-table", { database: "bigmac", child: "bigmac" }), false);
  assert.equal(p.allowed(null, "view-query", { database: "bigmac", child: "q" }), false);
  assert.equal(p.allowed(null, "execute-sql", { database: "bigmac" }), false, "execute-sql also requires view-database");
  assert.equal(p.allowed(ana, "view-database", { database: "bigmac" }), true);
  assert.equal(p.allowed(ana, "view-table", { database: "bigmac", child: "bigmac" }), true);
  assert.equal(p.allowed(null, "view-database", { database: "other" }), true);
});

test("a table allow overrides its database's deny (1.0 semantics); root-level allow locks everything; allow_sql and permissions blocks", () => {
  const p = resolver({
    allow_sql: { id: "sql-user" },
    databases: {
      d: { allow: false, tables: { open: { allow: true } }, permissions: { "insert-row": { id: "writer" } }, queries: { q: { sql: "select 1", allow: { id: "q-user" } } } },
    },
  });
  assert.equal(p.allowed(null, "view-table", { database: "d", child: "open" }), true);
  assert.equal(p.allowed(null, "view-table", { database: "d", child: "closed" }), false);
  assert.equal(p.allowed({ id: "q-user" }, "view-query", { database: "d", child: "q" }), true);
  assert.equal(p.allowed({ id: "writer" }, "insert-row", { database: "d", child: "anything" }), true);
  assert.equal(p.allowed({ id: "someone" }, "insert-row", { database: "d", child: "anything" }), false);
  assert.equal(p.allowed({ id: "sql-user" }, "execute-sql", { database: "e" }), true);
  assert.equal(p.allowed({ id: "other" }, "execute-sql", { database: "e" }), false);
  const locked = resolver({ allow: false });
  assert.equal(locked.allowed(null, "view-instance"), false);
  assert.equal(locked.allowed({ id: "x" }, "view-table", { database: "d", child: "t" }), false);
});

test("--root allows everything for the root actor, unless a same-level or more specific config deny says otherwise; --default-deny", () => {
  const root = { id: "root" };
  const p = resolver({ databases: { d: { allow: { id: "ana" } } } }, { root: true });
  assert.equal(p.allowed(root, "permissions-debug"), true);
  assert.equal(p.allowed(root, "view-database", { database: "d" }), false, "a database-level deny beats the global root allow");
  assert.equal(resolver({}, { root: false }).allowed(root, "permissions-debug"), false, "without --root, root is an ordinary actor");
  const deny = resolver({}, { defaultDeny: true, root: true });
  assert.equal(deny.allowed(null, "view-instance"), false);
  assert.equal(deny.allowed({ id: "ana" }, "view-table", { database: "d", child: "t" }), false);
  assert.equal(deny.allowed(root, "view-table", { database: "d", child: "t" }), true);
  assert.equal(resolver({}, { defaultAllowSql: false }).allowed(null, "execute-sql", { database: "d" }), false);
  assert.equal(resolver({ databases: { d: { allow_sql: true } } }, { defaultAllowSql: false }).allowed(null, "execute-sql", { database: "d" }), true, "a database-level allow_sql beats the global default_allow_sql deny");
});

test("token restrictions only take access away; abbreviations and full names; no upward implication", () => {
  assert.equal(restrictionAllows({ a: ["vt"] }, "view-table", { database: "d", child: "t" }), true);
  assert.equal(restrictionAllows({ a: ["view-table"] }, "view-table", { database: "d", child: "t" }), true);
  assert.equal(restrictionAllows({ a: ["vd"] }, "view-instance", {}), false);
  assert.equal(restrictionAllows({ d: { d: ["vt"] } }, "view-table", { database: "d", child: "any" }), true);
  assert.equal(restrictionAllows({ d: { d: ["vt"] } }, "view-table", { database: "e", child: "any" }), false);
  assert.equal(restrictionAllows({ r: { d: { t: ["vt"] } } }, "view-table", { database: "d", child: "t" }), true);
  assert.equal(restrictionAllows({ r: { d: { t: ["vt"] } } }, "view-database", { database: "d" }), false);
  assert.equal(restrictionAllows("nonsense", "view-table", { database: "d", child: "t" }), false);
  const p = resolver({ databases: { d: { tables: { t: { allow: false } } } } });
  const token = { id: "ana", token: "dstok", _r: { d: { d: ["vt", "vd"] } } };
  assert.equal(p.allowed(token, "view-table", { database: "d", child: "u" }), true);
  assert.equal(p.allowed(token, "view-table", { database: "d", child: "t" }), false, "restrictions never add access");
  assert.equal(p.allowed(token, "view-instance"), false);
  assert.equal(p.allowed(token, "view-table", { database: "e", child: "u" }), false);
});
