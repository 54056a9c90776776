/** @module Files from `--static MOUNT:DIR` mounts, with no way out of the mounted directory. */
import { statSync, readFileSync } from "node:fs";
import { Forbidden } from "../http/errors.js";
import { contentType, resolveInside } from "../http/files.js";
import type { Reply } from "../http/response.js";

export function staticMountFile(dir: string, rel: string) {
  return async (): Promise<Reply> => {
    const full = resolveInside(dir, rel);
    const st = statSync(full);
    if (st.isDirectory()) throw new Forbidden("Directory listings are not allowed");
    return {
      status: 200,
      headers: { "content-type": contentType(full), "cache-control": "max-age=3600, public" },
      body: readFileSync(full),
    };
  };
}
