/**
 * @module `almanac create-token ID`: mint a `dstok_` API token signed with the server's secret (Datasette's
 * `datasette create-token`), optionally expiring and restricted to some actions (`-a`), actions on a database
 * (`-d DB ACTION`) or on one table, view or stored query (`-r DB RESOURCE ACTION`). A server started with the
 * same secret accepts it.
 */
import { StartupError } from "../http/errors.js";
import { buildRestrictions } from "../auth/permissions.js";
import { Signer } from "../auth/signer.js";
import { createToken, TOKEN_PREFIX } from "../auth/tokens.js";
import { processIo, type Io } from "./io.js";

export interface CreateTokenFlags {
  secret?: string;
  expiresAfter?: string;
  all?: string[];
  /** `[db, action]` pairs. */
  database?: [string, string][];
  /** `[db, resource, action]` triples. */
  resource?: [string, string, string][];
  debug?: boolean;
}

export async function runCreateToken(id: string, opts: CreateTokenFlags, io: Io = processIo): Promise<number> {
  const secret = opts.secret || io.env.ALMANAC_SECRET || io.env.DATASETTE_SECRET;
  if (!secret) {
    throw new StartupError("create-token needs the server's secret: pass --secret or set ALMANAC_SECRET or DATASETTE_SECRET (a token signed with another secret is refused)");
  }
  let expiresAfter: number | undefined;
  if (opts.expiresAfter !== undefined) {
    if (!/^\d+$/.test(opts.expiresAfter.trim()) || Number(opts.expiresAfter) <= 0) throw new StartupError(`--expires-after must be a whole number of seconds greater than 0, got '${opts.expiresAfter}'`);
    expiresAfter = Number(opts.expiresAfter);
  }
  let restrictions;
  try {
    restrictions = buildRestrictions(opts.all ?? [], opts.database ?? [], opts.resource ?? []);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const signer = new Signer(secret);
  const token = createToken(signer, id, { expiresAfter, restrictions: restrictions as Record<string, unknown> | undefined });
  io.stdout(`${token}\n`);
  if (opts.debug) io.stdout(`\nDecoded:\n\n${JSON.stringify(signer.unsign(token.slice(TOKEN_PREFIX.length), "token"), null, 2)}\n`);
  return 0;
}
