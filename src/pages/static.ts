/** @module Files from `--static MOUNT:DIR` mounts and plugins' `static/` folders, with no way out of the folder. */
import { statSync, readFileSync } from "node:fs";
import type { Almanac } from "../app.js";
import { Forbidden, NotFound } from "../http/errors.js";
import { contentType, resolveInside } from "../http/files.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { tildeDecode } from "../http/tilde.js";

function fileReply(dir: string, rel: string): Reply {
  const full = resolveInside(dir, rel);
  const st = statSync(full);
  if (st.isDirectory()) throw new Forbidden("Directory listings are not allowed");
  return {
    status: 200,
    headers: { "content-type": contentType(full), "cache-control": "max-age=3600, public" },
    body: readFileSync(full),
  };
}

export function staticMountFile(dir: string, rel: string) {
  return async (): Promise<Reply> => fileReply(dir, rel);
}

/** `/-/static-plugins/<name>/<path>`: a file from that plugin's `static/` folder. */
export async function pluginStaticFile(req: AlmanacRequest, almanac: Almanac): Promise<Reply> {
  const name = tildeDecode(req.params.plugin);
  const plugin = almanac.plugins.plugins.find((p) => p.name === name);
  if (!plugin?.staticDir) throw new NotFound(`No plugin named ${name} serves static files`);
  return fileReply(plugin.staticDir, req.params.path);
}
