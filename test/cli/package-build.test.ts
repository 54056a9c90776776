/**
 * The generated build context, built here without docker: the Dockerfile is read instruction by instruction and
 * carried out in a scratch folder (one folder per stage standing for its filesystem; exec-form RUN lines run as
 * they are, with npm offline; apt-get lines are the only ones skipped), then the runtime stage's CMD starts the
 * server the way the container would, with the pods' environment from secrets.env. The context comes from
 * `almanac publish kubernetes`, which writes the same context `almanac package` does plus that environment.
 *
 * The slow part is `npm install` of the Almanac tarball: offline, from npm's cache (better-sqlite3 compiles from
 * source when no prebuilt binary is cached). If the cache cannot serve it (ENOTCACHED), the test says so and
 * falls back to the checkout's node_modules for the dependencies — labelled, and only for that one step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { makeDatabase, tempDir } from "../fixtures/server.js";
import { SEED_METADATA } from "../fixtures/seed.js";
import { EXAMPLE_PACKAGE } from "../fixtures/plugin-packages/example.js";
import { NPM_OFFLINE, fakeTools, runAlmanac } from "../fixtures/fake-gcloud.js";

const PLUGIN_SECRET = `p"lugin's, $ecret`;
const BASIC = `Basic ${Buffer.from("someusername:password!").toString("base64")}`;

interface Built {
  /** The runtime stage's folder (standing for its /), working directory and environment. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string[];
  user?: string;
  skipped: string[];
  fallback?: string;
}

/** The checkout's node_modules under `cwd` (the dependencies linked, better-sqlite3 copied), the tarballs unpacked. */
function checkoutModules(cwd: string, tarballs: string[]): void {
  const modules = join(cwd, "node_modules");
  mkdirSync(join(modules, ".bin"), { recursive: true });
  for (const name of readdirSync(join(process.cwd(), "node_modules"))) {
    if (name === ".bin" || existsSync(join(modules, name))) continue;
    if (name === "better-sqlite3") cpSync(join(process.cwd(), "node_modules", name), join(modules, name), { recursive: true });
    else symlinkSync(join(process.cwd(), "node_modules", name), join(modules, name));
  }
  for (const tarball of tarballs) {
    const unpacked = tempDir("almanac-unpack-");
    assert.equal(spawnSync("tar", ["-xzf", join(cwd, tarball), "-C", unpacked]).status, 0);
    const name = (JSON.parse(readFileSync(join(unpacked, "package", "package.json"), "utf8")) as { name: string }).name;
    cpSync(join(unpacked, "package"), join(modules, name), { recursive: true });
  }
  symlinkSync("../almanac/bin/almanac.js", join(modules, ".bin", "almanac"));
}

/** Carries out `context/Dockerfile` under `scratch`; fails on any instruction it does not know. */
function buildHere(context: string, scratch: string, diagnostic: (s: string) => void): Built {
  const stages = new Map<string, string>();
  let root = "";
  let workdir = "/";
  let env: Record<string, string> = {};
  const built: Partial<Built> = { skipped: [] };
  const host = (p: string) => join(root, posix.resolve(workdir, p));
  for (const line of readFileSync(join(context, "Dockerfile"), "utf8").split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [, instruction, rest] = /^([A-Z]+) (.*)$/.exec(line)!;
    if (instruction === "FROM") {
      root = join(scratch, `stage${stages.size}`);
      mkdirSync(root);
      stages.set(/ AS (\w+)$/.exec(rest)?.[1] ?? `stage${stages.size}`, root);
      [workdir, env] = ["/", {}];
    } else if (instruction === "WORKDIR") {
      workdir = rest;
      mkdirSync(host("."), { recursive: true });
    } else if (instruction === "COPY") {
      const from = /^--from=(\w+) /.exec(rest)?.[1];
      const [src, dest] = rest.replace(/^--from=\w+ /, "").split(" ");
      const source = from ? join(stages.get(from)!, src) : join(context, src);
      cpSync(source, statSync(source).isDirectory() ? host(dest) : join(host(dest), basename(src)), { recursive: true });
    } else if (instruction === "RUN") {
      if (rest.startsWith("apt-get ")) {
        built.skipped!.push(rest);
        continue;
      }
      const argv = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : ["sh", "-c", rest];
      const r = spawnSync(argv[0], argv.slice(1), { cwd: host("."), env: { ...process.env, ...NPM_OFFLINE, ...env }, encoding: "utf8", timeout: 600_000 });
      if (r.status !== 0 && argv[0] === "npm" && /ENOTCACHED/.test(r.stderr)) {
        built.fallback = `npm could not install offline from this machine's npm cache (ENOTCACHED); the dependencies come from the checkout's node_modules instead`;
        diagnostic(`FALLBACK: ${built.fallback}`);
        checkoutModules(host("."), argv.filter((a) => a.endsWith(".tgz")));
        continue;
      }
      assert.equal(r.status, 0, `${line}\n${r.stdout}\n${r.stderr}`);
    } else if (instruction === "ENV") {
      for (const pair of rest.split(" ")) env[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
    } else if (instruction === "USER") built.user = rest;
    else if (instruction === "EXPOSE") continue;
    else if (instruction === "HEALTHCHECK") built.healthcheck = JSON.parse(rest.slice(rest.indexOf("CMD ") + 4)) as string[];
    else if (instruction === "CMD") built.cmd = JSON.parse(rest) as string[];
    else assert.fail(`unknown instruction: ${line}`);
  }
  return { ...(built as Built), root, workdir, env };
}

function du(path: string): number {
  const s = lstatSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + du(join(path, name)), 0);
}

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

