/** @module Serving files safely: content types, and resolving a URL path inside a directory with no way out. */
import { realpathSync } from "node:fs";
import { extname, join, sep } from "node:path";
import { NotFound } from "./errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
  ".webp": "image/webp", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff", ".csv": "text/csv; charset=utf-8",
  ".pdf": "application/pdf", ".wasm": "application/wasm",
};

/** The Content-Type for a file, by extension. */
export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/** Resolve `rel` inside `dir`, refusing `..`, absolute paths, backslashes, NUL and symlinks that leave the mount. */
export function resolveInside(dir: string, rel: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    throw new NotFound("File not found");
  }
  const parts = decoded.split("/");
  if (decoded.includes("\\") || decoded.includes("\0") || decoded.startsWith("/") || parts.some((p) => p === ".." || p === ".")) {
    throw new NotFound("File not found");
  }
  let root: string;
  let full: string;
  try {
    root = realpathSync(dir);
    full = realpathSync(join(root, ...parts));
  } catch {
    throw new NotFound("File not found");
  }
  if (full !== root && !full.startsWith(root + sep)) throw new NotFound("File not found");
  return full;
}

