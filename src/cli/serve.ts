/** @module `almanac serve`: turns command-line flags into AppOptions, then runs the app (or one `--get` request). */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { StartupError } from "../http/errors.js";
import type { AppOptions, DatabaseSource, InspectData, InstanceConfig, Metadata } from "../config/options.js";
import { SETTINGS, defaultSettings } from "../config/settings.js";
import { loadConfigFile, loadInspectFile, loadMetadataFile, validateSettings } from "../config/load.js";
import { describeMigration, migrateMetadata } from "../config/migrate.js";
import { checkSecrets, setDottedPath, type Environment } from "../config/secrets.js";
import { processIo, type Io } from "./io.js";
import { loadPluginsFromEnv, prefixFromEnv } from "./plugin-env.js";

/** The flags of `almanac serve`, as commander hands them over (camelCased). */
export interface ServeFlags {
  immutable?: string[];
  host?: string;
  port?: number;
  uds?: string;
  reload?: boolean;
  cors?: boolean;
  loadExtension?: string[];
  inspectFile?: string;
  metadata?: string;
  templateDir?: string;
  pluginsDir?: string;
  static?: string[];
  memory?: boolean;
  config?: string;
  /** `-s/--setting KEY VALUE` pairs, in command-line order. */
  setting?: [string, string][];
  secret?: string;
  root?: boolean;
  defaultDeny?: boolean;
  get?: string;
  headers?: boolean;
  token?: string;
  actor?: string;
  versionNote?: string;
  helpSettings?: boolean;
  pdb?: boolean;
  open?: boolean;
  create?: boolean;
  crossdb?: boolean;
  nolock?: boolean;
  sslKeyfile?: string;
  sslCertfile?: string;
  internal?: string;
}

/** Datasette's default host and port. */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8001;

const DB_EXTENSIONS = new Set([".db", ".sqlite", ".sqlite3"]);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function firstExisting(dir: string, names: string[]): string | undefined {
  return names.map((n) => join(dir, n)).find((p) => existsSync(p));
}

function requireDirectory(path: string, flag: string): string {
  if (!isDirectory(path)) throw new StartupError(`${flag} ${path}: no such directory`);
  return resolve(path);
}

/** What a configuration directory (`almanac my-app/`) contributes; explicit flags win over each part. */
interface ConfigDirectory {
  databases: string[];
  config?: string;
  metadata?: string;
  inspectFile?: string;
  templateDir?: string;
  pluginsDir?: string;
  staticDir?: string;
}

function scanConfigDirectory(dir: string): ConfigDirectory {
  const databases = readdirSync(dir)
    .filter((name) => DB_EXTENSIONS.has(extname(name).toLowerCase()) && !isDirectory(join(dir, name)))
    .sort()
    .map((name) => join(dir, name));
  const sub = (name: string) => (isDirectory(join(dir, name)) ? resolve(dir, name) : undefined);
  return {
    databases,
    config: firstExisting(dir, ["datasette.json", "datasette.yaml", "datasette.yml"]),
    metadata: firstExisting(dir, ["metadata.json", "metadata.yaml", "metadata.yml"]),
    inspectFile: firstExisting(dir, ["inspect-data.json"]),
    templateDir: sub("templates"),
    pluginsDir: sub("plugins"),
    staticDir: sub("static"),
  };
}

/** Creates an empty SQLite database file (`--create`). */
async function createDatabaseFile(path: string): Promise<void> {
  const { default: Sqlite } = await import("better-sqlite3");
  try {
    const db = new Sqlite(path);
    db.exec("VACUUM"); // writes a valid header, as Datasette's sqlite3.connect(file).execute("vacuum") does
    db.close();
  } catch (err) {
    throw new StartupError(`cannot create database ${path}: ${(err as Error).message}`);
  }
}

/** `--static MOUNT:DIR` → a mount without surrounding slashes and an absolute directory. */
export function parseStaticMount(value: string): { mount: string; dir: string } {
  const i = value.indexOf(":");
  const mount = i > 0 ? value.slice(0, i).replace(/^\/+|\/+$/g, "") : "";
  const dir = i > 0 ? value.slice(i + 1) : "";
  if (mount === "" || dir === "") throw new StartupError(`--static '${value}' should be of format MOUNT:DIRECTORY`);
  if (!isDirectory(dir)) throw new StartupError(`--static '${value}': ${dir} is not a directory`);
  return { mount, dir: resolve(dir) };
}

