/**
 * @module Custom pages (Datasette's `templates/pages/`): `pages/about.html` in `--template-dir` answers `/about`,
 * `pages/about/{slug}.html` answers `/about/<anything>` with `slug` in its context. They are consulted only
 * where Almanac would otherwise answer 404, so they never shadow a database, table or row. Inside, a template
 * may call `custom_status(code)`, `custom_header(name, value)`, `custom_redirect(url, code=302)` (same site
 * only) and `raise_404(message)`.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Almanac } from "../app.js";
import { BadRequest, HttpError, NotFound } from "../http/errors.js";
import { resolveInside } from "../http/files.js";
import type { AlmanacRequest } from "../http/request.js";
import type { Reply } from "../http/response.js";
import { renderPage } from "../render/html.js";
import { ensure } from "./common.js";

/** `raise_404()` in a custom page: a 404 that does not look for another custom page. */
export class PageNotFound extends NotFound {}

/** Walk limits: a template directory is small; these only stop a pathological one from costing every 404. */
const MAX_DEPTH = 8;
const MAX_FILES = 2000;
const VARIABLE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The characters Node accepts in a header value; anything else would make writing the response throw.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** `pages/…{var}….html` files of the template directory (relative, `/`-separated), sorted like Jinja's list. */
function patternTemplates(templateDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string, depth: number): void => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const name = `${rel}/${entry.name}`;
      // Symbolic links are not followed here; the template loader refuses any that leave the directory anyway.
      if (entry.isDirectory()) walk(join(dir, entry.name), name, depth + 1);
      else if (entry.isFile() && entry.name.endsWith(".html") && name.includes("{")) found.push(name.slice(1));
    }
  };
  walk(join(templateDir, "pages"), "", 0);
  return found.sort();
}

/** Datasette's route_pattern_from_filepath: `about/{slug}.html` → `^/about/(?<slug>[^/]*)$`. Null if a variable name is unusable. */
function routePattern(file: string): RegExp | null {
  const source = file.slice(0, -".html".length);
  let re = "^/";
  for (const bit of source.split(/(\{[^}]*\})/)) {
    if (!bit) continue;
    if (bit.startsWith("{")) {
      const m = VARIABLE.exec(bit);
      if (!m) return null;
      re += `(?<${m[1]}>[^/]*)`;
    } else {
      re += bit.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  try {
    return new RegExp(`${re}$`);
  } catch {
    return null; // e.g. the same variable twice
  }
}

/** A path that names a template without leaving `pages/`: non-empty segments, none `.` or `..`, no backslash or NUL. */
function isPagePath(path: string): boolean {
  if (path === "/" || !path.startsWith("/")) return false;
  return path
    .slice(1)
    .split("/")
    .every((seg) => seg !== "" && seg !== "." && seg !== ".." && !seg.includes("\\") && !seg.includes("\0"));
}

/** The template for a path and its route variables, or null. Exact files win over `{variable}` ones. */
function findPage(almanac: Almanac, path: string): { template: string; variables: Record<string, string> } | null {
  const dir = almanac.options.templateDir;
  if (!dir || !isPagePath(path)) return null;
  const exact = `pages${path}.html`;
  // The file itself, not templates.exists(): a page with a syntax error must fail loudly, not 404.
  if (isFileInside(dir, exact)) return { template: exact, variables: {} };
  for (const file of patternTemplates(dir)) {
    const m = routePattern(file)?.exec(path);
    if (m) return { template: `pages/${file}`, variables: { ...m.groups } };
  }
  return null;
}

/**
 * Where `location` leads, as a path on this site, or null if it leaves the site (`https://…`, `//host`,
 * `/\host`, or whitespace a browser would strip). Relative URLs resolve against the current page.
 */
export function sameSiteLocation(almanac: Almanac, req: AlmanacRequest, location: string): string | null {
  if (/[\x00-\x20\x7f\\]/.test(location)) return null;
  const origin = "http://almanac.invalid";
  let url: URL;
  try {
    url = new URL(location, origin + almanac.path(req.path));
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  return url.pathname + url.search + url.hash;
}

function isFileInside(dir: string, rel: string): boolean {
  try {
    return statSync(resolveInside(dir, rel)).isFile();
  } catch {
    return false;
  }
}

interface PageState {
  status: number;
  headers: Record<string, string>;
  /** What stopped the page (raise_404, a refused redirect): Nunjucks wraps errors, so it is kept here too. */
  failure: Error | null;
}

/** The template functions, recording what the page asks for in `state`. */
function pageFunctions(almanac: Almanac, req: AlmanacRequest, state: PageState) {
  const fail = (err: Error): never => {
    state.failure = err;
    throw err;
  };
  const setLocation = (url: unknown): void => {
    const location = sameSiteLocation(almanac, req, String(url));
    if (location === null) fail(new BadRequest(`custom_redirect() only leads to pages of this site, not ${String(url)}`));
    state.headers.location = location!;
  };
  return {
    custom_status(code: unknown): string {
      const n = Number(code);
      if (!Number.isInteger(n) || n < 200 || n > 599) fail(new Error(`custom_status(${String(code)}): not an HTTP status`));
      state.status = n;
      return "";
    },
    custom_header(name: unknown, value: unknown): string {
      const key = String(name);
      const text = String(value);
      if (!HEADER_NAME.test(key) || !HEADER_VALUE.test(text)) fail(new Error(`custom_header(${JSON.stringify(key)}, …): not a valid header`));
      if (key.toLowerCase() === "location") setLocation(text);
      else state.headers[key.toLowerCase()] = text;
      return "";
    },
    custom_redirect(url: unknown, code: unknown = 302): string {
      const n = Number(code);
      if (!Number.isInteger(n) || n < 300 || n > 399) fail(new Error(`custom_redirect(…, ${String(code)}): not a redirect status`));
      setLocation(url);
      state.status = n;
      return "";
    },
    raise_404(message: unknown = ""): string {
      return fail(new PageNotFound(String(message ?? "") || "Not found"));
    },
  };
}

/** Render the custom page for this request's path, or null if there is none. */
export async function customPage(almanac: Almanac, req: AlmanacRequest): Promise<Reply | null> {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  const page = findPage(almanac, req.path);
  if (!page) return null;
  ensure(almanac, req, "view-instance");
  // `request.url_vars` are the page's own variables, not those of the route that did not match.
  req.params = { ...page.variables };
  const state: PageState = { status: 200, headers: {}, failure: null };
  let reply: Reply;
  try {
    reply = await renderPage(almanac, req, {
      templates: [page.template],
      context: { ...page.variables, ...pageFunctions(almanac, req, state) },
      bodyClass: "custom-page",
    });
  } catch (err) {
    // Nunjucks wraps errors thrown inside a template; the recorded one is what the page meant.
    throw state.failure ?? err;
  }
  return { ...reply, status: state.status, headers: { ...reply.headers, ...state.headers } };
}

/**
 * Run a route (or the "no route" 404): if it ends in a plain 404, a custom page for the path answers instead.
 * An explicit `raise_404()` from a custom page is final.
 */
export async function orCustomPage(almanac: Almanac, req: AlmanacRequest, handler: () => Promise<Reply>): Promise<Reply> {
  try {
    return await handler();
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 404 || err instanceof PageNotFound) throw err;
    const page = await customPage(almanac, req);
    if (!page) throw err;
    return page;
  }
}
