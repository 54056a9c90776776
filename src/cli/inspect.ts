/** @module `almanac inspect`: hash, size and exact table counts of database files, in Datasette's inspect-data.json shape. */
import { existsSync, statSync, writeFileSync } from "node:fs";
import Sqlite from "better-sqlite3";
import { StartupError } from "../http/errors.js";
import type { InspectData } from "../config/options.js";
import { quoteIdentifier } from "../sql/quote.js";
import { databaseNames, loadExtension, parseExtensionSpec, sha256File } from "../db/files.js";
import { processIo, type Io } from "./io.js";

/**
 * Inspects each file read-only: sha256 of the bytes, size, and `count(*)` of every table (no cap, unlike
 * page counts). A table that cannot be counted (e.g. a virtual table whose module is missing) gets `null`,
 * as in Datasette.
 */
export async function inspectDatabases(files: string[], loadExtensions: string[] = []): Promise<InspectData> {
  for (const file of files) {
    if (!existsSync(file)) throw new StartupError(`database file not found: ${file}`);
    if (statSync(file).isDirectory()) throw new StartupError(`${file} is a directory, not a database file`);
  }
  const data: InspectData = {};
  const names = databaseNames(files);
  for (const [i, file] of files.entries()) {
    let db: Sqlite.Database;
    try {
      db = new Sqlite(file, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new StartupError(`cannot open ${file}: ${(err as Error).message}`);
    }
    try {
      for (const spec of loadExtensions) {
        try {
          const { path, entryPoint } = parseExtensionSpec(spec);
          loadExtension(db, path, entryPoint);
        } catch (err) {
          throw new StartupError(`cannot load extension ${spec}: ${(err as Error).message}`);
        }
      }
      let tableNames: string[];
      try {
        tableNames = (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name);
      } catch (err) {
        throw new StartupError(`cannot read ${file} as a SQLite database: ${(err as Error).message}`);
      }
      const tables: Record<string, { count: number }> = {};
      for (const table of tableNames) {
        let count: number | null = null;
        try {
          count = (db.prepare(`select count(*) as n from ${quoteIdentifier(table)}`).get() as { n: number }).n;
        } catch {
          // Datasette records uncountable tables as null rather than failing the whole inspection.
        }
        (tables as Record<string, { count: number | null }>)[table] = { count };
      }
      data[names[i]] = { hash: await sha256File(file), size: statSync(file).size, file, tables };
    } finally {
      db.close();
    }
  }
  return data;
}

export interface InspectFlags {
  inspectFile?: string;
  loadExtension?: string[];
}

/** Runs `almanac inspect`; writes JSON to `--inspect-file` (default `-`, stdout). */
export async function runInspect(files: string[], opts: InspectFlags, io: Io = processIo): Promise<number> {
  const envExtensions = (io.env.DATASETTE_LOAD_EXTENSION ?? "").split(/\s+/).filter(Boolean);
  const data = await inspectDatabases(files, opts.loadExtension?.length ? opts.loadExtension : envExtensions);
  const json = `${JSON.stringify(data, null, 2)}\n`;
  const target = opts.inspectFile ?? "-";
  if (target === "-") io.stdout(json);
  else {
    try {
      writeFileSync(target, json);
    } catch (err) {
      throw new StartupError(`cannot write ${target}: ${(err as Error).message}`);
    }
  }
  return 0;
}
