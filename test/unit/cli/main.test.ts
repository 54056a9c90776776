import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Sqlite from "better-sqlite3";
import { main } from "../../../src/cli/index.js";
import type { Io } from "../../../src/cli/io.js";
import type { CreateApp, ServeDeps, ServedApp } from "../../../src/cli/serve.js";
import type { AppOptions } from "../../../src/config/options.js";

let dir: string;
let bigmac: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "almanac-main-"));
  bigmac = join(dir, "bigmac.db");
  const conn = new Sqlite(bigmac);
  conn.exec(`create table mac (id integer primary key, name text); insert into mac (name) values ('a'), ('b'), ('c');
             create table "odd ""name""" (x); create view v as select 1;`);
  conn.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(env: Record<string, string> = {}): Io & { out: () => string; err: () => string } {
  const out: Buffer[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => void out.push(Buffer.from(t)),
    stderr: (t) => void err.push(t),
    env,
    out: () => Buffer.concat(out).toString("utf8"),
    err: () => err.join(""),
  };
}

/** A stand-in for src/app.ts that records what it was given. */
type FakeResponse = { status: number; headers: Record<string, string>; body: Buffer };
function fakeApp(response: FakeResponse = { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from('{"ok": true}') }) {
  const calls: { options?: AppOptions; requests: { path: string; headers?: Record<string, string> }[]; listen?: [string, number]; closed: number } = { requests: [], closed: 0 };
  const createApp: CreateApp = async (options) => {
    calls.options = options;
    const app: ServedApp = {
      async listen(host, port) {
        calls.listen = [host, port];
        return { url: `http://${host}:${port === 0 ? 54321 : port}/`, port: port === 0 ? 54321 : port };
      },
      async request(path, init) {
        calls.requests.push({ path, headers: init?.headers });
        return response;
      },
      async close() {
        calls.closed++;
      },
    };
    return app;
  };
  const deps: ServeDeps = { loadApp: async () => createApp, waitForStop: async () => undefined, openUrl: () => undefined, issueRootToken: async () => "ab".repeat(32) };
  return { calls, deps };
}

test("--version and --help", async () => {
  const io = capture();
  assert.equal(await main(["--version"], io), 0);
  assert.match(io.out(), /^almanac, version \d+\.\d+\.\d+/);
  const help = capture();
  assert.equal(await main(["serve", "--help"], help), 0);
  assert.match(help.out(), /-h, --host <host>/);
  assert.match(help.out(), /--help +Show this message and exit/);
});

test("--help-settings prints the settings table and exits 0 without starting anything", async () => {
  const io = capture();
  const { calls, deps } = fakeApp();
  assert.equal(await main(["--help-settings"], io, deps), 0);
  assert.match(io.out(), /sql_time_limit_ms +Time limit for a SQL query in milliseconds \(default=1000\)/);
  assert.equal(calls.options, undefined);
});

test("bad input is one 'almanac: …' line and a non-zero exit", async () => {
  const cases: [string[], RegExp][] = [
    [["--zzzzzz"], /^almanac: unknown option '--zzzzzz'\n$/],
    [["--prot", "1"], /^almanac: unknown option '--prot' \(Did you mean --port\?\)\n$/],
    [["-p", "70000"], /^almanac: .*'70000' is invalid.*0 to 65535.*\n$/],
    [[join(dir, "missing.db")], /^almanac: database file not found: .*missing\.db \(use --create to create it\)\n$/],
    [[bigmac, bigmac], /^almanac: .* was given more than once\n$/],
    [["-s", "default_page_size"], /^almanac: -s needs two values/],
    [["-s", "hash_urls", "1"], /^almanac: unknown setting 'hash_urls'; valid settings: default_page_size, /],
    [["--static", "nocolon"], /^almanac: --static 'nocolon' should be of format MOUNT:DIRECTORY\n$/],
    [["--get", "/", "--actor", "not json"], /^almanac: --actor must be JSON/],
    [["inspect"], /^almanac: missing required argument 'files'\n$/],
    [["inspect", join(dir, "nope.db")], /^almanac: database file not found/],
  ];
  for (const [argv, expected] of cases) {
    const io = capture();
    const { deps } = fakeApp();
    const code = await main(argv, io, deps);
    assert.notEqual(code, 0, argv.join(" "));
    assert.match(io.err(), expected, argv.join(" "));
    assert.equal(io.err().split("\n").filter(Boolean).length, 1, `one line for ${argv.join(" ")}`);
  }
});

