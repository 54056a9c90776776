/**
 * @module The build context `almanac package` and `almanac publish` generate: a Dockerfile, Almanac itself as an
 * npm tarball (`npm pack` of this installation), local plugin packages, and `site/` — the databases, the
 * generated `metadata.json` and `datasette.json`, templates, plugins and static folders. Secrets never enter it:
 * `--plugin-secret` values become `{"$env": …}` references here and environment variables on the platform.
 */
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import Sqlite from "better-sqlite3";
import { StartupError } from "../http/errors.js";
import type { InstanceConfig, Metadata } from "../config/options.js";
import { isPlainObject, pruneEmptyObjects, type PlainObject } from "../config/migrate.js";
import { PACKAGE_ROOT } from "../paths.js";
import { builtinEquivalent, equivalentNotice } from "../cli/datasette-plugins.js";
import { loadConfiguration, parseStaticMount } from "../cli/serve.js";
import type { Io } from "../cli/io.js";
import { dockerfile, type DockerfilePlan } from "./dockerfile.js";
import { refuseControl, shellSplit } from "./quote.js";
import { runStep } from "./tools.js";

/** The metadata flags every publish command has (Datasette's `--title`, `--license_url`, …). */
export const METADATA_FLAGS = ["title", "license", "license_url", "source", "source_url", "about", "about_url"] as const;
export type MetadataFlag = (typeof METADATA_FLAGS)[number];

/** What goes into the image: the options `package` and every built-in publish target share. */
export interface SiteOptions {
  files: string[];
  metadata?: string;
  config?: string;
  /** `-s KEY VALUE` pairs, applied to the generated configuration. */
  settings?: [string, string][];
  /** More `almanac serve` options, as one string split like sh would. */
  extraOptions?: string;
  templateDir?: string;
  pluginsDir?: string;
  /** `MOUNT:DIR` */
  static?: string[];
  /** npm package specs (a Datasette plugin Almanac has built in is announced, not installed). */
  install?: string[];
  versionNote?: string;
  metadataValues?: Partial<Record<MetadataFlag, string>>;
  cors?: boolean;
  spatialite?: boolean;
  /** Debian packages for the running image. */
  aptGetInstall?: string[];
  /** The port the container listens on unless `PORT` says otherwise. */
  port: number;
  /** `--plugin-secret PLUGIN KEY VALUE` triples. */
  pluginSecrets?: [string, string, string][];
  /** Set `force_https_urls` unless the user set it (platforms that terminate TLS in front of the container). */
  forceHttpsUrls?: boolean;
  /** Reverse proxies in front of the container that append to X-Forwarded-For (Cloud Run: 1), for the password plugin's per-address limits. */
  proxyHops?: number;
}

/** A generated build context. */
export interface Site {
  dir: string;
  /** The generated text files by path relative to `dir`, in the order `--show-files` prints them. */
  generated: Map<string, string>;
  /** Environment variables the service needs (the plugin secrets), by name: never written into `dir`. */
  env: Record<string, string>;
  /** Database file names inside `site/`. */
  databases: string[];
}

/** Names in `site/` that Almanac writes itself, so no database may take them. */
const RESERVED = new Set(["metadata.json", "datasette.json", "inspect-data.json", "templates", "plugins", "static"]);

/** Almanac's name and version, from its own package.json. */
export function almanacPackage(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { name: string; version: string };
}

/** The environment variable a `--plugin-secret PLUGIN KEY` value travels in. */
export function pluginSecretVariable(plugin: string, key: string): string {
  return `ALMANAC_PLUGIN_SECRET_${`${plugin}_${key}`.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`;
}

/** A random secret for `ALMANAC_SECRET`, shared by every replica of one deployment (Datasette's default). */
export function randomSecret(): string {
  return randomBytes(32).toString("hex");
}

/** `--install` specs npm reads as local paths (npm's own rule: a path, never a bare name that happens to exist). */
function localSpec(spec: string): string | undefined {
  const path = spec.startsWith("file:") ? spec.slice(5) : spec;
  if (/^(\.{1,2}(\/|$)|\/|~\/)/.test(path) || /\.(tgz|tar\.gz|tar)$/.test(path)) return path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
  return undefined;
}

