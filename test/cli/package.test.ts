/**
 * End to end, the built CLI: `almanac package` writing its build context to `--generate-dir` (asserted file by
 * file) and running a fake `docker build` in it, or saying how to build it when docker is not on PATH; the
 * inputs it refuses; WAL databases copied whole. The context itself is built and run in package-build.test.ts.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { makeDatabase, tempDir } from "../fixtures/server.js";
import { EXAMPLE_PACKAGE } from "../fixtures/plugin-packages/example.js";
import { fakeTools, runAlmanac } from "../fixtures/fake-gcloud.js";

const VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
const TARBALL = `almanac-${VERSION}.tgz`;

function folderWith(files: Record<string, string>): string {
  const dir = tempDir("almanac-files-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("almanac package", () => {
  let dir: string;
  before(() => {
    dir = tempDir("almanac-package-test-");
    makeDatabase(join(dir, "my data.db"), "create table t (id integer primary key); insert into t values (1);");
    makeDatabase(join(dir, "two.db"), "create table u (id integer primary key);");
  });

  test("--generate-dir: the context file by file, and docker build run in it", () => {
    const tools = fakeTools(["docker"]);
    const out = join(tempDir(), "ctx");
    const templates = folderWith({ "index.html": "{% extends 'default:index.html' %}" });
    const plugins = folderWith({ "hello.mjs": "export default {};" });
    const assets = folderWith({ "site.css": "body {}" });
    const r = runAlmanac(
      ["package", "my data.db", "two.db", "--generate-dir", out, "-t", "my-site:1", "-p", "9000",
        "--title", "Big Mac", "--license", "CC BY 4.0", "--license_url", "https://creativecommons.org/licenses/by/4.0/", "--source", "The Economist",
        "--source-url", "https://github.com/TheEconomist/big-mac-data", "--about", "About", "--about_url", "https://example.com/about",
        "--template-dir", templates, "--plugins-dir", plugins, "--static", `assets:${assets}`,
        "--install", EXAMPLE_PACKAGE, "--install", "datasette-auth-passwords", "--cors", "--spatialite", "--apt-get-install", "libgdal32",
        "--extra-options", `--setting default_page_size 50 --setting base_url "/my site/"`],
      tools.env,
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "fake docker: ok\nBuilt my-site:1; run it with: docker run -p 9000:9000 my-site:1\n", "docker's output, then how to run the image");
    assert.equal(r.stderr, "almanac: datasette-auth-passwords is built into Almanac (password sign-in: the built-in datasette-auth-passwords plugin); nothing to install\n");

    const [docker] = tools.calls();
    assert.deepEqual([docker.tool, docker.args, docker.cwd], ["docker", ["build", "-t", "my-site:1", "."], out]);
    assert.deepEqual(Object.keys(docker.context!).sort(), [
      "Dockerfile", TARBALL, "packages/almanac-plugin-example-1.2.0.tgz", "site/metadata.json", "site/my data.db",
      "site/plugins/hello.mjs", "site/static/1/site.css", "site/templates/index.html", "site/two.db",
    ]);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "site", "metadata.json"), "utf8")), {
      title: "Big Mac", license: "CC BY 4.0", license_url: "https://creativecommons.org/licenses/by/4.0/", source: "The Economist",
      source_url: "https://github.com/TheEconomist/big-mac-data", about: "About", about_url: "https://example.com/about",
    });
    const dockerfile = readFileSync(join(out, "Dockerfile"), "utf8");
    const lines = dockerfile.split("\n");
    assert.ok(lines.includes("COPY packages/ ./packages/"));
    assert.ok(lines.includes(`RUN ["npm", "install", "--omit=dev", "--no-audit", "--no-fund", "--no-update-notifier", "./${TARBALL}", "./packages/almanac-plugin-example-1.2.0.tgz"]`));
    assert.ok(lines.includes(`RUN ["../node_modules/.bin/almanac", "inspect", "--inspect-file", "inspect-data.json", "./my data.db", "./two.db"]`));
    assert.ok(lines.includes("RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-mod-spatialite libgdal32 && rm -rf /var/lib/apt/lists/*"));
    assert.ok(lines.includes("ENV NODE_ENV=production PORT=9000"));
    assert.ok(lines.includes("EXPOSE 9000"));
    assert.equal(
      lines.find((l) => l.startsWith("CMD ")),
      `CMD ["sh", "-c", "exec ../node_modules/.bin/almanac serve --host 0.0.0.0 --port \\"\${PORT:-9000}\\" -i './my data.db' -i ./two.db --inspect-file inspect-data.json -m metadata.json --template-dir templates --plugins-dir plugins --static assets:static/1 --load-extension spatialite --cors --setting default_page_size 50 --setting base_url '/my site/'"]`,
    );
    assert.ok(!dockerfile.includes("force_https_urls"), "only platforms terminating TLS get force_https_urls");
  });

  test("without docker: --generate-dir keeps the context and exits 0; without --generate-dir it keeps the temporary one and exits 1", () => {
    const env = fakeTools([]).env;
    const out = join(tempDir(), "ctx");
    const r = runAlmanac(["package", "my data.db", "--generate-dir", out, "-t", "x"], env, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `almanac: docker was not found on PATH, so no image was built; the build context is in ${out}\nalmanac: build it with: docker build -t x ${out}\n`);
    assert.ok(existsSync(join(out, "Dockerfile")));

    const temp = runAlmanac(["package", "my data.db", "--secret", "s3cret"], env, dir);
    assert.equal(temp.status, 1);
    const kept = /the build context is in (\S+)\n/.exec(temp.stderr)?.[1];
    assert.ok(kept && existsSync(join(kept, "Dockerfile")), temp.stderr);
    assert.match(temp.stderr, /^almanac: the secret is not written into the image \(secrets never go into image layers\): give it to the container as ALMANAC_SECRET when it starts\n/);
    assert.ok(!readdirSync(join(kept, "site")).some((f) => readFileSync(join(kept, "site", f)).includes("s3cret")));
    assert.ok(temp.stderr.endsWith(`almanac: build it with: docker build -t IMAGE ${kept}\n`));
    rmSync(kept, { recursive: true });
  });

  test("refused with one line before anything is written: names that would break the image, npm options, fixed serve flags, bad package names", () => {
    const env = fakeTools(["docker"]).env;
    const bad = tempDir();
    makeDatabase(join(bad, "new\nline.db"), "create table t (id integer);");
    makeDatabase(join(bad, "metadata.json"), "create table t (id integer);");
    mkdirSync(join(bad, "sub"));
    makeDatabase(join(bad, "sub", "two.db"), "create table t (id integer);");
    const cases: [string[], string][] = [
      [["new\nline.db"], `almanac: the database file name "new\\nline.db" contains a newline or another control character, which Almanac will not write into a Dockerfile\n`],
      [["metadata.json"], "almanac: a database file may not be called metadata.json (Almanac writes that name into the image)\n"],
      [[join(dir, "two.db"), "sub/two.db"], "almanac: two database files are called two.db: their names would clash in the image\n"],
      [[join(dir, "two.db"), "--install=--global"], "almanac: --install --global: not a package (npm would read it as an option)\n"],
      [[join(dir, "two.db"), "--install", "./missing-plugin"], "almanac: --install ./missing-plugin: no such file or directory\n"],
      [[join(dir, "two.db"), "--extra-options", "--port 9000"], "almanac: --extra-options may not set --port: the container listens on 0.0.0.0 and on $PORT\n"],
      [[join(dir, "two.db"), "--extra-options", "--setting base_url '/x"], `almanac: --extra-options: unterminated ' in "--setting base_url '/x"\n`],
      [[join(dir, "two.db"), "--apt-get-install", "gdal; rm -rf /"], `almanac: --apt-get-install "gdal; rm -rf /": not a Debian package name\n`],
      [[join(dir, "two.db"), "-s", "no_such_setting", "1"], /^almanac: unknown setting 'no_such_setting'; valid settings: /],
    ].map(([args, expected]) => [args as string[], expected as string]);
    for (const [args, expected] of cases) {
      const out = join(tempDir(), "ctx");
      const r = runAlmanac(["package", ...args, "--generate-dir", out], env, bad);
      assert.equal(r.status, 1, args.join(" "));
      if (typeof expected === "string") assert.equal(r.stderr, expected);
      else assert.match(r.stderr, expected);
      assert.deepEqual(readdirSync(out), [], "nothing written");
    }
  });

  test("a WAL database is copied with what is still in its -wal file, and switched to rollback mode", () => {
    const src = tempDir();
    const path = join(src, "wal.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("create table t (id integer primary key); insert into t values (1), (2), (3);");
    try {
      assert.ok(existsSync(`${path}-wal`));
      const out = join(tempDir(), "ctx");
      const r = runAlmanac(["package", "wal.db", "--generate-dir", out], fakeTools([]).env, src);
      assert.equal(r.status, 0, r.stderr);
      const copy = new Database(join(out, "site", "wal.db"), { readonly: true });
      assert.equal(copy.pragma("journal_mode", { simple: true }), "delete");
      assert.equal((copy.prepare("select count(*) as n from t").get() as { n: number }).n, 3);
      copy.close();
    } finally {
      db.close();
    }
  });
});
