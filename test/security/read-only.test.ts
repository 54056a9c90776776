// Attack class 4 — read-only escape. `?sql=` must neither write nor reach the filesystem; and the connection
// itself (read-only open + query_only + the native lock-down authorizer) must refuse writes that get past the
// statement check, so the validator is never the only guard.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { startServer, tempDir, type TestServer } from "../fixtures/server.js";
import { buildFixtures } from "../fixtures/fixtures-db.js";
import { Executor } from "../../src/db/executor.js";
import { WorkerPool, QueryError } from "../../src/db/pool.js";
import { interruptExtensionPath } from "../../src/app.js";
import { assertJsonError, assertNoFile, sha256 } from "./hostile-fixtures.js";

let server: TestServer;
let dbPath: string;
let checksum: string;
const scratch = tempDir("almanac-readonly-");
const target = (name: string) => join(scratch, name);

before(async () => {
  dbPath = buildFixtures();
  checksum = sha256(dbPath);
  server = await startServer({ databases: [{ path: dbPath, immutable: false }], crossdb: true });
});
after(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Writes and DDL that must fail both at the statement check and on the connection itself. */
const WRITES = [
  "insert into facet_cities values (99, 'x')",
  "update facet_cities set name = 'x'",
  "delete from facet_cities",
  "replace into facet_cities values (1, 'x')",
  "create table x (a)",
  "create temp table x (a)",
  "create temp view v as select 1",
  "drop table facet_cities",
  "alter table facet_cities add column y",
];

const query = (sql: string, db = "fixtures") => server.json(`/${db}/-/query.json?${new URLSearchParams({ sql })}`);

test("writes and DDL are refused as 'Statement must be a SELECT'", async () => {
  for (const sql of [
    ...WRITES,
    `attach database '${target("attach.db")}' as x`,
    "detach main",
    "pragma writable_schema = 1",
    "pragma query_only = 0",
    `vacuum into '${target("vacuum.db")}'`,
    "vacuum",
    "reindex",
    "analyze",
    "begin",
    "savepoint a",
    "explain insert into facet_cities values (5, 'x')",
    "/* comment */ delete from facet_cities",
    "-- comment\ndelete from facet_cities",
  ]) {
    assertJsonError(await query(sql), 400, "Statement must be a SELECT");
  }
});

test("PRAGMA functions outside the allowed list are refused", async () => {
  for (const sql of ["select * from pragma_writable_schema", "select * from pragma_journal_mode('delete')", "select * from pragma_user_version", "select * from pragma_query_only", "select pragma_temp_store_directory", "select 1 as pragma"]) {
    assertJsonError(await query(sql), 400, /disallowed PRAGMA/);
  }
  const ok = await query("select name from pragma_table_info('facet_cities')");
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.rows, [{ name: "id" }, { name: "name" }]);
});

test("writes that pass the statement check are stopped by the connection", async () => {
  // Multiple statements: better-sqlite3 refuses to prepare more than one.
  assertJsonError(await query("select 1; delete from facet_cities"), 400, /more than one statement/);
  assertJsonError(await query("explain select 1; insert into facet_cities values (6, 'x')"), 400, /more than one statement/);
  // Writes hidden after a CTE start with `with`, which the validator lets through.
  assertJsonError(await query("with x as (select 1) delete from facet_cities"), 400, /readonly|read-only|not authorized/);
  assertJsonError(await query("with x as (select 1) insert into facet_cities values (100, 'y')"), 400, /readonly|read-only|not authorized/);
  assertJsonError(await query("with x as (select 1) update facet_cities set name = 'z'"), 400, /readonly|read-only|not authorized/);
  assertJsonError(await query("with x as (select 1) replace into facet_cities values (1, 'z')"), 400, /readonly|read-only|not authorized/);
  // The same through the cross-database _memory connection (its attached files are opened read-write).
  assertJsonError(await query("with x as (select 1) delete from fixtures.facet_cities", "_memory"), 400, /readonly|read-only|not authorized/);
});

test("functions that reach the filesystem or the watchdog are unavailable", async () => {
  assertJsonError(await query(`select load_extension('${target("evil")}')`), 400, /not authorized/);
  assertJsonError(await query(`select load_extension('${target("evil")}', 'sqlite3_evil_init')`), 400, /not authorized/);
  assertJsonError(await query(`select writefile('${target("w.txt")}', 'x')`), 400, /no such function/);
  assertJsonError(await query("select readfile('/etc/passwd')"), 400, /no such function/);
  assertJsonError(await query("select edit('x')"), 400, /no such function/);
  // The time-limit watchdog is keyed: a guess can neither disarm nor re-arm it.
  assertJsonError(await query("select almanac_deadline(0, 'guess')"), 400, /almanac_deadline: not authorized/);
  assertJsonError(await query(`select almanac_deadline(0, '${"g".repeat(48)}')`), 400, /almanac_deadline: not authorized/);
  assertJsonError(await query(`select almanac_lockdown('${"g".repeat(48)}')`), 400, /not authorized/);
  // fts3_tokenizer(name, pointer) would let SQL install a native function pointer; with one argument it
  // would leak a code address. Both are disabled (SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER off).
  assertJsonError(await query("select fts3_tokenizer('simple', x'4141414141414141')"), 400);
  const leak = await query("select fts3_tokenizer('simple') as p");
  assert.ok(leak.status === 400 || leak.body.rows[0].p === null, JSON.stringify(leak.body));
});

