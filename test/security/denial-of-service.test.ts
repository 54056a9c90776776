// Attack class 5 — denial of service. Runaway queries are interrupted at the time limit with Datasette's 400,
// and the server keeps answering other requests meanwhile. No sleeps and no elapsed-time assertions: ordering
// is proven with the structure of promises (what had settled when something else finished).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../fixtures/server.js";
import { TIME_LIMIT_MESSAGE } from "../../src/pages/common.js";
import { assertJsonError } from "./hostile-fixtures.js";
import { buildDosDatabase, CARTESIAN_SQL, RUNAWAY_SQL } from "./dos-fixtures.js";

let server: TestServer;
before(async () => {
  server = await startServer({ databases: [{ path: buildDosDatabase(), immutable: false }], settings: { sql_time_limit_ms: 1000, num_sql_threads: 3 } });
});
after(() => server.close());

const sql = (s: string, extra: Record<string, string> = {}) => server.json(`/dos/-/query.json?${new URLSearchParams({ sql: s, ...extra })}`);

test("runaway SQL is interrupted with the time-limit message, while 20 light requests are all answered", async () => {
  let runawaySettled = false;
  const runaway = sql(RUNAWAY_SQL).finally(() => {
    runawaySettled = true;
  });
  const completedBeforeRunaway: boolean[] = [];
  const lights = Array.from({ length: 20 }, (_, i) =>
    server.json(`/dos/t/${i + 1}.json`).then((r) => {
      completedBeforeRunaway.push(!runawaySettled);
      return r;
    }),
  );
  const answers = await Promise.all(lights);
  for (const [i, r] of answers.entries()) {
    assert.equal(r.status, 200);
    assert.equal(r.body.rows[0].id, i + 1);
  }
  assert.equal(completedBeforeRunaway.length, 20);
  assert.ok(completedBeforeRunaway.every(Boolean), "every light request was answered while the runaway was still in flight");
  assert.equal(runawaySettled, false);
  assertJsonError(await runaway, 400, TIME_LIMIT_MESSAGE);
});

test("a cartesian join of a 1,000-row table with itself three times is interrupted", async () => {
  const [q, table] = await Promise.all([
    sql(CARTESIAN_SQL),
    server.json(`/dos/t.json?${new URLSearchParams({ _where: "(select count(*) from t a, t b, t c) > 0" })}`),
  ]);
  assertJsonError(q, 400, TIME_LIMIT_MESSAGE);
  assertJsonError(table, 400, TIME_LIMIT_MESSAGE);
});

test("huge blobs and strings are a 400, not a crash", async () => {
  for (const s of ["select randomblob(1e9)", "select zeroblob(2000000000)", "select length(zeroblob(1e9))", "select printf('%.*c', 2000000000, 'x')", "select replace(hex(zeroblob(600000000)), '0', '00')"]) {
    const r = await sql(s);
    assert.equal(r.status, 400, `${s}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.match(r.body.error, /string or blob too big|took too long/);
  }
  // The server is fine afterwards.
  assert.equal((await sql("select 1 as one")).body.rows[0].one, 1);
});

test("_size beyond max_returned_rows is a 400", async () => {
  assertJsonError(await server.json("/dos/big.json?_size=100000"), 400, "_size must be <= 1000");
  assertJsonError(await server.json("/dos/big.json?_size=99999999999999999999999"), 400, "_size must be <= 1000");
  const max = await server.json("/dos/big.json?_size=max&_col=id");
  assert.equal(max.status, 200);
  assert.equal(max.body.rows.length, 1000);
});

test("_timelimit lowers the limit: the lowered runaway settles before one under the full limit", async () => {
  const order: string[] = [];
  const full = sql(RUNAWAY_SQL).then((r) => (order.push("full"), r));
  const lowered = sql(RUNAWAY_SQL, { _timelimit: "20" }).then((r) => (order.push("lowered"), r));
  const [a, b] = await Promise.all([full, lowered]);
  assertJsonError(a, 400, TIME_LIMIT_MESSAGE);
  assertJsonError(b, 400, TIME_LIMIT_MESSAGE);
  assert.deepEqual(order, ["lowered", "full"]);
  // Table pages honour it too.
  const t = await server.json(`/dos/t.json?${new URLSearchParams({ _where: "(select count(*) from t a, t b, t c) > 0", _timelimit: "20" })}`);
  assertJsonError(t, 400, TIME_LIMIT_MESSAGE);
});

test("a count over 200,000 rows with a selective unindexed filter: rows, and a count that is a number or null", async () => {
  for (const path of ["/dos/big.json?note=needle&_extra=count", "/dos/big.json?note__contains=eedl&_extra=count,count_truncated", "/dos/big.json?grp=5&_extra=count&_size=3", "/dos/big.json?_extra=count&_size=1"]) {
    const r = await server.json(path);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.ok(r.body.count === null || typeof r.body.count === "number", `${path}: count ${r.body.count}`);
    if (path.includes("needle")) assert.deepEqual(r.body.rows, [{ id: 123457, grp: 123457 % 97, note: "needle" }]);
  }
  // The HTML page too.
  const html = await server.get("/dos/big?note=needle");
  assert.equal(html.status, 200);
  await html.arrayBuffer();
});
