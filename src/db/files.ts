/** @module Facts about database files shared by `serve` and `inspect`: names, hashes and extension specs. */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { basename, extname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";

/** Database names are file stems, de-duplicated with _2, _3… as Datasette does. */
export function databaseNames(paths: string[]): string[] {
  const used = new Set<string>();
  return paths.map((p) => {
    const stem = basename(p, extname(p));
    let name = stem;
    for (let i = 2; used.has(name); i++) name = `${stem}_${i}`;
    used.add(name);
    return name;
  });
}

/** SHA-256 of a file's bytes, streamed (Datasette's database `hash`). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const SPATIALITE_PATHS = [
  "/usr/lib/x86_64-linux-gnu/mod_spatialite.so",
  "/usr/lib/aarch64-linux-gnu/mod_spatialite.so",
  "/usr/local/lib/mod_spatialite.dylib",
  "/usr/local/lib/mod_spatialite.so",
  "/opt/homebrew/lib/mod_spatialite.dylib",
];

/**
 * `PATH[:ENTRYPOINT]` (keeping a Windows drive letter intact), with the keyword `spatialite` resolved to
 * the installed mod_spatialite. Throws when spatialite is asked for and not installed.
 */
export function parseExtensionSpec(spec: string): { path: string; entryPoint?: string } {
  const i = spec.lastIndexOf(":");
  const [path, entryPoint] = i > 1 ? [spec.slice(0, i), spec.slice(i + 1)] : [spec, undefined];
  if (path === "spatialite") {
    const found = SPATIALITE_PATHS.find((p) => existsSync(p));
    if (!found) throw new Error("--load-extension spatialite: mod_spatialite was not found (install libsqlite3-mod-spatialite)");
    return { path: found, entryPoint };
  }
  return { path, entryPoint };
}

/** better-sqlite3 accepts an entry point as a second argument; its type definitions omit it. */
export function loadExtension(conn: BetterSqlite3.Database, path: string, entryPoint?: string): void {
  (conn.loadExtension as (path: string, entryPoint?: string) => void).call(conn, path, entryPoint);
}