test("serve is the default command and every Datasette serve option is accepted", async () => {
  const io = capture({ DATASETTE_SECRET: "from-env" });
  const { calls, deps } = fakeApp();
  const code = await main([
    bigmac, "-i", bigmac, "-h", "0.0.0.0", "-p", "0", "--uds", "/tmp/x.sock", "--reload", "--cors",
    "--load-extension", "ext.so:entry", "--memory", "-s", "sql_time_limit_ms", "2500", "--setting", "plugins.p.a", '{"b": 1}',
    "--root", "--default-deny", "--version-note", "note", "--pdb", "-o", "--crossdb", "--nolock",
    "--ssl-keyfile", "k.pem", "--ssl-certfile", "c.pem", "--internal", "internal.db",
  ], io, deps);
  assert.equal(code, 0, io.err());
  assert.deepEqual(calls.listen, ["0.0.0.0", 0]);
  // --root: the one-time sign-in link on its own line once the server listens.
  assert.equal(io.out(), `Almanac serving at http://0.0.0.0:54321/ (Ctrl-C to stop)\nhttp://0.0.0.0:54321/-/auth-token?token=${"ab".repeat(32)}\n`);
  const options = calls.options!;
  assert.deepEqual(options.databases, [{ path: bigmac, immutable: true }]);
  assert.equal(options.settings.sql_time_limit_ms, 2500);
  assert.deepEqual(options.config.plugins, { p: { a: { b: 1 } } });
  assert.equal(options.secret, "from-env");
  assert.deepEqual(options.loadExtensions, ["ext.so:entry"]);
  assert.equal(options.root && options.defaultDeny && options.cors && options.crossdb && options.nolock && options.memory, true);
  assert.equal(options.versionNote, "note");
  // Accepted-but-ignored options each print one notice line.
  const notices = io.err().trim().split("\n");
  assert.equal(notices.length, 5, io.err());
  assert.ok(notices.some((l) => l.startsWith("almanac: --pdb has no effect")));
  assert.equal(calls.closed, 1, "closed on stop");
});

test("--get prints the body and exits 0 on 200; --headers adds the status line and headers", async () => {
  const { calls, deps } = fakeApp();
  const io = capture();
  assert.equal(await main([bigmac, "--get", "/bigmac.json", "--token", "dstok_x", "--actor", '{"id": "root"}'], io, deps), 0);
  assert.equal(io.out(), '{"ok": true}\n');
  assert.deepEqual(calls.requests, [{ path: "/bigmac.json", headers: { authorization: "Bearer dstok_x", "x-almanac-get-actor": '{"id":"root"}' } }]);
  assert.equal(calls.listen, undefined, "no server for --get");
  assert.equal(calls.closed, 1);

  const withHeaders = capture();
  await main([bigmac, "--get", "/", "--headers"], withHeaders, fakeApp().deps);
  assert.equal(withHeaders.out(), 'HTTP/1.1 200\ncontent-type: application/json\n\n{"ok": true}\n');

  const notFound = capture();
  const missing = fakeApp({ status: 404, headers: {}, body: Buffer.from("Not found") });
  assert.equal(await main(["--get", "/nope"], notFound, missing.deps), 1);
  assert.equal(notFound.out(), "Not found\n");
});

test("-o opens the served URL", async () => {
  const { deps } = fakeApp();
  const opened: string[] = [];
  await main([bigmac, "-o", "-p", "9000"], capture(), { ...deps, openUrl: (url) => opened.push(url) });
  assert.deepEqual(opened, ["http://127.0.0.1:9000/"]);
});

test("a port already in use is a one-line error", async () => {
  const { deps } = fakeApp();
  const failing: ServeDeps = {
    ...deps,
    loadApp: async () => async () => ({
      listen: async () => {
        throw Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
      },
      request: async () => ({ status: 200, headers: {}, body: Buffer.alloc(0) }),
      close: async () => undefined,
    }),
  };
  const io = capture();
  assert.equal(await main([bigmac], io, failing), 1);
  assert.equal(io.err(), "almanac: port 8001 is already in use (try --port 0 for any free port)\n");
});

test("inspect prints hash, size, file and exact counts of every table", async () => {
  const io = capture();
  assert.equal(await main(["inspect", bigmac], io), 0);
  const data = JSON.parse(io.out());
  assert.deepEqual(data, {
    bigmac: {
      hash: createHash("sha256").update(readFileSync(bigmac)).digest("hex"),
      size: statSync(bigmac).size,
      file: bigmac,
      tables: { mac: { count: 3 }, 'odd "name"': { count: 0 } },
    },
  });
  const target = join(dir, "inspect-data.json");
  assert.equal(await main(["inspect", bigmac, "--inspect-file", target], capture()), 0);
  assert.deepEqual(JSON.parse(readFileSync(target, "utf8")), data);
});

test("inspect output feeds serve --inspect-file", async () => {
  const target = join(dir, "inspect-2.json");
  await main(["inspect", bigmac, "--inspect-file", target], capture());
  const { calls, deps } = fakeApp();
  assert.equal(await main(["-i", bigmac, "--inspect-file", target, "--get", "/"], capture(), deps), 0);
  assert.equal(calls.options?.inspectData?.bigmac.tables?.mac.count, 3);
});
