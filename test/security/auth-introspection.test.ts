/**
 * @module Attack class 14: debug and introspection endpoints. Each is gated as Datasette documents
 * (permissions-debug for /-/permissions, /-/rules, /-/check, /-/actions, /-/threads; view-instance for the
 * rest; /-/actor and /-/allow-debug open), /-/config redacts secrets whatever the key's case, and none of them
 * leaks the signing secret, a secret value or the name of a private database, table or query.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, as, authDatabase } from "./auth-fixtures.js";

const SECRET_VALUES = ["hunter2-PASSWORD-value", "KEY-abc123-value", "tok-999-value", "postgres://user:pw@host/db", "pbkdf2_sha256$1$abc$6VXrdPXVBJ7KCz3Vad5CQ6zArFG5DRVzdZmXPWoqlZ0=", "nested-client-secret"];
const PRIVATE_NAMES = ["hush_db", "classified_table", "covert_query", "TOPSECRETDESC"];

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [
      { path: authDatabase("hush_db"), immutable: true },
      { path: authDatabase("open_db"), immutable: true },
    ],
    secret: SECRET,
    root: true,
    metadata: { databases: { hush_db: { description: "TOPSECRETDESC" }, open_db: { tables: { secret: { description: "TOPSECRETDESC" } } } } },
    config: {
      plugins: {
        "some-plugin": {
          Password: SECRET_VALUES[0],
          API_KEY: SECRET_VALUES[1],
          servers: [{ name: "main", Secret_Token: SECRET_VALUES[2] }],
          DSN: SECRET_VALUES[3],
          auth: { someone_password_hash: SECRET_VALUES[4], ClientSecret: SECRET_VALUES[5] },
          shown: "a harmless value",
        },
      },
      databases: {
        hush_db: { allow: { id: "agent" } },
        open_db: {
          tables: { secret: { allow: { id: "agent" } }, classified_table: { allow: { id: "agent" } } },
          queries: { covert_query: { sql: "select 1", allow: { id: "agent" } }, public_query: "select 2" },
        },
      },
    },
  });
});
after(() => server.close());

const body = async (path: string, init?: RequestInit) => {
  const r = await server.get(path, init);
  return { status: r.status, text: await r.text() };
};

test("gating as documented: anonymous and ordinary actors are refused the permission debug pages; root is not", async () => {
  const debugOnly = ["/-/permissions", "/-/rules.json?action=view-table", "/-/rules", "/-/check.json?action=view-instance", "/-/check", "/-/actions.json", "/-/threads.json"];
  for (const path of debugOnly) {
    assert.equal((await body(path)).status, 403, `anonymous ${path}`);
    assert.equal((await body(path, as({ id: "agent" }))).status, 403, `agent ${path}`);
    assert.equal((await body(path, as({ id: "root" }))).status, 200, `root ${path}`);
  }
  for (const path of ["/-/settings.json", "/-/config.json", "/-/versions.json", "/-/plugins.json", "/-/databases.json", "/-/actor.json", "/-/allow-debug", "/-/allowed.json?action=view-table", "/-/schema.json", "/-/jump.json?q=a"]) {
    assert.equal((await body(path)).status, 200, path);
  }
});

test("with the instance locked (allow: false), the view-instance pages are refused; /-/actor still answers", async () => {
  const locked = await startServer({ databases: [{ path: authDatabase(), immutable: true }], secret: SECRET, config: { allow: false } });
  try {
    for (const path of ["/-/settings.json", "/-/config.json", "/-/versions.json", "/-/plugins.json", "/-/databases.json", "/.json", "/-/schema.json"]) {
      assert.equal((await locked.get(path)).status, 403, path);
    }
    assert.equal((await locked.get("/-/actor.json")).status, 200);
    assert.deepEqual((await locked.json("/-/allowed.json?action=view-table")).body.items, []);
  } finally {
    await locked.close();
  }
});

test("/-/config redacts secret-looking keys whatever their case, at any depth", async () => {
  const config = JSON.parse((await body("/-/config.json", as({ id: "agent" }))).text);
  const plugin = config.plugins["some-plugin"];
  assert.deepEqual(plugin, {
    Password: "***",
    API_KEY: "***",
    servers: [{ name: "main", Secret_Token: "***" }],
    DSN: "***",
    auth: { someone_password_hash: "***", ClientSecret: "***" },
    shown: "a harmless value",
  });
});

test("no introspection page, HTML or JSON, anonymous or not, holds the signing secret or a secret value", async () => {
  const pages = [
    "/-/settings", "/-/settings.json", "/-/config", "/-/config.json", "/-/versions", "/-/versions.json", "/-/plugins", "/-/plugins.json?all=1",
    "/-/databases.json", "/-/actor.json", "/-/allow-debug", "/-/allowed.json?action=view-table", "/-/schema.json", "/.json", "/",
  ];
  for (const init of [undefined, as({ id: "agent" }), as({ id: "root" })]) {
    for (const path of [...pages, ...(init ? ["/-/permissions", "/-/rules.json?action=view-table", "/-/check.json?action=view-instance", "/-/threads.json"] : [])]) {
      const { text } = await body(path, init);
      for (const value of [SECRET, ...SECRET_VALUES]) assert.ok(!text.includes(value), `${path} holds ${value}`);
    }
  }
});

test("no page an anonymous visitor can reach names a private database, table or query, or their metadata", async () => {
  const pages = [
    "/", "/.json", "/-/", "/open_db", "/open_db.json", "/open_db/open", "/open_db/open.json", "/-/settings.json", "/-/config.json", "/-/config",
    "/-/versions.json", "/-/plugins.json?all=1", "/-/databases.json", "/-/databases", "/-/actor.json", "/-/allow-debug", "/-/allowed.json?action=view-table",
    "/-/allowed.json?action=view-query", "/-/allowed.json?action=view-database", "/-/allowed?action=view-table", "/-/schema.json", "/-/schema.md",
    "/open_db/-/schema.json", "/-/jump.json?q=c", "/-/jump.json?q=hush", "/-/jump.json?q=classified", "/-/jump.json?q=covert",
    // Refusals too: they must not echo what was asked for.
    "/hush_db", "/hush_db.json", "/open_db/classified_table.json", "/open_db/covert_query", "/open_db/secret/1.json", "/-/permissions", "/-/rules.json?action=view-table",
  ];
  for (const path of pages) {
    const { text } = await body(path);
    for (const name of PRIVATE_NAMES) assert.ok(!text.includes(name), `${path} names ${name}`);
  }
  // The agent the allow blocks name does see them (the test would pass vacuously otherwise).
  const agentIndex = (await body("/.json", as({ id: "agent" }))).text;
  assert.ok(agentIndex.includes("hush_db"));
  assert.ok((await body("/open_db.json", as({ id: "agent" }))).text.includes("covert_query"));
});

test("/-/actor shows only the asker's own actor", async () => {
  assert.deepEqual(JSON.parse((await body("/-/actor.json", as({ id: "agent", roles: ["x"] }))).text), { ok: true, actor: { id: "agent", roles: ["x"] } });
  assert.deepEqual(JSON.parse((await body("/-/actor.json")).text), { ok: true, actor: null });
});

test("/-/allow-debug is a pure function of its input: it reads no configuration", async () => {
  const { text } = await body(`/-/allow-debug?actor=${encodeURIComponent('{"id":"agent"}')}&allow=${encodeURIComponent('{"id":"agent"}')}`);
  assert.match(text, /Result: <strong>True<\/strong>/);
  for (const name of PRIVATE_NAMES) assert.ok(!text.includes(name));
});
