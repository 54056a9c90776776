/** prepare_connection below the HTTP layer: the executor's hooks, and a worker pool whose plugin kills its workers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, makeDatabase } from "../fixtures/server.js";
import { interruptExtensionPath } from "../../src/app.js";
import { Executor, type ConnectionHook, type ExecutorInit } from "../../src/db/executor.js";
import { QueryError, WorkerPool } from "../../src/db/pool.js";
import { PluginError } from "../../src/plugins/manager.js";

/** Workers do not keep the process alive (a server does); while a test waits on them, something must. */
async function keepingAlive<T>(fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function init(extra: Partial<ExecutorInit> = {}): ExecutorInit {
  const path = makeDatabase(join(tempDir(), "data.db"), "create table t (x); insert into t values (1);");
  return { databases: [{ name: "data", path, readonly: true }], extensionPath: interruptExtensionPath(), key: randomBytes(8).toString("hex"), loadExtensions: [], cacheSizeKb: 0, nolock: false, ...extra };
}

test("hooks run in plugin order on each new connection, before it is locked down, with their configuration", () => {
  const calls: string[] = [];
  const hooks: ConnectionHook[] = [
    { name: "first", config: { n: 1 }, prepare: ({ conn, database, config }) => void (calls.push(`first ${database} ${JSON.stringify(config)}`), conn.pragma("foreign_keys = on")) },
    { name: "second", config: undefined, prepare: ({ conn }) => void (calls.push("second"), conn.function("two", () => 2)) },
  ];
  const executor = new Executor(init(), hooks);
  try {
    assert.deepEqual(executor.execute({ db: "data", sql: "select two() as v, x from t" }).rows, [[2, 1]]);
    executor.execute({ db: "data", sql: "select 1" });
    assert.deepEqual(calls, ['first data {"n":1}', "second"], "once per connection");
    // The plugin's PRAGMA took effect; user SQL may not set one (the lock-down came after the hooks).
    assert.deepEqual(executor.execute({ db: "data", sql: "pragma foreign_keys" }).rows, [[1]]);
    assert.throws(() => executor.execute({ db: "data", sql: "pragma foreign_keys = off" }), /not authorized/);
  } finally {
    executor.close();
  }
});

test("a hook that throws or returns a promise is a PluginError naming it, and the connection is not kept", () => {
  let attempts = 0;
  const failing = new Executor(init(), [{ name: "flaky", config: null, prepare: () => { attempts++; throw new Error("nope"); } }]);
  assert.throws(() => failing.execute({ db: "data", sql: "select 1" }), (e: Error) => e instanceof PluginError && e.message === "plugin flaky: prepare_connection failed: nope");
  assert.throws(() => failing.execute({ db: "data", sql: "select 1" }), PluginError);
  assert.equal(attempts, 2, "tried again on the next query, not half-prepared");
  failing.close();
  const asyncHook = new Executor(init(), [{ name: "eager", config: null, prepare: async () => undefined }]);
  assert.throws(() => asyncHook.execute({ db: "data", sql: "select 1" }), /^Error: plugin eager: prepare_connection failed: it must be synchronous/);
  asyncHook.close();
});

test("a worker pool whose plugin kills each worker as it loads fails every query clearly, then stops restarting workers", async () => {
  const dir = tempDir();
  const plugin = join(dir, "exits.mjs");
  writeFileSync(plugin, "process.exit(3);\nexport default { prepare_connection() {} };");
  const pool = new WorkerPool(init({ plugins: [{ name: "exits", modulePath: plugin, config: null }] }), 1);
  await keepingAlive(async () => {
    try {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(pool.run({ db: "data", sql: "select 1" }), (e: Error) => e instanceof QueryError && e.message === "a query worker failed to start: query worker exited with code 3");
      }
      assert.equal(pool.size, 0, "no worker is being restarted");
    } finally {
      await pool.close();
    }
  });
});

test("a worker whose plugin fails to import answers every query with the plugin's name (and is not restarted)", async () => {
  const dir = tempDir();
  const plugin = join(dir, "throws.mjs");
  writeFileSync(plugin, "throw new Error('needs a GPU');");
  const pool = new WorkerPool(init({ plugins: [{ name: "throws", modulePath: plugin, config: null }] }), 2);
  await keepingAlive(async () => {
    try {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(pool.run({ db: "data", sql: "select 1" }), (e: Error) => e instanceof QueryError && e.message === `plugin throws (${plugin}) failed to load: needs a GPU`);
      }
      assert.equal(pool.size, 2);
    } finally {
      await pool.close();
    }
  });
});
