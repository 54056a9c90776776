/** @module The permission debug pages: /-/permissions, /-/check, /-/allowed, /-/rules, /-/actions, /-/allow-debug — answers, gating, bad input. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { pluginsDir, startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase, bearer } from "../security/auth-fixtures.js";
import { PermissionResolver, RECENT_CHECKS } from "../../src/auth/permissions.js";
import { defaultSettings } from "../../src/config/settings.js";

let server: TestServer;
const ROOT = { id: "root" };
const DEBUGGER = { id: "dee" };
before(async () => {
  server = await startServer({
    databases: [{ path: authDatabase(), immutable: false }],
    secret: SECRET,
    root: true,
    // permissions-debug for dee and agent from a plugin's rules: a configuration block would also deny it to
    // root at the same (global) level, as Datasette 1.0 resolves it.
    pluginsDir: pluginsDir({
      "debuggers.mjs": `export default {
        permission_rules({ actor, action }) {
          if (action === "permissions-debug" && ["dee", "agent"].includes(actor?.id)) return [{ allow: true, reason: "debuggers" }];
        },
      };`,
    }),
    config: {
      databases: {
        db: {
          tables: { secret: { allow: { id: "agent" } } },
          queries: { open_titles: { sql: "select title from open" }, agents: { sql: "select name from secret", allow: { id: "agent" } } },
        },
      },
    },
  });
});
after(() => server.close());

test("gating: /-/permissions, /-/rules, /-/check and /-/actions need permissions-debug; /-/allowed and /-/allow-debug are open", async () => {
  for (const path of ["/-/permissions", "/-/rules", "/-/rules.json?action=view-table", "/-/check", "/-/check.json?action=view-instance", "/-/actions", "/-/actions.json"]) {
    assert.equal((await server.get(path)).status, 403, `anonymous ${path}`);
    assert.equal((await server.get(path, as({ id: "someone" }))).status, 403, `someone ${path}`);
    assert.equal((await server.get(path, as(ROOT))).status, 200, `root ${path}`);
    assert.equal((await server.get(path, as(DEBUGGER))).status, 200, `granted permissions-debug ${path}`);
  }
  for (const path of ["/-/allowed", "/-/allowed.json?action=view-table", "/-/allow-debug"]) assert.equal((await server.get(path)).status, 200, path);
  const post = await server.get("/-/permissions", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "actor=null&permission=view-table" });
  assert.equal(post.status, 403);
});

test("/-/allowed.json lists only what the asker may reach, with reasons only for debuggers", async () => {
  const anon = await server.json("/-/allowed.json?action=view-table");
  assert.equal(anon.status, 200);
  const names = anon.body.items.map((i: { child: string }) => i.child);
  assert.ok(names.includes("open") && names.includes("other"), names.join());
  assert.ok(!names.some((n: string) => n.startsWith("secret")), "neither the private table nor its index");
  assert.ok(anon.body.items.every((i: Record<string, unknown>) => !("reason" in i)));
  assert.deepEqual(Object.keys(anon.body), ["ok", "action", "actor_id", "page", "page_size", "total", "items"]);
  assert.deepEqual(anon.body.items.find((i: { child: string }) => i.child === "open"), { parent: "db", child: "open", resource: "/db/open" });

  const agent = await server.json("/-/allowed.json?action=view-table", as({ id: "agent" }));
  assert.ok(agent.body.items.some((i: { child: string }) => i.child === "secret"));
  assert.equal(agent.body.actor_id, "agent");

  const reasons = await server.json("/-/allowed.json?action=view-table&parent=db&child=secret", as({ id: "agent" }));
  assert.equal(reasons.body.total, 1);
  assert.match(reasons.body.items[0].reason, /databases\.db\.tables\.secret\.allow/);
  // A more specific configuration deny beats --root's global allow (Datasette 1.0): root does not see it.
  assert.equal((await server.json("/-/allowed.json?action=view-table&parent=db&child=secret", as(ROOT))).body.total, 0);

  const queries = await server.json("/-/allowed.json?action=view-query");
  assert.deepEqual(queries.body.items.map((i: { child: string }) => i.child), ["open_titles"]);
  const instance = await server.json("/-/allowed.json?action=view-instance");
  assert.deepEqual(instance.body.items, [{ parent: null, child: null, resource: "/" }]);
  const nothing = await server.json("/-/allowed.json?action=permissions-debug");
  assert.deepEqual(nothing.body.items, []);
});

test("/-/allowed pages with _page/_size (and Datasette's page/page_size); bad input is a 400 or 404 in JSON", async () => {
  const first = await server.json("/-/allowed.json?action=view-table&_size=1");
  assert.equal(first.body.items.length, 1);
  assert.equal(first.body.page_size, 1);
  assert.equal(first.body.total, 2);
  assert.equal(first.body.next_url, "/-/allowed.json?action=view-table&_page=2&_size=1");
  const second = await server.json(first.body.next_url);
  assert.equal(second.body.page, 2);
  assert.equal(second.body.next_url, undefined);
  assert.equal(second.body.previous_url, "/-/allowed.json?action=view-table&_page=1&_size=1");
  assert.notDeepEqual(second.body.items, first.body.items);
  assert.equal((await server.json("/-/allowed.json?action=view-table&page_size=1&page=2")).body.page, 2);
  assert.equal((await server.json("/-/allowed.json?action=view-table&_size=5000")).body.page_size, 200);
  for (const [path, status, error] of [
    ["/-/allowed.json", 400, "action parameter is required"],
    ["/-/allowed.json?action=fly", 404, "Unknown action: fly"],
    ["/-/allowed.json?action=view-table&child=open", 400, "parent must be provided when child is specified"],
    ["/-/allowed.json?action=view-table&_page=0", 400, "page must be >= 1"],
    ["/-/allowed.json?action=view-table&_size=x", 400, "page and page_size must be integers"],
  ] as const) {
    const r = await server.json(path);
    assert.equal(r.status, status, path);
    assert.equal(r.body.error, error, path);
  }
  // The HTML page shows the same errors beside its form.
  const html = await server.get("/-/allowed?action=fly");
  assert.equal(html.status, 404);
  assert.match(await html.text(), /Unknown action: fly/);
});

test("/-/rules.json: the rules for the asker, with their source", async () => {
  const r = await server.json("/-/rules.json?action=view-table", as(DEBUGGER));
  assert.equal(r.status, 200);
  const plugin = await server.json("/-/rules.json?action=permissions-debug", as(DEBUGGER));
  assert.deepEqual(plugin.body.items, [{ parent: null, child: null, resource: "/", allow: 1, reason: "debuggers", source_plugin: "debuggers" }]);
  assert.deepEqual(r.body.items[0], { parent: null, child: null, resource: "/", allow: 1, reason: "default allow", source_plugin: "default" });
  const config = r.body.items.find((i: { source_plugin: string }) => i.source_plugin === "config");
  assert.deepEqual(config, { parent: "db", child: "secret", resource: "/db/secret", allow: 0, reason: 'databases.db.tables.secret.allow {"id":"agent"}', source_plugin: "config" });
  const root = await server.json("/-/rules.json?action=drop-table", as(ROOT));
  assert.ok(root.body.items.some((i: { source_plugin: string }) => i.source_plugin === "root"));
  assert.equal((await server.json("/-/rules.json", as(ROOT))).status, 400);
  assert.equal((await server.json("/-/rules.json?action=nope", as(ROOT))).status, 404);
});

test("/-/check.json explains a decision: the rule, its level, and what the action also requires", async () => {
  const r = await server.json("/-/check.json?action=view-table&parent=db&child=secret&actor=" + encodeURIComponent('{"id":"agent"}'), as(DEBUGGER));
  assert.equal(r.status, 200);
  assert.equal(r.body.allowed, true);
  assert.equal(r.body.actor_id, "agent");
  assert.deepEqual(r.body.resource, { parent: "db", child: "secret", path: "/db/secret" });
  assert.equal(r.body.explanation.rule.level, "child");
  assert.equal(r.body.explanation.rule.source, "config");

  const anon = await server.json("/-/check.json?action=view-table&parent=db&child=secret&actor=null", as(DEBUGGER));
  assert.equal(anon.body.allowed, false);
  assert.equal(anon.body.actor, null);
  assert.equal(anon.body.explanation.rule.allow, false);

  const self = await server.json("/-/check.json?action=execute-sql&parent=db", as(DEBUGGER));
  assert.equal(self.body.actor_id, "dee");
  assert.equal(self.body.allowed, true);
  assert.equal(self.body.explanation.also_requires.action, "view-database");

  const token = await server.json("/-/check.json?action=view-table&parent=db&child=open&actor=" + encodeURIComponent('{"id":"dee","_r":{"a":["vi"]}}'), as(DEBUGGER));
  assert.equal(token.body.allowed, false);
  assert.deepEqual(token.body.explanation.restrictions, { applies: true, allows: false });

  for (const [query, status] of [
    ["", 400],
    ["action=nope", 404],
    ["action=view-table&child=open", 400],
    ["action=view-table", 400],
    ["action=view-table&parent=db&child=open&actor=%7Bbad", 400],
    ["action=view-table&parent=db&child=open&actor=5", 400],
  ] as const) {
    const bad = await server.json(`/-/check.json?${query}`, as(DEBUGGER));
    assert.equal(bad.status, status, query);
    assert.equal(bad.body.ok, false, query);
  }
  const page = await server.get("/-/check?action=view-table&parent=db&child=secret&actor=null", as(DEBUGGER));
  assert.match(await page.text(), /check-result-false">denied</);
});

test("/-/permissions lists recent checks (newest first, filterable); POST answers one check as JSON", async () => {
  await server.get("/db/secret.json", as({ id: "agent" }));
  const page = await (await server.get("/-/permissions", as(ROOT))).text();
  assert.match(page, /Recent permission checks/);
  assert.match(page, /<td>view-table<\/td>\s*<td>db \/ secret<\/td>\s*<td><code>\{&quot;id&quot;:&quot;agent&quot;\}<\/code><\/td>/);
  const mine = await (await server.get("/-/permissions?filter=only-yours", as(ROOT))).text();
  assert.doesNotMatch(mine, /&quot;agent&quot;/);
  const others = await (await server.get("/-/permissions?filter=exclude-yours", as(ROOT))).text();
  assert.match(others, /&quot;agent&quot;/);
  assert.doesNotMatch(others, /<code>\{&quot;id&quot;:&quot;root&quot;\}<\/code>/);
  assert.equal((await server.get("/-/permissions?filter=bogus", as(ROOT))).status, 400);

  const post = await server.json("/-/permissions", {
    method: "POST",
    headers: { ...as(ROOT).headers, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ actor: '{"id":"agent"}', permission: "view-table", resource_1: "db", resource_2: "secret" }).toString(),
  });
  assert.equal(post.status, 200);
  assert.equal(post.body.allowed, true);
  const bad = await server.json("/-/permissions", { method: "POST", headers: { ...as(ROOT).headers, "content-type": "application/x-www-form-urlencoded" }, body: "actor=%7B&permission=view-table&resource_1=db&resource_2=open" });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /actor is not valid JSON/);
});

test("the resolver keeps only the last 200 checks, newest first", () => {
  const resolver = new PermissionResolver(defaultSettings(), false);
  for (let i = 0; i < RECENT_CHECKS + 50; i++) resolver.allowed({ id: `a${i}` }, "view-table", { database: "db", child: `t${i}` });
  const checks = resolver.recentChecks();
  assert.equal(checks.length, RECENT_CHECKS);
  assert.equal(checks[0].child, `t${RECENT_CHECKS + 49}`);
  assert.equal(checks.at(-1)!.child, "t50");
  assert.deepEqual(Object.keys(checks[0]).sort(), ["action", "actor", "child", "database", "result", "when"]);
  // explain() and wouldAllow() are not recorded.
  resolver.explain(null, "view-instance");
  resolver.wouldAllow(null, "view-instance");
  assert.equal(resolver.recentChecks()[0].child, `t${RECENT_CHECKS + 49}`);
});

test("/-/actions.json: the 21 actions with abbreviations, resource kinds and also_requires", async () => {
  const r = await server.json("/-/actions.json", as(ROOT));
  assert.equal(r.body.actions.length, 21);
  assert.deepEqual(r.body.actions.find((a: { name: string }) => a.name === "execute-sql"), {
    name: "execute-sql", abbr: "es", description: "Run arbitrary read-only SQL against a database", takes_parent: true, takes_child: false, resource_class: "DatabaseResource", also_requires: "view-database",
  });
});

test("/-/allow-debug: whether a block matches an actor; bad JSON is a clear message on the page, never a 500", async () => {
  const t = async (actor: string, allow: string) => (await server.get(`/-/allow-debug?actor=${encodeURIComponent(actor)}&allow=${encodeURIComponent(allow)}`)).text();
  assert.match(await (await server.get("/-/allow-debug")).text(), /Result: <strong>True<\/strong>/, "defaults: root against {\"id\": \"*\"}");
  assert.match(await t('{"id":"a","roles":["x","y"]}', '{"roles":"y"}'), /Result: <strong>True<\/strong>/);
  assert.match(await t("null", '{"id":"*"}'), /Result: <strong>False<\/strong>/);
  assert.match(await t("null", '{"unauthenticated":true}'), /Result: <strong>True<\/strong>/);
  for (const [actor, allow, message] of [
    ["{not json", "true", /Actor is not valid JSON/],
    ["[1,2]", "true", /Actor must be a JSON object or null/],
    ['{"id":"a"}', "{nope", /Allow block is not valid JSON/],
  ] as const) {
    const r = await server.get(`/-/allow-debug?actor=${encodeURIComponent(actor)}&allow=${encodeURIComponent(allow)}`);
    assert.equal(r.status, 400);
    const body = await r.text();
    assert.match(body, message);
    assert.doesNotMatch(body, /Result:/);
  }
  // What was typed is shown back escaped.
  assert.match(await t('{"id":"<script>"}', "true"), /&lt;script&gt;/);
});

test("a token restricted away from permissions-debug cannot use the debug pages even as root", async () => {
  const r = await server.get("/-/permissions", bearer("root", { restrictions: { a: ["vi"] } }));
  assert.equal(r.status, 403);
});

test("the auth and debug pages are well-formed: balanced tags, unique ids, every label names a field", async () => {
  const { parseHtml } = await import("../fixtures/html-check.js");
  const pages = [
    "/-/permissions", "/-/check", "/-/check?action=view-table&parent=db&child=open", "/-/allowed", "/-/allowed?action=view-table",
    "/-/rules", "/-/rules?action=view-table", "/-/allow-debug", "/-/allow-debug?actor=%7B", "/-/logout", "/-/create-token", "/-/actions",
  ];
  for (const path of pages) {
    const html = await (await server.get(path, as(ROOT))).text();
    const page = parseHtml(html);
    assert.deepEqual(page.problems, [], path);
    const ids = page.tags.flatMap((t) => t.attrs.filter(([k]) => k === "id").map(([, v]) => v));
    assert.equal(new Set(ids).size, ids.length, `${path}: duplicate ids ${ids.join(",")}`);
    for (const label of page.tags.filter((t) => t.name === "label")) {
      const target = label.attrs.find(([k]) => k === "for")?.[1];
      if (target) assert.ok(ids.includes(target), `${path}: label for=${target}`);
    }
  }
  const created = await server.get("/-/create-token", { method: "POST", headers: { ...as(ROOT).headers, "content-type": "application/x-www-form-urlencoded" }, body: "" });
  assert.deepEqual(parseHtml(await created.text()).problems, []);
});