test("the generated context builds here (npm offline, the extension, almanac inspect) and runs as its CMD says: versions, the database, its metadata, password protection, the plugin and its secret", async (t) => {
  // A site: `my data.db`, the seed metadata (password plugin, allow block) describing it, a packaged plugin.
  const dir = tempDir("almanac-build-site-");
  makeDatabase(join(dir, "my data.db"), "create table items (id integer primary key, name text); insert into items (name) values ('one'), ('two');");
  const { bigmac, ...rest } = SEED_METADATA.databases;
  writeFileSync(join(dir, "metadata.json"), JSON.stringify({ ...SEED_METADATA, databases: { ...rest, "my data": bigmac } }));
  const out = join(tempDir("almanac-build-"), "deploy");
  const generated = runAlmanac(
    ["publish", "kubernetes", "my data.db", "-m", "metadata.json", "--image", "example/site:1", "--generate-dir", out, "--install", EXAMPLE_PACKAGE,
      "--install", "datasette-auth-passwords", "--plugin-secret", "almanac-plugin-example", "api_key", PLUGIN_SECRET, "--version-note", "built here"],
    fakeTools([]).env,
    dir,
  );
  assert.equal(generated.status, 0, generated.stderr);

  const scratch = tempDir("almanac-stages-");
  t.after(() => rmSync(scratch, { recursive: true, force: true })); // tens of MB of node_modules
  const built = buildHere(join(out, "context"), scratch, (s) => t.diagnostic(s));
  assert.deepEqual(built.skipped.map((l) => l.split(" && ")[1]), ["apt-get install -y --no-install-recommends g++ make python3"], "only apt-get is skipped");
  assert.equal(built.user, "node");
  const site = join(built.root, "app", "site");
  const inspected = JSON.parse(readFileSync(join(site, "inspect-data.json"), "utf8")) as Record<string, { hash: string; tables: Record<string, { count: number }> }>;
  assert.deepEqual(inspected["my data"].tables, { items: { count: 2 } });
  const bs3 = join(built.root, "app", "node_modules", "better-sqlite3");
  if (!built.fallback) assert.deepEqual([readdirSync(bs3).sort(), readdirSync(join(bs3, "build", "Release"))], [["LICENSE", "README.md", "binding.gyp", "build", "lib", "package.json"], ["better_sqlite3.node"]], "only the addon and its JavaScript are left");
  const modules = du(join(built.root, "app", "node_modules"));
  t.diagnostic(`runtime stage: node_modules ${MB(modules)}, site ${MB(du(site))} (du of the stage's files; the base image comes on top)`);

  // Start it as the container does: CMD, the stage's ENV, the pod's Secret as environment, PORT chosen by the test.
  const secrets = Object.fromEntries(
    readFileSync(join(out, "secrets.env"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const server = spawn(built.cmd[0], built.cmd.slice(1), { cwd: join(built.root, built.workdir), env: { PATH: process.env.PATH, ...built.env, ...secrets, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let output = "";
    server.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout!.on("data", (c: Buffer) => {
        output += c.toString();
        const m = /Almanac serving at http:\/\/[^:]+:(\d+)\//.exec(output);
        if (m) resolve(m[1]);
      });
      server.once("exit", (code) => reject(new Error(`the server exited with ${code}: ${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const get = (path: string, auth = true) => fetch(`${base}${path}`, { headers: auth ? { authorization: BASIC } : {} });

    assert.equal((await get("/-/versions.json", false)).status, 401, "http_basic_auth covers every route");
    const versions = await get("/-/versions.json");
    assert.equal(versions.status, 200);
    assert.equal(((await versions.json()) as { almanac: { note?: string } }).almanac.note, "built here");

    const rows = await get("/my%20data/items.json?_shape=array");
    assert.equal(rows.status, 200);
    assert.deepEqual(await rows.json(), [{ id: 1, name: "one" }, { id: 2, name: "two" }]);
    assert.equal((await get("/my%20data/items.json", false)).status, 401);
    const index = await (await get("/")).text();
    assert.match(index, /personal dataset instance/);
    assert.match(await (await get("/my%20data")).text(), /big mac index/);

    const databases = (await (await get("/-/databases.json")).json()) as { databases: { name: string; is_mutable: boolean; hash: string }[] };
    assert.deepEqual(databases.databases.map((d) => [d.name, d.is_mutable, d.hash]), [["my data", false, inspected["my data"].hash]], "opened immutable, as inspected");

    // The packaged plugin is installed and reads its secret from the environment ({"$env": …} in datasette.json).
    const config = (await (await get("/-/example-config/my%20data/items")).json()) as { instance: { api_key: string } };
    assert.equal(config.instance.api_key, PLUGIN_SECRET);
    assert.equal((await get("/-/static-plugins/almanac-plugin-example/example.css")).status, 200);

    // The image's health check passes against it (a 401 is an answer; no credentials needed).
    const health = spawnSync(built.healthcheck[0], built.healthcheck.slice(1), { env: { PATH: process.env.PATH, PORT: port }, timeout: 30_000 });
    assert.equal(health.status, 0);

    server.kill("SIGTERM");
    const [code] = await once(server, "exit");
    assert.equal(code, 0);
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
  }
});