/** `npm pack` of a folder into `dest`; resolves to the tarball's file name. */
async function npmPack(folder: string, dest: string, io: Io): Promise<string> {
  const out = await runStep(`npm pack ${folder}`, "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dest, folder], { io, capture: true });
  let name: unknown;
  try {
    name = (JSON.parse(out) as { filename?: unknown }[])[0]?.filename;
  } catch {
    name = undefined;
  }
  if (typeof name !== "string" || !existsSync(join(dest, name))) throw new StartupError(`npm pack ${folder} did not say which tarball it wrote`);
  return name;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Copies a folder (links followed, `.git` and `node_modules` left out). */
function copyFolder(from: string, to: string, flag: string): void {
  if (!isDirectory(from)) throw new StartupError(`${flag} ${from}: no such directory`);
  cpSync(from, to, { recursive: true, dereference: true, filter: (src) => !["node_modules", ".git"].includes(basename(src)) });
}

/** The first 100 bytes of a file: SQLite's header. */
function header(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a database into the context. A file in rollback-journal mode with no `-wal` beside it is copied byte for
 * byte; a WAL database is copied through SQLite's backup API (so committed pages still in the `-wal` file come
 * along) and switched to rollback mode, which read-only connections in a read-only folder can open.
 */
async function copyDatabase(from: string, to: string): Promise<void> {
  const head = header(from);
  if (head.length > 0 && !head.subarray(0, 16).equals(Buffer.from("SQLite format 3\0", "latin1"))) {
    throw new StartupError(`${from} is not a SQLite database`);
  }
  const wal = head.length >= 20 && (head[18] === 2 || head[19] === 2);
  if (!wal && !existsSync(`${from}-wal`)) {
    copyFileSync(from, to);
    return;
  }
  const source = new Sqlite(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(to);
  } finally {
    source.close();
  }
  const copy = new Sqlite(to);
  try {
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
}

/** Every `{"$env": NAME}` and `{"$file": PATH}` the configuration refers to. */
function secretReferences(node: unknown, found: { env: Set<string>; file: Set<string> } = { env: new Set(), file: new Set() }) {
  if (Array.isArray(node)) node.forEach((v) => secretReferences(v, found));
  else if (isPlainObject(node)) {
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === "$env" && typeof node.$env === "string") found.env.add(node.$env);
    else if (keys.length === 1 && keys[0] === "$file" && typeof node.$file === "string") found.file.add(node.$file);
    else Object.values(node).forEach((v) => secretReferences(v, found));
  }
  return found;
}

/** Serve options the container decides itself. */
const FIXED_SERVE_FLAGS = new Set(["-h", "--host", "-p", "--port", "--uds"]);

/**
 * Writes the build context for `options` into `dir` (which must exist and be empty). Notices (built-in plugins,
 * the metadata migration, references the platform must satisfy) go to `io.stderr`, one line each.
 */
export async function generateContext(options: SiteOptions, dir: string, io: Io, command: string): Promise<Site> {
  const notify = (line: string) => io.stderr(`${line}\n`);

  // The databases: each a file, each name used once (the database's name is its file's stem).
  const databases: { from: string; name: string }[] = [];
  for (const file of options.files) {
    if (!existsSync(file)) throw new StartupError(`database file not found: ${file}`);
    if (isDirectory(file)) throw new StartupError(`${file} is a directory, not a database file`);
    const name = refuseControl(basename(file), "the database file name");
    if (RESERVED.has(name)) throw new StartupError(`a database file may not be called ${name} (Almanac writes that name into the image)`);
    if (databases.some((d) => d.name === name)) throw new StartupError(`two database files are called ${name}: their names would clash in the image`);
    databases.push({ from: file, name });
  }
  if (databases.length === 0) throw new StartupError(`${command} needs at least one database file`);

  const extra = shellSplit(options.extraOptions ?? "");
  const fixed = extra.find((w) => FIXED_SERVE_FLAGS.has(w.split("=")[0]));
  if (fixed) throw new StartupError(`--extra-options may not set ${fixed.split("=")[0]}: the container listens on 0.0.0.0 and on $PORT`);
  extra.forEach((w) => refuseControl(w, "--extra-options word"));

  const { config: loaded, metadata } = loadConfiguration(options.config, options.metadata, options.settings ?? [], notify);
  const config = loaded as InstanceConfig & PlainObject;
  for (const key of METADATA_FLAGS) {
    const value = options.metadataValues?.[key];
    if (value !== undefined) (metadata as Metadata & PlainObject)[key] = value;
  }

  // Plugin secrets: a reference in the configuration, the value in the service's environment.
  const env: Record<string, string> = {};
  for (const [plugin, key, value] of options.pluginSecrets ?? []) {
    const name = pluginSecretVariable(plugin, key);
    if (Object.hasOwn(env, name)) throw new StartupError(`--plugin-secret ${plugin} ${key}: its environment variable ${name} is already used by another --plugin-secret`);
    env[name] = value;
    const plugins = (config.plugins ??= {}) as PlainObject;
    const entry = plugins[plugin] ?? {};
    if (!isPlainObject(entry)) throw new StartupError(`--plugin-secret ${plugin} ${key}: the configuration of plugin ${plugin} is not an object`);
    entry[key] = { $env: name };
    plugins[plugin] = entry;
  }
  if (options.forceHttpsUrls && config.settings?.force_https_urls === undefined && !extra.some((w) => w.includes("force_https_urls"))) {
    config.settings = { ...config.settings, force_https_urls: true };
  }
  // Behind the platform's proxy every client arrives from the proxy's address: the password plugin must read
  // the client from X-Forwarded-For, or one visitor's failed logins would lock everyone out.
  const passwords = isPlainObject(config.plugins) ? config.plugins["datasette-auth-passwords"] : undefined;
  if (options.proxyHops && isPlainObject(passwords) && passwords.trusted_proxy_hops === undefined) {
    passwords.trusted_proxy_hops = options.proxyHops;
  }

  // Plugins to install: Datasette names Almanac has built in are announced (and left enabled), local paths
  // are packed into the context, anything else is handed to npm as it is.
  const npmSpecs: { spec: string; local?: string }[] = [];
  for (const spec of options.install ?? []) {
    refuseControl(spec, "--install");
    const builtin = builtinEquivalent(spec);
    if (builtin) {
      notify(equivalentNotice(spec, builtin, "install"));
      const entry = isPlainObject(config.plugins) ? config.plugins[builtin.builtin] : undefined;
      if (isPlainObject(entry) && entry.enabled === false) {
        delete entry.enabled;
        pruneEmptyObjects(config);
        notify(`almanac: ${builtin.builtin} was turned off in the configuration (enabled: false); --install ${spec.trim()} turns it back on`);
      }
      continue;
    }
    if (spec.startsWith("-")) throw new StartupError(`--install ${spec}: not a package (npm would read it as an option)`);
    const local = localSpec(spec);
    if (local !== undefined && !existsSync(local)) throw new StartupError(`--install ${spec}: no such file or directory`);
    npmSpecs.push({ spec, local: local === undefined ? undefined : resolve(local) });
  }

  const refs = secretReferences(config);
  for (const name of refs.env) if (!Object.hasOwn(env, name)) notify(`almanac: the configuration reads the environment variable ${name}: set it where the container runs (or pass it with --plugin-secret)`);
  for (const path of refs.file) notify(`almanac: the configuration reads the file ${path} ({"$file": …}): it is not copied into the image; mount it where the container runs`);

  const staticMounts = (options.static ?? []).map(parseStaticMount);
  if (options.templateDir && !isDirectory(options.templateDir)) throw new StartupError(`--template-dir ${options.templateDir}: no such directory`);
  if (options.pluginsDir && !isDirectory(options.pluginsDir)) throw new StartupError(`--plugins-dir ${options.pluginsDir}: no such directory`);
  if (options.versionNote !== undefined) refuseControl(options.versionNote, "--version-note");
  const apt = [...(options.spatialite ? ["libsqlite3-mod-spatialite"] : []), ...(options.aptGetInstall ?? [])];
  for (const pkg of apt) {
    if (!/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/.test(pkg)) throw new StartupError(`--apt-get-install ${JSON.stringify(pkg)}: not a Debian package name`);
  }
  if (!existsSync(join(PACKAGE_ROOT, "dist", "src", "cli", "index.js"))) {
    throw new StartupError(`Almanac's build output is missing (${join(PACKAGE_ROOT, "dist")}): run "npm run build" in ${PACKAGE_ROOT} first`);
  }

  // Everything checked: write.
  if (readdirSync(dir).length > 0) throw new StartupError(`${dir} is not empty: choose a new or empty directory`);
  const site = join(dir, "site");
  mkdirSync(site);
  for (const db of databases) await copyDatabase(db.from, join(site, db.name));
  const generated = new Map<string, string>();
  const write = (rel: string, text: string) => {
    writeFileSync(join(dir, rel), text);
    generated.set(rel, text);
  };
  const hasMetadata = Object.keys(metadata).length > 0;
  const hasConfig = Object.keys(config).length > 0;
  if (hasMetadata) write("site/metadata.json", `${JSON.stringify(metadata, null, 2)}\n`);
  if (hasConfig) write("site/datasette.json", `${JSON.stringify(config, null, 2)}\n`);
  if (options.templateDir) copyFolder(options.templateDir, join(site, "templates"), "--template-dir");
  if (options.pluginsDir) copyFolder(options.pluginsDir, join(site, "plugins"), "--plugins-dir");
  staticMounts.forEach((m, i) => copyFolder(m.dir, join(site, "static", String(i + 1)), "--static"));

  const tarball = await npmPack(PACKAGE_ROOT, dir, io);
  const packages: string[] = [];
  for (const s of npmSpecs) {
    if (s.local === undefined) continue;
    mkdirSync(join(dir, "packages"), { recursive: true });
    if (isDirectory(s.local)) s.spec = `./packages/${await npmPack(s.local, join(dir, "packages"), io)}`;
    else {
      copyFileSync(s.local, join(dir, "packages", basename(s.local)));
      s.spec = `./packages/${basename(s.local)}`;
    }
    packages.push(s.spec);
  }

  const files = databases.map((d) => `./${d.name}`);
  const serveArgs = [
    ...files.flatMap((f) => ["-i", f]),
    "--inspect-file", "inspect-data.json",
    ...(hasMetadata ? ["-m", "metadata.json"] : []),
    ...(hasConfig ? ["-c", "datasette.json"] : []),
    ...(options.templateDir ? ["--template-dir", "templates"] : []),
    ...(options.pluginsDir ? ["--plugins-dir", "plugins"] : []),
    ...staticMounts.flatMap((m, i) => ["--static", `${refuseControl(m.mount, "--static mount")}:static/${i + 1}`]),
    ...(options.spatialite ? ["--load-extension", "spatialite"] : []),
    ...(options.versionNote !== undefined ? ["--version-note", options.versionNote] : []),
    ...(options.cors ? ["--cors"] : []),
    ...extra,
  ];
  const plan: DockerfilePlan = {
    command,
    version: almanacPackage().version,
    tarball,
    npmInstall: [`./${tarball}`, ...npmSpecs.map((s) => s.spec)],
    hasPackages: packages.length > 0,
    databases: files,
    serveArgs,
    port: options.port,
    apt,
  };
  write("Dockerfile", dockerfile(plan));
  // Most readers look at the Dockerfile first.
  const ordered = new Map([...generated].sort(([a], [b]) => (a === "Dockerfile" ? -1 : b === "Dockerfile" ? 1 : 0)));
  return { dir, generated: ordered, env, databases: databases.map((d) => d.name) };
}
