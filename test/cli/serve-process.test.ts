/** End to end: the real `almanac` command (bin/almanac.js → dist/) as a user runs it. */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { existsSync, writeFileSync } from "node:fs";
import { buildFixtures } from "../fixtures/fixtures-db.js";
import { tempDir } from "../fixtures/server.js";

const BIN = join(process.cwd(), "bin", "almanac.js");

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("almanac serve as a process", () => {
  let fixtures: string;
  before(() => {
    fixtures = buildFixtures();
  });

  test("-p 0 picks a free port, prints the URL, serves JSON and stops cleanly on SIGINT", async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, "serve", fixtures, "-p", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.setEncoding("utf8");
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (chunk: string) => {
        out += chunk;
        const m = /Almanac serving at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const r = await fetch(`${url}fixtures/facet_cities.json?_size=1`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { ok: boolean; rows: unknown[]; next: string };
    assert.deepEqual(body.rows, [{ id: 1, name: "San Francisco" }]);
    assert.equal(body.next, "1");
    child.kill("SIGINT");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });

  test("the default command is serve, and --get prints one response (exit 0 on 200, 1 otherwise)", () => {
    const ok = run([fixtures, "--get", "/fixtures/simple_primary_key/1.json"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).rows[0].content, "hello");
    const missing = run([fixtures, "--get", "/fixtures/nope.json"]);
    assert.equal(missing.status, 1);
    assert.equal(JSON.parse(missing.stdout).error, "Table not found");
  });

  test("--plugins-dir loads plugins (no 'no effect' notice); a broken one is one clear line and a non-zero exit", () => {
    const good = tempDir();
    writeFileSync(join(good, "hi.mjs"), "export default { register_routes: () => [{ path: '/-/hi', handler: () => ({ status: 200, headers: {}, body: 'hi' }) }] };");
    const ok = run([fixtures, "--plugins-dir", good, "--get", "/-/hi"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "hi");
    assert.doesNotMatch(ok.stderr, /plugins-dir/);
    const bad = tempDir();
    writeFileSync(join(bad, "oops.mjs"), "export default { startup() { throw new Error('missing API key'); } };");
    const failed = run([fixtures, "--plugins-dir", bad, "--get", "/"]);
    assert.notEqual(failed.status, 0);
    assert.equal(failed.stderr.trim(), "almanac: plugin oops: startup failed: missing API key");
  });

  test("bad input: one clear line on stderr and a non-zero exit, never a stack trace", () => {
    const cases: [string[], RegExp][] = [
      [["no-such-file.db"], /database file not found: no-such-file\.db/],
      [[fixtures, "--no-such-flag"], /unknown option '--no-such-flag'/],
      [[fixtures, "-p", "http"], /port/],
      [[fixtures, "-s", "no_such_setting", "1"], /unknown setting 'no_such_setting'/],
      [[fixtures, "-s", "sql_time_limit_ms", "soon"], /sql_time_limit_ms/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.notEqual(r.status, 0, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/, "no stack trace");
    }
  });

  test("a malformed config file is one line naming the file", () => {
    const dir = tempDir();
    const bad = join(dir, "datasette.yaml");
    writeFileSync(bad, "settings:\n  max_returned_rows: [1, 2\n");
    const r = run([fixtures, "-c", bad, "--get", "/-/settings.json"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /datasette\.yaml/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  });

  test("accepted-but-inert Datasette flags print a notice and still serve", () => {
    const r = run([fixtures, "--reload", "--pdb", "--get", "/fixtures.json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /--reload has no effect/);
    assert.match(r.stderr, /--pdb has no effect/);
  });

  test("inspect writes counts that serve -i --inspect-file uses", () => {
    const dir = tempDir();
    const inspectFile = join(dir, "inspect-data.json");
    const i = run(["inspect", fixtures, "--inspect-file", inspectFile]);
    assert.equal(i.status, 0, i.stderr);
    const r = run(["-i", fixtures, "--inspect-file", inspectFile, "--get", "/fixtures/sortable.json?_size=1&_extra=count"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).count, 201);
  });

  test("--create makes a missing database file", () => {
    const file = join(tempDir(), "fresh.db");
    const r = run([file, "--create", "--get", "/fresh.json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(file));
    assert.deepEqual(JSON.parse(r.stdout).tables, []);
  });

  test("--help-settings lists every setting with its default", () => {
    const r = run(["serve", "--help-settings"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /default_page_size\s+Default page size for the table view \(default=100\)/);
    assert.equal((r.stdout.match(/\(default=/g) ?? []).length, 24);
  });
});
