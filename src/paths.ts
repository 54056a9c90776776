/**
 * @module Where Almanac's own files are. Source runs from src/ (tests, through tsx) and the build from
 * dist/src/; both find the package root by walking up to package.json, so no module counts `..`s.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`almanac: no package.json above ${from}`);
  }
}

/** The directory holding Almanac's package.json. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
