/**
 * @module Datasette plugins whose features Almanac has built in. A user following a Datasette tutorial types
 * `almanac install datasette-vega` (or `publish … --install datasette-auth-passwords`): those names are
 * recognised here, told apart from real npm packages, and answered with a one-line notice.
 */

export interface BuiltinEquivalent {
  /** The Datasette plugin (PyPI name). */
  datasette: string;
  /** The built-in Almanac plugin that does its job (its name in /-/plugins.json and under `plugins:` in the configuration). */
  builtin: string;
  /** What it does, for the notice. */
  feature: string;
}

export const BUILTIN_EQUIVALENTS: readonly BuiltinEquivalent[] = [
  { datasette: "datasette-vega", builtin: "almanac-charts", feature: "charts on table and query pages" },
  // Configured under the Datasette plugin's own name, so existing metadata/config files keep working.
  { datasette: "datasette-auth-passwords", builtin: "datasette-auth-passwords", feature: "password sign-in" },
];

/**
 * The built-in equivalent of a package argument, if it names one of those Datasette plugins: pip's
 * spellings (`datasette_vega`, `Datasette-Vega==0.6.2`, `datasette-vega>=0.6`) and npm's (`datasette-vega@0.6`).
 */
export function builtinEquivalent(arg: string): BuiltinEquivalent | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(?:==|>=|<=|~=|!=|>|<|@|\[).*)?$/.exec(arg);
  if (!m) return undefined;
  const name = m[1].toLowerCase().replace(/[._]+/g, "-");
  return BUILTIN_EQUIVALENTS.find((e) => e.datasette === name);
}

/** The one-line notice for a Datasette plugin that is built in, instead of running npm for it. */
export function equivalentNotice(arg: string, e: BuiltinEquivalent, action: "install" | "uninstall"): string {
  const what = `almanac: ${arg.trim()} is built into Almanac (${e.feature}: the built-in ${e.builtin} plugin)`;
  if (action === "install") return `${what}; nothing to install`;
  return `${what}; nothing to uninstall (to turn it off, set plugins: {"${e.builtin}": {"enabled": false}} in the configuration)`;
}