/** `--port`: an integer 0–65535 (0 = any free port). */
export function parsePort(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535) throw new StartupError(`--port must be an integer from 0 to 65535, got '${value}'`);
  return Number(value);
}

/** The `--help-settings` text: every setting with its help and default. */
export function helpSettingsText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.name.length)) + 2;
  const lines = SETTINGS.map((s) => `  ${s.name.padEnd(width)}${s.help} (default=${JSON.stringify(s.default)})`);
  return `Settings:\n${lines.join("\n")}\n`;
}

/** One-line notices for accepted options that Almanac does not act on. */
export function ignoredOptionNotices(opts: ServeFlags, env: Environment): string[] {
  const notes: string[] = [];
  if (opts.reload) notes.push("--reload has no effect in Almanac (restart the server after changing files, or run it under `node --watch`); ignoring");
  if (opts.pdb) notes.push("--pdb has no effect in Almanac (Node has no post-mortem debugger hook); ignoring");
  if (opts.uds) notes.push(`--uds has no effect in Almanac yet (Unix domain sockets are not supported); listening on TCP instead`);
  if (opts.internal) notes.push("--internal has no effect in Almanac (its internal state is kept in memory); ignoring");
  const ssl = opts.sslKeyfile ?? opts.sslCertfile ?? env.DATASETTE_SSL_KEYFILE ?? env.DATASETTE_SSL_CERTFILE;
  if (ssl) notes.push("--ssl-keyfile/--ssl-certfile have no effect in Almanac (no built-in HTTPS; put a TLS-terminating proxy in front); serving plain HTTP");
  return notes.map((n) => `almanac: ${n}`);
}

/**
 * The configuration and metadata files as `serve` reads them (shared with `package` and `publish`): the
 * metadata migrated to Datasette 1.0's split (`notify` gets the one-line notice), `-s KEY VALUE` overrides
 * applied last (they beat both files), settings type-checked. `$env`/`$file` references are not resolved here.
 */
export function loadConfiguration(
  configPath: string | undefined,
  metadataPath: string | undefined,
  overrides: [string, string][],
  notify: (line: string) => void,
): { config: InstanceConfig; metadata: Metadata; settings: ReturnType<typeof validateSettings> } {
  let config: InstanceConfig = configPath ? loadConfigFile(configPath) : {};
  let metadata: Metadata = {};
  if (metadataPath) {
    const migrated = migrateMetadata(loadMetadataFile(metadataPath), config);
    config = migrated.config;
    metadata = migrated.metadata;
    const line = describeMigration(basename(metadataPath), migrated.moved);
    if (line) notify(line);
  }
  for (const [key, value] of overrides) config = setDottedPath(config, key, value);
  const settings = validateSettings(config.settings, "config file");
  if (config.settings !== undefined) config.settings = settings;
  return { config, metadata, settings };
}

/**
 * Everything `serve` needs to know, checked: files exist (or are created with `--create`), no duplicates,
 * config and metadata loaded and migrated, `-s` overrides applied after the files, settings type-checked,
 * every `$env`/`$file` under `plugins` resolvable. `notify` receives one-line notices (the migration line).
 */
