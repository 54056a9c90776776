/** @module Almanac's own static files (the repository's `static/` folder): read and fingerprinted once. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Almanac } from "../app.js";
import { contentType, resolveInside } from "../http/files.js";

/** static/ beside src/ and dist/. */
export const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "static");

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

/** The fingerprinted URL of an asset, e.g. `/-/static/app.css?_hash=1a2b3c4d5e6f`. */
export function staticUrl(almanac: Almanac, path: string): string {
  const asset = loadAsset(resolveInside(STATIC_DIR, path));
  return almanac.path(`/-/static/${path}?_hash=${asset.hash}`);
}

