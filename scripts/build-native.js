// Compiles native/interrupt.c into build/almanac_interrupt.so: the SQLite extension that enforces
// query time limits (see docs/architecture.md, "Time limits"). Runs at `npm install`: as the package's own
// install script (so an installation from the registry or a tarball gets it) and again in prepare's build.
import { execFileSync } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const sqliteHeaders = join(dirname(require.resolve("better-sqlite3/package.json")), "deps", "sqlite3");
const out = join(root, "build", process.platform === "darwin" ? "almanac_interrupt.dylib" : "almanac_interrupt.so");
mkdirSync(dirname(out), { recursive: true });
if (!existsSync(join(sqliteHeaders, "sqlite3ext.h"))) {
  console.error(`build-native: sqlite3ext.h not found under ${sqliteHeaders}`);
  process.exit(1);
}
const cc = process.env.CC || "cc";
const args = ["-O2", "-fPIC", "-shared", "-Wall", "-I", sqliteHeaders, join(root, "native", "interrupt.c"), "-o", out, "-lpthread"];
if (process.platform === "darwin") args.splice(2, 1, "-dynamiclib");
try {
  execFileSync(cc, args, { stdio: "inherit" });
} catch {
  console.error(`build-native: compiling the time-limit extension failed (needs a C compiler: ${cc}).`);
  process.exit(1);
}
console.log(`build-native: ${out}`);
