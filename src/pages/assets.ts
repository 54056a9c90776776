/**
 * @module Serving Almanac's own static assets at `/-/static/<path>` and `/favicon.ico`. URLs carry `?_hash=`
 * of the file's content: a matching hash is cached for a year (`immutable`); anything else gets an ETag and
 * a short cache.
 */
import { statSync } from "node:fs";
import { Forbidden } from "../http/errors.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { assetPath, loadAsset, type Asset } from "../render/assets.js";

function serve(req: AlmanacRequest, asset: Asset, cacheControl: string): Reply {
  const etag = `"${asset.hash}"`;
  const headers = { "content-type": asset.type, etag, "cache-control": cacheControl };
  if (req.header("if-none-match") === etag) return { status: 304, headers, body: "" };
  return { status: 200, headers, body: asset.body };
}

export async function staticAssetPage(req: AlmanacRequest): Promise<Reply> {
  const full = assetPath(req.params.path);
  if (statSync(full).isDirectory()) throw new Forbidden("Directory listings are not allowed");
  const asset = loadAsset(full);
  const immutable = req.arg("_hash") === asset.hash;
  return serve(req, asset, immutable ? "max-age=31536000, immutable, public" : "max-age=3600, public");
}

export async function faviconPage(req: AlmanacRequest): Promise<Reply> {
  return serve(req, loadAsset(assetPath("favicon.png")), "max-age=3600, public");
}