export async function buildServeOptions(
  files: string[],
  opts: ServeFlags,
  env: Environment = process.env,
  notify: (line: string) => void = (line) => processIo.stderr(`${line}\n`),
): Promise<AppOptions> {
  let dir: ConfigDirectory | undefined;
  if (files.length === 1 && isDirectory(files[0])) {
    dir = scanConfigDirectory(files[0]);
  } else {
    const d = files.find(isDirectory);
    if (d !== undefined) throw new StartupError(`${d} is a directory: a configuration directory must be the only FILES argument`);
  }

  // Positional files: created on demand with --create, rejected when given twice.
  const positional = dir ? dir.databases : files;
  const seen = new Map<string, string>();
  const identity = (path: string) => realpathSync(path);
  const databases: DatabaseSource[] = [];
  for (const path of positional) {
    if (!existsSync(path)) {
      if (!opts.create) throw new StartupError(`database file not found: ${path} (use --create to create it)`);
      await createDatabaseFile(path);
    }
    const id = identity(path);
    if (seen.has(id)) throw new StartupError(`${path} was given more than once`);
    seen.set(id, path);
    databases.push({ path, immutable: false });
  }
  // -i files are immutable; one also named as a FILE is served once, immutable.
  const seenImmutable = new Set<string>();
  for (const path of opts.immutable ?? []) {
    if (!existsSync(path)) throw new StartupError(`immutable database file not found: ${path}`);
    if (isDirectory(path)) throw new StartupError(`-i/--immutable ${path} is a directory`);
    const id = identity(path);
    if (seenImmutable.has(id)) throw new StartupError(`-i/--immutable ${path} was given more than once`);
    seenImmutable.add(id);
    const existing = databases.find((db) => identity(db.path) === id);
    if (existing) existing.immutable = true;
    else databases.push({ path, immutable: true });
  }

  let inspectData: InspectData | undefined;
  if (opts.inspectFile) inspectData = loadInspectFile(opts.inspectFile);
  else if (dir?.inspectFile) {
    inspectData = loadInspectFile(dir.inspectFile);
    // Datasette: in a config directory, databases listed in inspect-data.json are immutable (unless -i was used).
    if (!opts.immutable?.length) {
      const listed = new Set(Object.values(inspectData).map((e) => (typeof e.file === "string" ? basename(e.file) : "")));
      for (const db of databases) if (listed.has(basename(db.path))) db.immutable = true;
    }
  }

  const { config, metadata, settings: fileSettings } = loadConfiguration(opts.config ?? dir?.config, opts.metadata ?? dir?.metadata, opts.setting ?? [], notify);
  checkSecrets(config, env);

  const staticMounts = (opts.static ?? []).map(parseStaticMount);
  if (staticMounts.length === 0 && dir?.staticDir) staticMounts.push({ mount: "static", dir: dir.staticDir });

  const envExtensions = (env.DATASETTE_LOAD_EXTENSION ?? "").split(/\s+/).filter(Boolean);
  const secret = opts.secret || env.ALMANAC_SECRET || env.DATASETTE_SECRET || undefined;
  const crossdb = Boolean(opts.crossdb);

  return {
    databases,
    // Datasette adds _memory when asked, with --crossdb (it is where databases are attached), or with no files.
    memory: Boolean(opts.memory) || crossdb || databases.length === 0,
    crossdb,
    nolock: Boolean(opts.nolock),
    settings: { ...defaultSettings(), ...fileSettings },
    config,
    metadata,
    secret,
    cors: Boolean(opts.cors),
    staticMounts,
    loadExtensions: opts.loadExtension?.length ? opts.loadExtension : envExtensions,
    inspectData,
    versionNote: opts.versionNote,
    templateDir: opts.templateDir ? requireDirectory(opts.templateDir, "--template-dir") : dir?.templateDir,
    pluginsDir: opts.pluginsDir ? requireDirectory(opts.pluginsDir, "--plugins-dir") : dir?.pluginsDir,
    pluginPrefix: prefixFromEnv(env),
    loadPlugins: loadPluginsFromEnv(env),
    root: Boolean(opts.root),
    defaultDeny: Boolean(opts.defaultDeny),
  };
}

/** The app contract (src/app.ts), restated so this module compiles and tests run without it. */
export interface ServedApp {
  /** The instance (the real app has it; `--root` issues its sign-in token there). */
  almanac?: unknown;
  listen(host: string, port: number): Promise<{ url: string; port: number }>;
  request(path: string, init?: { headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
  close(): Promise<void>;
}
export type CreateApp = (options: AppOptions) => Promise<ServedApp>;

export interface ServeDeps {
  /** Loads createApp; tests pass a fake. */
  loadApp?: () => Promise<CreateApp>;
  /** Resolves when the server should stop; defaults to the first SIGINT/SIGTERM. */
  waitForStop?: () => Promise<void>;
  /** Opens a URL in a browser (`-o/--open`). */
  openUrl?: (url: string, io: Io) => void;
  /** Issues the one-time `--root` sign-in token for a started app; tests pass a fake. */
  issueRootToken?: (app: ServedApp) => Promise<string>;
}

/** The real token: held by the app's instance, checked by `/-/auth-token` (pages/auth.ts). */
async function issueRootToken(app: ServedApp): Promise<string> {
  // A computed specifier, as for the app: the unit tests of this module never load the pages.
  const specifier = "../pages/auth.js";
  const mod = (await import(specifier)) as { issueRootToken: (almanac: unknown) => string };
  return mod.issueRootToken(app.almanac);
}

async function importApp(): Promise<CreateApp> {
  // A computed specifier keeps tsc and the unit tests independent of src/app.ts.
  const specifier = "../app.js";
  const mod = (await import(specifier)) as { createApp: CreateApp };
  return mod.createApp;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = () => {
      // A second Ctrl-C while closing means "now".
      process.once("SIGINT", () => process.exit(130));
      resolveStop();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Opens `url` with the platform's opener, detached; failure is a notice, never an error. */
export function openInBrowser(url: string, io: Io): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: "ignore" });
    child.on("error", () => io.stderr(`almanac: could not open a browser (${cmd} failed); open ${url} yourself\n`));
    child.unref();
  } catch {
    io.stderr(`almanac: could not open a browser (${cmd} failed); open ${url} yourself\n`);
  }
}