test("no file was created and no data changed through HTTP", async () => {
  for (const f of ["attach.db", "vacuum.db", "evil", "evil.so", "w.txt"]) assertNoFile(target(f));
  const r = await query("select count(*) as n from facet_cities");
  assert.equal(r.body.rows[0].n, 4);
  assert.equal(sha256(dbPath), checksum);
});

// ---- The connection, without the validator ----

function executor(path: string, crossdb = false): Executor {
  return new Executor({
    databases: [
      { name: "fixtures", path, readonly: true },
      { name: "_memory", path: null, readonly: true, attach: crossdb ? [{ name: "fixtures", path }] : [] },
    ],
    extensionPath: interruptExtensionPath(),
    key: randomBytes(24).toString("hex"),
    loadExtensions: [],
    cacheSizeKb: 0,
    nolock: false,
  });
}

function refused(ex: Executor, db: string, sql: string): { code?: string; message: string } {
  try {
    ex.execute({ db, sql, mode: "run" });
  } catch (err) {
    return err as { code?: string; message: string };
  }
  assert.fail(`${sql} was not refused on ${db}`);
}

const READ_ONLY = /readonly|read-only|not authorized|authorization denied|query_only/i;

test("Executor: write statements sent straight to a read connection fail", () => {
  const path = buildFixtures(tempDir("almanac-readonly-exec-"));
  const sum = sha256(path);
  const ex = executor(path, true);
  try {
    for (const sql of [
      ...WRITES,
      "create index i on facet_cities(name)",
      "with x as (select 1) delete from facet_cities",
    ]) {
      assert.match(refused(ex, "fixtures", sql).message, READ_ONLY, sql);
    }
    for (const sql of ["delete from fixtures.facet_cities", "create table t (a)", "create temp table t (a)"]) {
      assert.match(refused(ex, "_memory", sql).message, READ_ONLY, `_memory: ${sql}`);
    }
  } finally {
    ex.close();
  }
  assert.equal(sha256(path), sum);
});

test("Executor: query_only cannot be switched off, nothing can be attached, VACUUM INTO creates no file", () => {
  const path = buildFixtures(tempDir("almanac-readonly-exec-"));
  const sum = sha256(path);
  const ex = executor(path, true);
  try {
    for (const db of ["fixtures", "_memory"]) {
      for (const sql of ["pragma query_only = 0", "pragma query_only = false", "pragma writable_schema = 1", "pragma journal_mode = delete", `pragma temp_store_directory = '${scratch}'`, "pragma optimize"]) {
        assert.match(refused(ex, db, sql).message, READ_ONLY, `${db}: ${sql}`);
      }
      assert.match(refused(ex, db, `attach database '${target(`att-${db}.db`)}' as x`).message, READ_ONLY);
      assert.match(refused(ex, db, "attach database ':memory:' as m").message, READ_ONLY);
      assert.match(refused(ex, db, "detach fixtures").message, /not authorized|no such database/);
      assert.match(refused(ex, db, `vacuum into '${target(`vac-${db}.db`)}'`).message, READ_ONLY);
      // After all those attempts, writes are still refused (query_only is still on).
      assert.match(refused(ex, db, "create temp table after_attempts (a)").message, READ_ONLY);
      assert.match(refused(ex, db, "select almanac_deadline(0, 'not-the-key-at-all')").message, /not authorized/);
    }
    // Read-only introspection still works on a locked-down connection (FTS5 needs PRAGMA data_version too).
    assert.deepEqual(ex.execute({ db: "fixtures", sql: "select count(*) from pragma_table_info('facet_cities')" }).rows, [[2]]);
    assert.deepEqual(ex.execute({ db: "fixtures", sql: "select count(*) from searchable_fts where searchable_fts match 'dog'" }).rows, [[2]]);
    assert.deepEqual(ex.execute({ db: "_memory", sql: "select count(*) from fixtures.facet_cities" }).rows, [[4]]);
  } finally {
    ex.close();
  }
  for (const db of ["fixtures", "_memory"]) {
    assertNoFile(target(`att-${db}.db`));
    assertNoFile(target(`vac-${db}.db`));
  }
  assert.equal(sha256(path), sum);
});

test("WorkerPool: a write sent through the pool fails with a query error, and the worker keeps serving", async () => {
  const path = buildFixtures(tempDir("almanac-readonly-pool-"));
  const sum = sha256(path);
  const pool = new WorkerPool(
    { databases: [{ name: "fixtures", path, readonly: true }], extensionPath: interruptExtensionPath(), key: randomBytes(24).toString("hex"), loadExtensions: [], cacheSizeKb: 0, nolock: false },
    1,
  );
  try {
    await assert.rejects(pool.run({ db: "fixtures", sql: "delete from facet_cities", mode: "run" }), (err: unknown) => {
      assert.ok(err instanceof QueryError);
      assert.equal(err.failure.kind, "sql");
      assert.match(err.message, READ_ONLY);
      return true;
    });
    await assert.rejects(pool.run({ db: "fixtures", sql: `vacuum into '${target("pool-vac.db")}'`, mode: "run" }), QueryError);
    const r = await pool.run({ db: "fixtures", sql: "select count(*) from facet_cities" });
    assert.deepEqual(r.rows, [[4]]);
  } finally {
    await pool.close();
  }
  assertNoFile(target("pool-vac.db"));
  assert.equal(sha256(path), sum);
});
