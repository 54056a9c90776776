/**
 * @module `/<db>.db`: the database file itself, for databases that cannot change (opened with `-i`), when
 * `allow_download` is on and the actor may `view-database-download` (Datasette's rules) and see every table in
 * it (the file holds them all). Streamed from disk
 * with the file's SHA-256 as its ETag.
 */
import { createReadStream } from "node:fs";
import type { Almanac } from "../app.js";
import type { Actor } from "../auth/permissions.js";
import type { Database } from "../db/index.js";
import { Forbidden } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply, StreamedBody } from "../http/response.js";
import { canViewTable } from "./common.js";

/** Whether `/<db>.db` serves this database to this actor (the database page shows the link only then). */
export function canDownload(almanac: Almanac, actor: Actor, db: Database): boolean {
  return (
    almanac.settings.allow_download &&
    !db.isMemory &&
    !db.isMutable &&
    db.path !== null &&
    almanac.permissions.allowed(actor, "view-database-download", { database: db.name }) &&
    // The file holds every table: an actor who may not see one of them may not have the file.
    db.schema().tables.every((t) => canViewTable(almanac, actor, db, t.name))
  );
}

function fileBody(path: string): StreamedBody {
  const it = createReadStream(path, { highWaterMark: 1 << 16 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => it.next(),
    return: async (value?: unknown) => (it.return ? it.return(value) : { done: true as const, value: undefined }),
  };
}

/** The download itself; the database has been resolved (view-database checked) by the caller. */
export async function downloadDatabase(req: AlmanacRequest, almanac: Almanac, db: Database): Promise<Reply> {
  if (!canDownload(almanac, req.actor, db)) {
    throw new Forbidden(db.isMutable ? "Only immutable databases (opened with -i) can be downloaded" : "Database download is forbidden");
  }
  const hash = await db.hash();
  const etag = `"${hash}"`;
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    // Only safe characters in the header's filename; the name itself may hold anything.
    "content-disposition": `attachment; filename="${db.name.replace(/[^\w.-]/g, "_")}.db"`,
    etag,
    // Shared caches may keep it only when anyone may download it; otherwise the server's default applies
    // (private, no-store for the signed-in actor who could).
    "cache-control": canDownload(almanac, null, db) ? "max-age=31536000, public" : "max-age=31536000",
  };
  if (req.header("if-none-match") === etag) return { status: 304, headers, body: "" };
  return { status: 200, headers, body: fileBody(db.path!) };
}
