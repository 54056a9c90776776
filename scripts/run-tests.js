// Runs every test file under test/ with node:test (TypeScript through tsx). Usage: node scripts/run-tests.js [filter]
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const filter = process.argv[2];
const files = collect("test").filter((f) => !filter || relative("test", f).includes(filter));
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY || "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
