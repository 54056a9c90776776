/** @module Files from `--static MOUNT:DIR` mounts, with no way out of the mounted directory. */
import { realpathSync, statSync, readFileSync } from "node:fs";
import { extname, join, sep } from "node:path";
import { NotFound, Forbidden } from "../http/errors.js";
import type { Reply } from "../http/response.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
  ".webp": "image/webp", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff", ".csv": "text/csv; charset=utf-8",
  ".pdf": "application/pdf", ".wasm": "application/wasm",
};

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

export function staticMountFile(dir: string, rel: string) {
  return async (): Promise<Reply> => {
    const full = resolveInside(dir, rel);
    const st = statSync(full);
    if (st.isDirectory()) throw new Forbidden("Directory listings are not allowed");
    return {
      status: 200,
      headers: { "content-type": TYPES[extname(full).toLowerCase()] ?? "application/octet-stream", "cache-control": "max-age=3600, public" },
      body: readFileSync(full),
    };
  };
}