/** Headers for a `--get` request: `--token` as a bearer token, `--actor` for the app to sign. */
export function getRequestHeaders(opts: ServeFlags): Record<string, string> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.actor !== undefined) {
    let actor: unknown;
    try {
      actor = JSON.parse(opts.actor);
    } catch {
      throw new StartupError(`--actor must be JSON, e.g. '{"id": "root"}'`);
    }
    if (typeof actor !== "object" || actor === null || Array.isArray(actor)) throw new StartupError(`--actor must be a JSON object, e.g. '{"id": "root"}'`);
    // Datasette sends a signed ds_actor cookie. The CLI does not sign: it passes the actor in this header and
    // the app, which holds the secret, honours it only for in-process requests (app.request()), never over HTTP.
    headers["x-almanac-get-actor"] = JSON.stringify(actor);
  }
  return headers;
}

/** Runs `almanac serve`; resolves to the exit code. */
export async function runServe(files: string[], opts: ServeFlags, io: Io = processIo, deps: ServeDeps = {}): Promise<number> {
  if (opts.helpSettings) {
    io.stdout(helpSettingsText());
    return 0;
  }
  for (const line of ignoredOptionNotices(opts, io.env)) io.stderr(`${line}\n`);
  const getHeaders = opts.get !== undefined ? getRequestHeaders(opts) : undefined;
  const options = await buildServeOptions(files, opts, io.env, (line) => io.stderr(`${line}\n`));
  const createApp = await (deps.loadApp ?? importApp)();
  const app = await createApp(options);

  if (opts.get !== undefined) {
    try {
      const response = await app.request(opts.get, { headers: getHeaders });
      if (opts.headers) {
        io.stdout(`HTTP/1.1 ${response.status}\n`);
        for (const [name, value] of Object.entries(response.headers)) io.stdout(`${name}: ${value}\n`);
        if (response.body.length > 0) io.stdout("\n");
      }
      if (response.body.length > 0 || !opts.headers) {
        io.stdout(response.body);
        io.stdout("\n");
      }
      return response.status === 200 ? 0 : 1;
    } finally {
      await app.close();
    }
  }

  let url: string;
  try {
    ({ url } = await app.listen(opts.host ?? DEFAULT_HOST, opts.port ?? DEFAULT_PORT));
  } catch (err) {
    await app.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") throw new StartupError(`port ${opts.port ?? DEFAULT_PORT} is already in use (try --port 0 for any free port)`);
    if (e.code === "EACCES") throw new StartupError(`not allowed to listen on port ${opts.port ?? DEFAULT_PORT}`);
    throw err;
  }
  io.stdout(`Almanac serving at ${url} (Ctrl-C to stop)\n`);
  // Only worth saying where someone can sign in (--root, or a plugin that turns credentials into actors).
  const plugins = (app.almanac as { plugins?: { implements(hook: string): boolean } } | undefined)?.plugins;
  const signIns = options.root || plugins?.implements("actor_from_request") !== false;
  if (!options.secret && signIns) io.stderr("almanac: no --secret (or ALMANAC_SECRET / DATASETTE_SECRET) given: a random one is used, so sign-ins and API tokens will not survive a restart\n");
  // Datasette prints the one-time root sign-in link on its own line once the server listens.
  if (opts.root) io.stdout(`${url}-/auth-token?token=${await (deps.issueRootToken ?? issueRootToken)(app)}\n`);
  if (opts.open) (deps.openUrl ?? openInBrowser)(url, io);

  await (deps.waitForStop ?? waitForSignal)();
  // If something the app left open keeps the loop alive after close(), do not hang on Ctrl-C.
  if (!deps.waitForStop) setTimeout(() => process.exit(0), 3000).unref();
  await app.close();
  return 0;
}
