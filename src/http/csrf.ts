/**
 * @module Cross-site request forgery (Datasette §11.10): every request that could change state (anything
 * but GET, HEAD and OPTIONS) must come from this site. A Bearer token without cookies is exempt (scripts
 * cannot be tricked into sending one); otherwise `Sec-Fetch-Site` must be `same-origin` or `none`, or —
 * from browsers without it — `Origin` must be this site. A request with neither header is not from a browser.
 */
import type { AlmanacRequest } from "./request.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function defaultPort(scheme: string): string {
  return scheme === "https" ? "443" : "80";
}

/** Why a request is refused as cross-site, or null when it may proceed. */
export function csrfProblem(req: AlmanacRequest): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  if (req.header("authorization")?.startsWith("Bearer ") && !req.header("cookie")) return null;
  const site = req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin" || site === "none" ? null : `Sec-Fetch-Site is ${JSON.stringify(site)}`;
  const origin = req.header("origin");
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "the Origin header is malformed";
  }
  const scheme = url.protocol.replace(/:$/, "");
  const expected = new URL(`${req.scheme}://${req.host}`);
  const same = scheme === req.scheme && url.hostname === expected.hostname && (url.port || defaultPort(scheme)) === (expected.port || defaultPort(req.scheme));
  return same ? null : `Origin ${origin} is not this site`;
}
