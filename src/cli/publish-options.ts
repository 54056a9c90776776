/**
 * @module The options `almanac package` and the built-in publish targets share (Datasette's "common publish
 * options" plus Almanac's `-c`, `-s`, `--cors`, `--apt-get-install`), declared once on a commander command and
 * turned into the `SiteOptions` the build context is generated from.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { METADATA_FLAGS, type MetadataFlag, type SiteOptions } from "../publish/context.js";
import { ToolFailed } from "../publish/tools.js";
import { settingTuples, type TupleFlag } from "./args.js";
import type { Io } from "./io.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A multi-value option joined by args.ts's joinTuples into one JSON array. */
const tupleArg =
  <T extends string[]>(count: number, usage: string) =>
  (value: string, previous: T[] = []): T[] => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== count) throw new InvalidArgumentError(usage);
    return [...previous, parsed as T];
  };

/** The flags of the common options, as commander hands them over. */
export interface CommonFlags {
  metadata?: string;
  config?: string;
  setting?: [string, string][];
  extraOptions?: string;
  branch?: string;
  templateDir?: string;
  pluginsDir?: string;
  static?: string[];
  install?: string[];
  versionNote?: string;
  secret?: string;
  cors?: boolean;
  spatialite?: boolean;
  aptGetInstall?: string[];
  title?: string;
  license?: string;
  source?: string;
  about?: string;
  license_url?: string;
  source_url?: string;
  about_url?: string;
  licenseUrl?: string;
  sourceUrl?: string;
  aboutUrl?: string;
}

export interface PluginSecretFlags {
  pluginSecret?: [string, string, string][];
}

const SETTING_USAGE = "-s/--setting needs two values: KEY VALUE";
const PLUGIN_SECRET_USAGE = "--plugin-secret needs three values: PLUGIN KEY VALUE";

/** Multi-value options of these commands, for args.ts's joinTuples (keyed in index.ts by command path). */
export function publishTuples(withPluginSecret: boolean): Map<string, TupleFlag> {
  const tuples = settingTuples();
  if (withPluginSecret) tuples.set("--plugin-secret", { long: "--plugin-secret", count: 3, usage: `${PLUGIN_SECRET_USAGE} (e.g. --plugin-secret datasette-auth-github client_secret xxx)` });
  return tuples;
}

/** Declares FILES and the common options on `command`. */
export function addCommonOptions(command: Command, what: string): Command {
  command
    .helpOption("--help", "Show this message and exit.")
    .argument("<files...>", "database files")
    .option("-m, --metadata <file>", "metadata file (JSON or YAML)")
    .option("-c, --config <file>", "configuration file (datasette.yaml or datasette.json)")
    .option("-s, --setting <key value>", "setting or dotted config path and its value, written into the configuration (repeatable)", tupleArg(2, SETTING_USAGE))
    .option("--extra-options <options>", "extra options for almanac serve, e.g. \"--setting sql_time_limit_ms 3500\"")
    .addOption(new Option("--branch <branch>", "Datasette's option to install from a GitHub branch (not supported; ignored)").hideHelp())
    .option("--template-dir <dir>", "directory of custom templates")
    .option("--plugins-dir <dir>", "directory of plugins")
    .option("--static <mount:dir>", "serve static files from DIR at /MOUNT/... (repeatable)", collect)
    .option("--install <package>", "npm package (e.g. a plugin) to install in the image (repeatable)", collect)
    .option("--version-note <text>", "additional note to show on /-/versions")
    .option("--secret <secret>", `secret used for signing (env ALMANAC_PUBLISH_SECRET, DATASETTE_PUBLISH_SECRET); ${what}`)
    .option("--cors", "enable CORS (Access-Control-Allow-Origin: *)")
    .option("--spatialite", "install SpatiaLite in the image and load it")
    .option("--apt-get-install <package>", "Debian package to install in the image (repeatable)", collect);
  for (const key of METADATA_FLAGS) {
    const label = key.replace("_url", " URL");
    command.option(`--${key} <value>`, `${label} for metadata`);
    if (key.includes("_")) command.addOption(new Option(`--${key.replace("_", "-")} <value>`).hideHelp());
  }
  return command;
}

export function addPluginSecretOption(command: Command): Command {
  return command.option("--plugin-secret <plugin key value>", "secret for a plugin, passed as an environment variable (repeatable)", tupleArg(3, PLUGIN_SECRET_USAGE));
}

/** `--secret`, else ALMANAC_PUBLISH_SECRET / DATASETTE_PUBLISH_SECRET. */
export function publishSecret(flags: CommonFlags, env: Io["env"]): string | undefined {
  return flags.secret || env.ALMANAC_PUBLISH_SECRET || env.DATASETTE_PUBLISH_SECRET || undefined;
}

/** The common flags as SiteOptions; notices for what is accepted and ignored. */
export function siteOptions(files: string[], flags: CommonFlags & PluginSecretFlags, port: number, io: Io): SiteOptions {
  if (flags.branch !== undefined) io.stderr("almanac: --branch has no effect in Almanac (the image gets the Almanac you are running, packed with npm pack); ignoring\n");
  const camel: Partial<Record<MetadataFlag, string | undefined>> = { license_url: flags.licenseUrl, source_url: flags.sourceUrl, about_url: flags.aboutUrl };
  const metadataValues: Partial<Record<MetadataFlag, string>> = {};
  for (const key of METADATA_FLAGS) {
    const value = flags[key] ?? camel[key];
    if (value !== undefined) metadataValues[key] = value;
  }
  return {
    files,
    metadata: flags.metadata,
    config: flags.config,
    settings: flags.setting,
    extraOptions: flags.extraOptions,
    templateDir: flags.templateDir,
    pluginsDir: flags.pluginsDir,
    static: flags.static,
    install: flags.install,
    versionNote: flags.versionNote,
    metadataValues,
    cors: flags.cors,
    spatialite: flags.spatialite,
    aptGetInstall: flags.aptGetInstall,
    port,
    pluginSecrets: flags.pluginSecret,
  };
}

/**
 * Runs a publish action and resolves to its exit code: a tool that failed (docker, gcloud, npm) is one line
 * naming the step, with the tool's own exit code; other start-up errors propagate to `main` (exit 1).
 */
export async function exitCodeOf(io: Io, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ToolFailed) {
      io.stderr(`almanac: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/** A port for a container to listen on: 1–65535. */
export function imagePort(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 65535) throw new InvalidArgumentError("It must be from 1 to 65535.");
  return Number(value);
}
