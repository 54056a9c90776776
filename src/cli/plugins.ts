/**
 * @module The plugin commands: `almanac install|uninstall` (npm, in the prefix plugins are loaded from),
 * `almanac plugins` (what is loaded, as `/-/plugins.json` says it), and the commands plugins add through
 * `register_commands` and `publish_subcommand`.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { StartupError } from "../http/errors.js";
import { PluginError, PluginManager } from "../plugins/manager.js";
import { installationPrefix, loadPlugins } from "../plugins/load.js";
import { PACKAGE_ROOT } from "../paths.js";
import { builtinEquivalent, equivalentNotice } from "./datasette-plugins.js";
import { processIo, type Io } from "./io.js";
import { loadPluginsFromEnv, prefixFromEnv } from "./plugin-env.js";

/** Runs npm with `args`, its output passed through; resolves to its exit code. Tests pass a fake. */
export type NpmRunner = (args: string[], io: Io) => Promise<number>;

export interface PluginCommandDeps {
  runNpm?: NpmRunner;
}

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** The real npm: its output goes straight to the terminal (to `io` when the output is captured). */
export const runNpm: NpmRunner = (args, io) =>
  new Promise((resolve, reject) => {
    const inherit = io === processIo;
    const child = spawn(NPM, args, { env: io.env, stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    if (!inherit) {
      child.stdout!.on("data", (chunk: Buffer) => io.stdout(chunk));
      child.stderr!.on("data", (chunk: Buffer) => io.stderr(chunk.toString("utf8")));
    }
    child.on("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "ENOENT" ? new StartupError("npm was not found on PATH: almanac install and uninstall run npm (it comes with Node.js)") : err);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

/**
 * Where npm should put plugins: `--prefix <prefix>` — the prefix discovery searches — or `--global` when
 * that is npm's own global folder (Almanac installed with `npm install -g`), so npm keeps its global
 * bookkeeping instead of writing a package.json into it.
 */
function npmLocation(env: Io["env"]): string[] {
  const override = prefixFromEnv(env);
  const prefix = override ?? installationPrefix();
  if (!override && prefix !== PACKAGE_ROOT) {
    // Almanac lives in <prefix>/node_modules: is that npm's global root?
    const root = spawnSync(NPM, ["root", "--global"], { encoding: "utf8", env, shell: process.platform === "win32" });
    try {
      if (root.status === 0 && realpathSync(root.stdout.trim()) === realpathSync(join(prefix, "node_modules"))) return ["--global"];
    } catch {
      // no global root (or no such folder): use the prefix
    }
  }
  return ["--prefix", prefix];
}

/** Splits arguments into Datasette plugins Almanac has built in (announced) and packages for npm. */
function forNpm(pkgs: string[], action: "install" | "uninstall", io: Io): string[] {
  const out: string[] = [];
  for (const pkg of pkgs) {
    const e = builtinEquivalent(pkg);
    if (e) io.stderr(`${equivalentNotice(pkg, e, action)}\n`);
    else out.push(pkg);
  }
  return out;
}

/** A registry name without a version (`foo`, `@scope/foo`): what `-U` turns into `foo@latest`. */
const BARE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

export interface InstallFlags {
  upgrade?: boolean;
  editable?: string[];
  /** `-r FILE`: packages listed one a line (`#` comments), as `almanac plugins --requirements` prints them. */
  requirement?: string[];
}

function requirements(files: string[]): string[] {
  return files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new StartupError(`-r ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return text.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  });
}

async function npm(runner: NpmRunner, args: string[], what: string, io: Io): Promise<number> {
  const code = await runner(args, io);
  if (code !== 0) io.stderr(`almanac: npm failed to ${what}: npm exited with code ${code} (its messages are above)\n`);
  return code;
}

/**
 * `almanac install [-U] [-r FILE] [-e PATH] PKGS…`: `npm install` in the plugin prefix. A folder is copied
 * (`--install-links`), as pip copies; `-e PATH` links it instead, so edits show without reinstalling.
 */
export async function runInstall(pkgs: string[], flags: InstallFlags, io: Io = processIo, deps: PluginCommandDeps = {}): Promise<number> {
  const runner = deps.runNpm ?? runNpm;
  pkgs = [...pkgs, ...requirements(flags.requirement ?? [])];
  const packages = forNpm(pkgs, "install", io).map((p) => (flags.upgrade && BARE_NAME.test(p) ? `${p}@latest` : p));
  const editable = flags.editable ?? [];
  if (packages.length === 0 && editable.length === 0) {
    if (pkgs.length === 0) throw new StartupError("install needs at least one package (or -e PATH, or -r FILE)");
    return 0;
  }
  const where = npmLocation(io.env);
  if (packages.length) {
    const code = await npm(runner, ["install", ...where, "--install-links", ...packages], `install ${packages.join(", ")}`, io);
    if (code !== 0) return code;
  }
  if (editable.length) {
    const code = await npm(runner, ["install", ...where, "--install-links=false", ...editable], `install ${editable.join(", ")} (editable)`, io);
    if (code !== 0) return code;
  }
  return 0;
}

/** `almanac uninstall [-y] PKGS…`: `npm uninstall` in the plugin prefix (npm never asks, so -y changes nothing). */
export async function runUninstall(pkgs: string[], _flags: { yes?: boolean }, io: Io = processIo, deps: PluginCommandDeps = {}): Promise<number> {
  const packages = forNpm(pkgs, "uninstall", io);
  if (packages.length === 0) return 0;
  const where = npmLocation(io.env);
  return npm(deps.runNpm ?? runNpm, ["uninstall", ...where, ...packages], `uninstall ${packages.join(", ")}`, io);
}

export interface PluginsFlags {
  all?: boolean;
  requirements?: boolean;
  pluginsDir?: string;
}

/**
 * `almanac plugins`: the loaded plugins as JSON (Datasette's shape, by name), built-ins only with `--all`;
 * `--requirements` prints `name@version` for each installed package instead (for `npm install`).
 */
export async function runPlugins(flags: PluginsFlags, io: Io = processIo): Promise<number> {
  const loaded = await loadPlugins({ prefix: prefixFromEnv(io.env), only: loadPluginsFromEnv(io.env), pluginsDir: flags.pluginsDir });
  if (flags.requirements) {
    for (const p of loaded) if (p.origin === "package") io.stdout(`${p.name}${p.version ? `@${p.version}` : ""}\n`);
    return 0;
  }
  const shown = new PluginManager(loaded).describe(Boolean(flags.all));
  shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  io.stdout(`${JSON.stringify(shown, null, 4)}\n`);
  return 0;
}

/** Commands that must work even when an installed plugin is broken (so it can be removed), or need no plugins. */
const WITHOUT_PLUGINS = new Set(["install", "uninstall", "create-token"]);

/**
 * Before the command line is parsed: load the built-in and packaged plugins (ALMANAC_LOAD_PLUGINS applies;
 * `--plugins-dir` files do not add commands) and let them add commands (`register_commands`) and publish
 * targets (`publish_subcommand`). A plugin that fails here stops the command, named.
 */
export async function addPluginCommands(program: Command, publish: Command, argv: string[], env: Io["env"]): Promise<void> {
  if (WITHOUT_PLUGINS.has(argv[0])) return;
  const loaded = await loadPlugins({ prefix: prefixFromEnv(env), only: loadPluginsFromEnv(env) });
  for (const p of loaded) {
    const step = (hook: "register_commands" | "publish_subcommand", fn: () => void) => {
      try {
        fn();
      } catch (err) {
        throw new StartupError(new PluginError(p.name, hook, err).message);
      }
    };
    if (p.plugin.register_commands) step("register_commands", () => p.plugin.register_commands!({ program }));
    if (p.plugin.publish_subcommand) step("publish_subcommand", () => p.plugin.publish_subcommand!({ publish }));
  }
}

/** `almanac publish` with no target, or one no plugin provides: say which targets there are. */
export function publishTargetMissing(publish: Command, target: string | undefined): StartupError {
  const targets = publish.commands.map((c) => c.name()).sort();
  const available = targets.length ? `available targets: ${targets.join(", ")}` : "no publish targets are installed (plugins add them with publish_subcommand)";
  return new StartupError(target === undefined ? `publish needs a target; ${available}` : `unknown publish target '${target}'; ${available}`);
}
