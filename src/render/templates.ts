/**
 * @module The template engine: Nunjucks (Jinja's syntax) with autoescaping, looking in `--template-dir` first,
 * then in each plugin's `templates/` folder (in plugin order), then in Almanac's own `templates/`.
 * `{% extends "default:table.html" %}` always reaches the built-in template, so an override can extend the
 * page it replaces, as Datasette's templates can.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import nunjucks from "nunjucks";
import { resolveInside } from "../http/files.js";
import { tildeEncode } from "../http/tilde.js";
import { quoteIdentifier } from "../sql/index.js";
import { PACKAGE_ROOT } from "../paths.js";

export const BUILTIN_TEMPLATES = join(PACKAGE_ROOT, "templates");
const DEFAULT_PREFIX = "default:";

/** Loads `name` from the user's directory, the plugins', then the built-in one; `default:name` from the built-in one only. */
class TemplateLoader extends nunjucks.Loader {
  constructor(private readonly dirs: string[]) {
    super();
  }

  getSource(name: string): nunjucks.LoaderSource | null {
    const builtinOnly = name.startsWith(DEFAULT_PREFIX);
    const bare = builtinOnly ? name.slice(DEFAULT_PREFIX.length) : name;
    for (const dir of builtinOnly ? [BUILTIN_TEMPLATES] : this.dirs) {
      let path: string;
      try {
        path = resolveInside(dir, bare);
      } catch {
        continue; // not in this directory (or a name that tries to leave it)
      }
      if (existsSync(path)) return { src: readFileSync(path, "utf8"), path, noCache: false };
    }
    return null;
  }
}

/**
 * Nunjucks sets seven `loop.*` variables per loop iteration through `Frame.set`, which splits each dotted name
 * on every call: on a 100-row, 20-column table that is most of the rendering time. The same assignment with
 * each name split once (names come from templates, so the cache is bounded) renders about twice as fast.
 */
function speedUpFrameSet(): void {
  const frame = (nunjucks.runtime as unknown as { Frame: { prototype: FrameLike & { __almanacFast?: boolean } } }).Frame.prototype;
  if (frame.__almanacFast) return;
  const original = frame.set;
  const splits = new Map<string, string[]>();
  frame.set = function (this: FrameLike, name: string, value: unknown, resolveUp?: boolean) {
    if (resolveUp) return original.call(this, name, value, resolveUp);
    let parts = splits.get(name);
    if (parts === undefined) splits.set(name, (parts = name.split(".")));
    let target = this.variables;
    for (let i = 0; i < parts.length - 1; i++) {
      if (!target[parts[i]]) target[parts[i]] = {};
      target = target[parts[i]] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  };
  frame.__almanacFast = true;
}
interface FrameLike {
  variables: Record<string, unknown>;
  set(name: string, value: unknown, resolveUp?: boolean): void;
}
speedUpFrameSet();

export class Templates {
  private readonly env: nunjucks.Environment;

  constructor(templateDir?: string, pluginTemplateDirs: readonly string[] = []) {
    const dirs = [...(templateDir ? [templateDir] : []), ...pluginTemplateDirs, BUILTIN_TEMPLATES];
    // The type definitions only know the built-in loaders; a Loader subclass with getSource is what Nunjucks expects.
    const loader = new TemplateLoader(dirs) as unknown as nunjucks.ILoaderAny;
    this.env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
    // Datasette's template filters, so overrides written for it keep working.
    this.env.addFilter("to_css_class", (s: unknown) => cssClass(String(s)));
    this.env.addFilter("quote_plus", (s: unknown) => encodeURIComponent(String(s)).replace(/%20/g, "+"));
    this.env.addFilter("escape_sqlite", (s: unknown) => quoteIdentifier(String(s)));
    // Datasette's escape_css_string: every other character as a six-digit CSS escape. The result holds only
    // [A-Za-z0-9 _-] and backslashes, so it is safe in HTML too, and marked so (autoescape would turn \ into &#92;).
    this.env.addFilter("escape_css_string", (s: unknown) =>
      new nunjucks.runtime.SafeString(String(s).replace(/\r\n/g, "\n").replace(/[^a-zA-Z0-9 _-]/gu, (c) => `\\${c.codePointAt(0)!.toString(16).toUpperCase().padStart(6, "0")}`)),
    );
    this.env.addFilter("tilde_encode", (s: unknown) => tildeEncode(String(s)));
  }

  // Template files are read once (Nunjucks caches what it compiles), so whether a name exists is cached too:
  // most lookups are for the specific names (`table-<db>-<t>.html`) that usually do not exist.
  private readonly known = new Map<string, boolean>();

  /** Whether a template of that name exists in any directory. */
  exists(name: string): boolean {
    let found = this.known.get(name);
    if (found === undefined) {
      try {
        this.env.getTemplate(name);
        found = true;
      } catch {
        found = false;
      }
      this.known.set(name, found);
    }
    return found;
  }

  /** The first of `names` that exists (Datasette's lookup order), else the last. */
  choose(names: string[]): string {
    return names.find((n) => this.exists(n)) ?? names[names.length - 1];
  }

  /** Render the first of `names` that exists (Datasette's lookup order); the list is noted in an HTML comment. */
  render(names: string[], context: Record<string, unknown>): string {
    const chosen = this.choose(names);
    const considered = names.map((n) => (n === chosen ? `*${n}` : n)).join(", ");
    return this.env.render(chosen, { ...context, templates_considered: considered });
  }
}

/** Datasette's to_css_class: names that are valid CSS classes stay; others lose odd characters and gain an md5 suffix. */
export function cssClass(s: string): string {
  if (/^[a-zA-Z]+[_a-zA-Z0-9-]*$/.test(s)) return s;
  const suffix = createHash("md5").update(s, "utf8").digest("hex").slice(0, 6);
  const cleaned = s.replace(/^_+/, "").replace(/^-+/, "").split(/\s+/).filter(Boolean).join("-").replace(/[^a-zA-Z0-9_-]/g, "");
  return [cleaned, suffix].filter(Boolean).join("-");
}
