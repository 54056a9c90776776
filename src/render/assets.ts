/**
 * @module Almanac's own static files: the bundles scripts/build-assets.js writes to `dist/static/` (app.js,
 * app.css, editor.js), then the repository's `static/` folder (images). Read and fingerprinted once.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../paths.js";
import type { Almanac } from "../app.js";
import { contentType, resolveInside } from "../http/files.js";

/** Where assets are looked up, built bundles first. */
export const STATIC_DIRS = [join(PACKAGE_ROOT, "dist", "static"), join(PACKAGE_ROOT, "static")];

export interface Asset {
  body: Buffer;
  hash: string;
  type: string;
}

// Assets ship with the package and never change while it runs: read and hash each once.
const cache = new Map<string, Asset>();

export function loadAsset(full: string): Asset {
  let asset = cache.get(full);
  if (!asset) {
    const body = readFileSync(full);
    asset = { body, hash: createHash("sha256").update(body).digest("hex").slice(0, 12), type: contentType(full) };
    cache.set(full, asset);
  }
  return asset;
}

/** The full path of an asset under the first static directory that has it (none, or a name that escapes: 404). */
export function assetPath(path: string): string {
  for (const dir of STATIC_DIRS.slice(0, -1)) {
    try {
      return resolveInside(dir, path);
    } catch {
      // not built there: try the next directory
    }
  }
  return resolveInside(STATIC_DIRS[STATIC_DIRS.length - 1], path);
}

// Pages ask for the same few URLs on every request: resolve each name once.
const hashes = new Map<string, string>();

/** The fingerprinted URL of an asset, e.g. `/-/static/app.css?_hash=1a2b3c4d5e6f`. */
export function staticUrl(almanac: Almanac, path: string): string {
  let hash = hashes.get(path);
  if (hash === undefined) hashes.set(path, (hash = loadAsset(assetPath(path)).hash));
  return almanac.path(`/-/static/${path}?_hash=${hash}`);
}

