#!/usr/bin/env node
// Entry point of the `almanac` command: the compiled CLI lives in dist/ (built by `npm install`).
import { main } from "../dist/src/cli/index.js";

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`almanac: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
