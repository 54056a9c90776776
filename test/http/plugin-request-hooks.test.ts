/**
 * @module HTTP: the hooks every request passes through — actor_from_request, permission_rules, asgi_wrapper,
 * handle_exception, forbidden and track_event — with plugins that work and plugins that fail.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeDatabase, pluginsDir, startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { StartupError } from "../../src/http/errors.js";

const ERRORS = JSON.stringify(new URL("../../src/http/errors.ts", import.meta.url).href);

let server: TestServer;
let db: string;

const PLUGINS = {
  // Actors from a header; a malformed credential is a 401 the plugin chooses; a bug is a 500.
  "a-auth.mjs": `
    import { HttpError } from ${ERRORS};
    export default {
      actor_from_request({ request }) {
        const who = request.header("x-test-user");
        if (who === "bad-token") throw new HttpError(401, "Invalid token", {}, { "www-authenticate": 'Bearer error="invalid_token"' });
        if (who === "crash") throw new Error("auth bug");
        if (who === "not-an-object") return "ana";
        return who ? { id: who } : null;
      },
    };`,
  // Nobody but ana may see the secret table; ana may run SQL even though default_allow_sql is off.
  "b-rules.mjs": `
    export default {
      permission_rules({ actor, action }) {
        if (action === "view-table") {
          return [{ database: "data", child: "secret", allow: actor?.id === "ana", reason: "only ana sees secret" }];
        }
        if (action === "execute-sql" && actor?.id === "ana") return [{ database: "data", allow: true, reason: "ana runs SQL" }];
        if (action === "view-database" && actor?.id === "malformed") return [{ child: "x", allow: true }];
        return null;
      },
    };`,
  // Middleware: a header on every reply, and one path answered before routing.
  "c-wrap.mjs": `
    export default {
      asgi_wrapper() {
        return (next) => async (req) => {
          if (req.path === "/-/wrapped-only") return { status: 200, headers: { "content-type": "text/plain" }, body: "answered by middleware for " + (req.actor ? req.actor.id : "nobody") };
          const reply = await next(req);
          return { ...reply, headers: { ...reply.headers, "x-wrapped": "yes" } };
        };
      },
    };`,
  // Error pages: a custom 404 under /-/custom/, a custom 403 for HTML, a handled crash.
  "d-errors.mjs": `
    export default {
      register_routes() {
        return [{ path: "/-/boom", handler: () => { throw new Error("kaboom"); } }, { path: "/-/bad-handler", handler: () => { throw new Error("x"); } }];
      },
      handle_exception({ request, exception }) {
        if (request.path.startsWith("/-/custom/")) return { status: 404, headers: { "content-type": "text/plain" }, body: "custom not found: " + exception.message };
        if (request.path === "/-/boom") return { status: 503, headers: { "content-type": "text/plain" }, body: "handled: " + exception.cause.message };
        if (request.path === "/-/bad-handler") return { status: "oops", body: 1 };
        return null;
      },
      forbidden({ request, message }) {
        if ((request.header("accept") || "").includes("text/html")) return { status: 302, headers: { location: "/-/login?next=" + encodeURIComponent(request.path) }, body: "" };
        return null;
      },
    };`,
  // Events: one recorder, one plugin whose hook fails (logged, the others still hear).
  "e-events.mjs": `
    const seen = [];
    export default {
      register_routes() {
        return [
          { path: "/-/fire", handler: async (req, almanac) => { await almanac.trackEvent("custom-event", req.actor, { x: 1 }); return { status: 200, headers: {}, body: "fired" }; } },
          { path: "/-/events", handler: () => ({ status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(seen) }) },
        ];
      },
      track_event({ event }) { seen.push(event); },
    };`,
  "f-events-broken.mjs": `export default { track_event() { throw new Error("event sink down"); } };`,
  // An async hook (a role looked up somewhere slow): its rules are gathered before the request's checks.
  "g-async-rules.mjs": `
    export default {
      async permission_rules({ actor, action }) {
        await new Promise((resolve) => setImmediate(resolve));
        if (action !== "view-table") return null;
        return [{ database: "data", child: "later", allow: actor?.id === "ana", reason: "looked up" }];
      },
    };`,
  // A synchronous-looking hook that hands back a promise: refused by name, never taken as "no rules".
  "h-sneaky-rules.mjs": `
    export default {
      permission_rules({ actor }) {
        return actor?.id === "sneaky" ? Promise.resolve([{ allow: true }]) : null;
      },
    };`,
};

before(async () => {
  db = makeDatabase(join(tempDir(), "data.db"), "create table t (id integer primary key); insert into t values (1); create table secret (id integer primary key); insert into secret values (42); create table later (id integer primary key);");
  server = await startServer({ databases: [{ path: db, immutable: false }], pluginsDir: pluginsDir(PLUGINS), settings: { default_allow_sql: false } });
});
after(async () => server.close());

const JSON_ACCEPT = { accept: "application/json" };

test("actor_from_request: the first plugin's actor is the request's; null leaves it anonymous; an HttpError is the answer; a bug is a 500", async () => {
  assert.deepEqual((await server.json("/-/actor.json", { headers: { "x-test-user": "ana" } })).body, { ok: true, actor: { id: "ana" } });
  assert.deepEqual((await server.json("/-/actor.json")).body, { ok: true, actor: null });
  const bad = await server.json("/-/actor.json", { headers: { "x-test-user": "bad-token" } });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.equal(bad.body.error, "Invalid token");
  const crash = await server.json("/-/actor.json", { headers: { "x-test-user": "crash" } });
  assert.equal(crash.status, 500);
  assert.doesNotMatch(JSON.stringify(crash.body), /auth bug/);
  assert.equal((await server.json("/-/actor.json", { headers: { "x-test-user": "not-an-object" } })).status, 500);
});

test("permission_rules: a child-level rule beats the global default, per actor, on pages and in lists", async () => {
  assert.equal((await server.json("/data/secret.json")).status, 403);
  assert.equal((await server.json("/data/t.json")).status, 200, "other tables keep the default allow");
  const ana = await server.json("/data/secret.json?_shape=array", { headers: { "x-test-user": "ana" } });
  assert.equal(ana.status, 200);
  assert.deepEqual(ana.body, [{ id: 42 }]);
  const anonymousTables = (await server.json("/data.json")).body.tables.map((t: { name: string }) => t.name);
  assert.deepEqual(anonymousTables, ["t"], "the database page lists only what the actor may see");
  const anaTables = (await server.json("/data.json", { headers: { "x-test-user": "ana" } })).body.tables;
  assert.deepEqual(anaTables.map((t: { name: string; private: boolean }) => [t.name, t.private]), [["later", true], ["secret", true], ["t", false]], "ana sees them, marked private");
});

test("permission_rules: a database-level allow overrides a global deny (default_allow_sql off), for that actor only", async () => {
  assert.equal((await server.json("/data/-/query.json?sql=select+1")).status, 403);
  const r = await server.json("/data/-/query.json?sql=select+1+as+n&_shape=array", { headers: { "x-test-user": "ana" } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, [{ n: 1 }]);
});

test("permission_rules declared async: gathered before the checks, and applied like any other", async () => {
  assert.equal((await server.json("/data/later.json")).status, 403);
  assert.equal((await server.json("/data/later.json", { headers: { "x-test-user": "ana" } })).status, 200);
  const tables = (await server.json("/data.json", { headers: { "x-test-user": "ana" } })).body.tables.map((t: { name: string }) => t.name);
  assert.ok(tables.includes("later"));
  assert.ok(!(await server.json("/data.json")).body.tables.some((t: { name: string }) => t.name === "later"));
});

test("a permission_rules hook that returns a promise without being declared async is a 500 naming it", async () => {
  assert.equal((await server.json("/data.json", { headers: { "x-test-user": "sneaky" } })).status, 500);
});

test("permission_rules: a malformed rule is the plugin's error (a 500), never a silent allow", async () => {
  const r = await server.json("/data.json", { headers: { "x-test-user": "malformed" } });
  assert.equal(r.status, 500);
});

test("asgi_wrapper: middleware sees every request (with its actor) and may answer or change the reply", async () => {
  const r = await server.get("/data/t.json");
  assert.equal(r.headers.get("x-wrapped"), "yes");
  const own = await server.get("/-/wrapped-only", { headers: { "x-test-user": "bo" } });
  assert.equal(own.status, 200);
  assert.equal(await own.text(), "answered by middleware for nobody", "the middleware runs outside the actor sources");
  assert.equal((await server.get("/nope")).headers.get("x-wrapped"), "yes", "error replies pass through it too");
});

test("handle_exception: a plugin may answer errors (404s and crashes); a bad answer falls back to the default", async () => {
  const missing = await server.get("/-/custom/thing");
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "custom not found: Database not found");
  const boom = await server.get("/-/boom");
  assert.equal(boom.status, 503);
  assert.equal(await boom.text(), "handled: kaboom");
  const bad = await server.json("/-/bad-handler", { headers: JSON_ACCEPT });
  assert.equal(bad.status, 500);
  assert.equal(bad.body.error, "Internal server error");
});

test("forbidden: a plugin may answer 403s (a login redirect for browsers); JSON clients keep the default 403", async () => {
  const page = await server.get("/data/secret", { headers: { accept: "text/html" }, redirect: "manual" });
  assert.equal(page.status, 302);
  assert.equal(page.headers.get("location"), "/-/login?next=%2Fdata%2Fsecret");
  const api = await server.json("/data/secret.json", { headers: JSON_ACCEPT });
  assert.equal(api.status, 403);
});

test("track_event: every plugin hears an event; one whose hook fails is logged and does not stop the others", async () => {
  assert.equal(await (await server.get("/-/fire", { headers: { "x-test-user": "ana" } })).text(), "fired");
  const events = (await server.json("/-/events")).body as { name: string; actor: unknown; properties: unknown; created: string }[];
  assert.equal(events.length, 1);
  assert.equal(events[0].name, "custom-event");
  assert.deepEqual(events[0].actor, { id: "ana" });
  assert.deepEqual(events[0].properties, { x: 1 });
  assert.ok(!Number.isNaN(Date.parse(events[0].created)));
});

test("asgi_wrapper that does not return a function, or whose wrap throws, stops start-up naming the plugin", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ "w.mjs": "export default { asgi_wrapper() { return 42; } };" }, /^plugin w: asgi_wrapper must return a function/],
    [{ "v.mjs": "export default { asgi_wrapper() { return () => { throw new Error('cannot wrap'); }; } };" }, /^plugin v: asgi_wrapper failed: cannot wrap$/],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(startServer({ databases: [{ path: db, immutable: false }], pluginsDir: pluginsDir(files) }), (err: Error) => {
      assert.ok(err instanceof StartupError, `${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
});
