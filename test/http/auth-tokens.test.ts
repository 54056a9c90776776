/** @module `almanac create-token`: tokens made by the CLI are accepted by a server with the same secret, and their restrictions hold over HTTP. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { startServer, type TestServer } from "../fixtures/server.js";
import { SECRET, authDatabase } from "../security/auth-fixtures.js";

function capture(env: Record<string, string> = {}): Io & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: (t) => void (out += typeof t === "string" ? t : Buffer.from(t).toString("utf8")), stderr: (t) => void (err += t), env, out: () => out, err: () => err };
}

/** Run `almanac create-token …` in this process; the token it printed. */
async function cliToken(args: string[], env: Record<string, string> = {}): Promise<string> {
  const io = capture(env);
  const code = await main(["create-token", ...args], io);
  assert.equal(code, 0, io.err());
  const token = io.out().split("\n")[0];
  assert.match(token, /^dstok_[A-Za-z0-9._-]+$/);
  return token;
}

let server: TestServer;
before(async () => {
  server = await startServer({
    databases: [{ path: authDatabase(), immutable: false }],
    secret: SECRET,
    config: { databases: { db: { tables: { secret: { allow: { id: "agent" } } } } } },
  });
});
after(() => server.close());

const withToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

test("a CLI token is accepted by a server with the same secret (--secret, ALMANAC_SECRET, DATASETTE_SECRET)", async () => {
  for (const [args, env] of [
    [["agent", "--secret", SECRET], {}],
    [["agent"], { ALMANAC_SECRET: SECRET }],
    [["agent"], { DATASETTE_SECRET: SECRET }],
  ] as const) {
    const token = await cliToken([...args], { ...env });
    const me = await server.json("/-/actor.json", withToken(token));
    assert.deepEqual(me.body.actor, { id: "agent", token: "dstok" }, JSON.stringify(args));
    assert.equal((await server.get("/db/secret.json", withToken(token))).status, 200, "the actor's own permissions apply");
  }
});

test("a token signed with another secret is a 401 with WWW-Authenticate, not an anonymous request", async () => {
  const token = await cliToken(["agent", "--secret", "not-the-server-secret"]);
  const r = await server.json("/db/open.json", withToken(token));
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.equal(r.body.ok, false);
});

test("restricted to one table: that table only — not another table, not the database page, not the index", async () => {
  const token = await cliToken(["agent", "--secret", SECRET, "-d", "db", "view-database", "-r", "db", "secret", "view-table"]);
  const auth = withToken(token);
  assert.equal((await server.get("/db/secret.json", auth)).status, 200);
  assert.equal((await server.get("/db/secret/1.json", auth)).status, 200);
  for (const path of ["/db/open.json", "/db/other.json", "/db/open/1.json", "/db/other.csv", "/.json", "/", "/-/databases.json", "/db/-/query.json?sql=select+1"]) {
    assert.equal((await server.get(path, auth)).status, 403, path);
  }
  const db = await server.json("/db.json", auth);
  assert.equal(db.status, 200);
  assert.deepEqual(db.body.tables.map((t: { name: string }) => t.name), ["secret"], "the database page lists only what the token may see");
});

test("restrictions cannot add access: a table the actor may not see stays refused whatever the token lists", async () => {
  const token = await cliToken(["stranger", "--secret", SECRET, "-a", "view-instance", "-a", "vd", "-a", "view-table"]);
  const auth = withToken(token);
  assert.equal((await server.get("/db/open.json", auth)).status, 200);
  assert.equal((await server.get("/db/secret.json", auth)).status, 403);
});

test("-a execute-sql limits a token to SQL: tables are refused", async () => {
  const token = await cliToken(["agent", "--secret", SECRET, "-a", "es", "-a", "vd"]);
  const auth = withToken(token);
  assert.equal((await server.get("/db/-/query.json?sql=select+1+as+one", auth)).status, 200);
  assert.equal((await server.get("/db/open.json", auth)).status, 403);
});

test("-e: the token carries its duration, and an expired one is a 401", async () => {
  const io = capture();
  assert.equal(await main(["create-token", "agent", "--secret", SECRET, "-e", "60", "--debug"], io), 0);
  const [token, , decodedTitle] = io.out().split("\n");
  assert.equal(decodedTitle, "Decoded:");
  const payload = JSON.parse(io.out().slice(io.out().indexOf("{")));
  assert.equal(payload.a, "agent");
  assert.equal(payload.d, 60);
  assert.ok(Number.isInteger(payload.t));
  const me = await server.json("/-/actor.json", withToken(token));
  assert.equal(me.body.actor.token_expires, payload.t + 60);
});

test("CLI mistakes are one clear line and a non-zero exit", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["agent"], {}, /^almanac: create-token needs the server's secret: pass --secret or set ALMANAC_SECRET or DATASETTE_SECRET/],
    [["agent", "--secret", "s", "-a", "fly"], {}, /^almanac: unknown action 'fly' \(known actions: view-instance, /],
    [["agent", "--secret", "s", "-d", "db", "nope"], {}, /^almanac: unknown action 'nope'/],
    [["agent", "--secret", "s", "-d", "db"], {}, /^almanac: -d needs two values: DB ACTION/],
    [["agent", "--secret", "s", "-r", "db", "t"], {}, /^almanac: -r needs three values: DB RESOURCE ACTION/],
    [["agent", "--secret", "s", "-e", "soon"], {}, /^almanac: --expires-after must be a whole number of seconds/],
    [["agent", "--secret", "s", "-e", "0"], {}, /^almanac: --expires-after must be a whole number of seconds/],
    [[], {}, /^almanac: missing required argument 'id'/],
  ];
  for (const [args, env, expected] of cases) {
    const io = capture(env);
    assert.notEqual(await main(["create-token", ...args], io), 0, args.join(" "));
    assert.match(io.err(), expected, args.join(" "));
    assert.equal(io.err().trim().split("\n").length, 1, args.join(" "));
    assert.equal(io.out(), "");
  }
});

test("abbreviations and full names give the same restrictions (stored abbreviated, as Datasette does)", async () => {
  const a = await cliToken(["agent", "--secret", SECRET, "-a", "view-table", "-r", "db", "open", "insert-row"]);
  const b = await cliToken(["agent", "--secret", SECRET, "-a", "vt", "-r", "db", "open", "ir"]);
  const actor = async (t: string) => (await server.json("/-/actor.json", withToken(t))).body.actor._r;
  assert.deepEqual(await actor(a), { a: ["vt"], r: { db: { open: ["ir"] } } });
  assert.deepEqual(await actor(b), await actor(a));
});
