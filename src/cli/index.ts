/** @module The `almanac` command line: declares commands and options with commander, hands parsed values to cli/<command>.ts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../paths.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { StartupError } from "../http/errors.js";
import { decodePair, joinTuples, settingTuples, withDefaultCommand, type TupleFlag } from "./args.js";
import { runCreateToken, type CreateTokenFlags } from "./create-token.js";
import { processIo, type Io } from "./io.js";
import { parsePort, runServe, type ServeDeps, type ServeFlags } from "./serve.js";
import { runInspect, type InspectFlags } from "./inspect.js";
import { addPackageCommand } from "./package.js";
import { publishTuples } from "./publish-options.js";
import { addPublishTargets } from "./publish-targets.js";
import { addPluginCommands, publishTargetMissing, runInstall, runPlugins, runUninstall, type InstallFlags, type PluginCommandDeps, type PluginsFlags } from "./plugins.js";

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function portArg(value: string): number {
  try {
    return parsePort(value);
  } catch {
    throw new InvalidArgumentError("It must be an integer from 0 to 65535.");
  }
}

/** Parses a repeatable multi-value option that joinTuples has joined into one JSON array per use. */
function tupleArg<T extends string[]>(message: string) {
  return (value: string, previous: T[] = []): T[] => {
    try {
      return [...previous, decodePair(value) as string[] as T];
    } catch {
      throw new InvalidArgumentError(message);
    }
  };
}

const settingArg = tupleArg<[string, string]>("-s/--setting needs two values: KEY VALUE");

/** commander prints "error: …" possibly over two lines; Almanac prints one line starting "almanac: ". */
function oneLine(message: string): string {
  return `almanac: ${message.replace(/^error:\s*/, "").replace(/\s*\n\s*/g, " ").trim()}\n`;
}

function buildProgram(io: Io, setExit: (code: number) => void, deps: ServeDeps & PluginCommandDeps): { program: Command; publish: Command } {
  const program = new Command("almanac")
    .description("Serve SQLite databases as a website and JSON/CSV API (a drop-in for Datasette).")
    .version(`almanac, version ${packageVersion()}`, "--version", "Show the version and exit.")
    .helpOption("--help", "Show this message and exit.")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(oneLine(s)),
    });

  program
    .command("serve")
    .description("Serve up specified SQLite database files (or one configuration directory) with a web UI")
    .helpOption("--help", "Show this message and exit.")
    .argument("[files...]", "database files, or one configuration directory")
    .option("-i, --immutable <path>", "database file to open in immutable mode (repeatable)", collect)
    .option("-h, --host <host>", "host for server (0.0.0.0 to listen on all interfaces)", "127.0.0.1")
    .option("-p, --port <port>", "port for server (0 = any free port)", portArg, 8001)
    .option("--uds <path>", "bind to a Unix domain socket (not supported; ignored)")
    .option("--reload", "restart on file changes (not supported; ignored)")
    .option("--cors", "enable CORS by serving Access-Control-Allow-Origin: *")
    .option("--load-extension <path[:entrypoint]>", "SQLite extension to load (repeatable; env DATASETTE_LOAD_EXTENSION)", collect)
    .option("--inspect-file <path>", "path to JSON file created using `almanac inspect`")
    .option("-m, --metadata <file>", "metadata file (JSON or YAML)")
    .option("--template-dir <dir>", "directory of custom templates")
    .option("--plugins-dir <dir>", "directory of plugins")
    .option("--static <mount:dir>", "serve static files from DIR at /MOUNT/... (repeatable)", collect)
    .option("--memory", "add the in-memory database /_memory")
    .option("-c, --config <file>", "configuration file (datasette.yaml or datasette.json)")
    .option("-s, --setting <key value>", "setting or dotted config path and its value (repeatable)", settingArg)
    .option("--secret <secret>", "secret used for signing (env ALMANAC_SECRET, DATASETTE_SECRET; default random)")
    .option("--root", "output URL that sets a cookie authenticating the root user")
    .option("--default-deny", "deny all permissions by default")
    .option("--get <path>", "run an in-process GET of PATH, print the response and exit (0 if status 200)")
    .option("--headers", "with --get: include the status line and headers")
    .option("--token <token>", "with --get: API token to send as Authorization: Bearer")
    .option("--actor <json>", "with --get: actor to make the request as (JSON)")
    .option("--version-note <text>", "additional note to show on /-/versions")
    .option("--help-settings", "show available settings and exit")
    .option("--pdb", "launch debugger on any errors (not supported; ignored)")
    .option("-o, --open", "open the server's URL in a web browser")
    .option("--create", "create database files if they do not exist")
    .option("--crossdb", "enable cross-database joins using the /_memory database")
    .option("--nolock", "ignore locking, open locked files in read-only mode")
    .addOption(new Option("--ssl-keyfile <file>", "SSL key file (not supported; ignored)").env("DATASETTE_SSL_KEYFILE"))
    .addOption(new Option("--ssl-certfile <file>", "SSL certificate file (not supported; ignored)").env("DATASETTE_SSL_CERTFILE"))
    .option("--internal <path>", "path to a persistent internal database (not supported; ignored)")
    .action(async (files: string[], opts: ServeFlags) => {
      setExit(await runServe(files, opts, io, deps));
    });

  program
    .command("inspect")
    .description("Generate JSON with hash, size and exact table counts of SQLite files (for --inspect-file)")
    .helpOption("--help", "Show this message and exit.")
    .argument("<files...>", "database files")
    .option("--inspect-file <path>", "where to write the JSON ('-' = stdout)", "-")
    .option("--load-extension <path[:entrypoint]>", "SQLite extension to load (repeatable; env DATASETTE_LOAD_EXTENSION)", collect)
    .action(async (files: string[], opts: InspectFlags) => {
      setExit(await runInspect(files, opts, io));
    });

  program
    .command("create-token")
    .description("Create a signed API token for the actor ID (send it as Authorization: Bearer <token>)")
    .helpOption("--help", "Show this message and exit.")
    .argument("<id>", "the actor's id")
    .option("--secret <secret>", "the server's secret (env ALMANAC_SECRET, DATASETTE_SECRET)")
    .option("-e, --expires-after <seconds>", "token expires after this many seconds")
    .option("-a, --all <action>", "restrict the token to this action everywhere (repeatable)", collect)
    .option("-d, --database <db action>", "restrict the token to this action on this database (repeatable)", tupleArg("needs two values: DB ACTION"))
    .option("-r, --resource <db resource action>", "restrict the token to this action on this table, view or query (repeatable)", tupleArg("needs three values: DB RESOURCE ACTION"))
    .option("--debug", "also print the token's decoded contents")
    .action(async (id: string, opts: CreateTokenFlags) => {
      setExit(await runCreateToken(id, opts, io));
    });

  program
    .command("install")
    .description("Install plugins (npm packages) where Almanac loads them from")
    .helpOption("--help", "Show this message and exit.")
    .argument("[packages...]", "npm packages: names, name@version, folders or tarballs")
    .option("-U, --upgrade", "upgrade packages to their latest version")
    .option("-r, --requirement <file>", "install the packages listed in this file, one a line (repeatable)", collect)
    .option("-e, --editable <path>", "install a folder as a link, so edits to it need no reinstall (repeatable)", collect)
    .action(async (packages: string[], opts: InstallFlags) => {
      setExit(await runInstall(packages, opts, io, deps));
    });

  program
    .command("uninstall")
    .description("Uninstall plugins (npm packages)")
    .helpOption("--help", "Show this message and exit.")
    .argument("<packages...>", "npm package names")
    .option("-y, --yes", "don't ask for confirmation (npm never asks; accepted for Datasette command lines)")
    .action(async (packages: string[], opts: { yes?: boolean }) => {
      setExit(await runUninstall(packages, opts, io, deps));
    });

  program
    .command("plugins")
    .description("List the installed plugins as JSON")
    .helpOption("--help", "Show this message and exit.")
    .option("--all", "include Almanac's built-in plugins")
    .option("--requirements", "print name@version of each installed plugin package instead")
    .option("--plugins-dir <dir>", "also load the plugins in this directory")
    .action(async (opts: PluginsFlags) => {
      setExit(await runPlugins(opts, io));
    });

  addPackageCommand(program, io, setExit);

  // Built-in targets, and more from plugins (publish_subcommand); without one, the action says which there are.
  const publish = program
    .command("publish")
    .description("Publish databases to the internet (cloudrun, kubernetes, and targets from plugins)")
    .helpOption("--help", "Show this message and exit.")
    .argument("[target]", "where to publish")
    .allowUnknownOption()
    .allowExcessArguments()
    .action((target: string | undefined) => {
      throw publishTargetMissing(publish, target);
    });
  addPublishTargets(publish, io, setExit);

  return { program, publish };
}

/** Options taking several values, per command path: commander takes one, so they are joined first (args.ts). */
const TUPLE_FLAGS: Record<string, ReadonlyMap<string, TupleFlag>> = {
  serve: settingTuples(),
  package: publishTuples(false),
  "publish cloudrun": publishTuples(true),
  "publish kubernetes": publishTuples(true),
  "create-token": new Map([
    ["-d", { long: "--database", count: 2, usage: "-d needs two values: DB ACTION (e.g. -d mydb view-database)" }],
    ["--database", { long: "--database", count: 2, usage: "--database needs two values: DB ACTION (e.g. -d mydb view-database)" }],
    ["-r", { long: "--resource", count: 3, usage: "-r needs three values: DB RESOURCE ACTION (e.g. -r mydb mytable view-table)" }],
    ["--resource", { long: "--resource", count: 3, usage: "--resource needs three values: DB RESOURCE ACTION (e.g. -r mydb mytable view-table)" }],
  ]),
};

/** Flags taking a value, from commander's own option list (so the two cannot drift apart). */
function valueFlags(command: Command): Set<string> {
  const flags = new Set<string>();
  for (const o of command.options) {
    if (!o.required && !o.optional) continue;
    if (o.short) flags.add(o.short);
    if (o.long) flags.add(o.long);
  }
  return flags;
}

/**
 * Runs the CLI with `argv` (without node and script); resolves to the exit code. Start-up problems are
 * printed as one `almanac: …` line, never a stack trace.
 */
export async function main(argv: string[], io: Io = processIo, deps: ServeDeps & PluginCommandDeps = {}): Promise<number> {
  let exitCode = 0;
  const { program, publish } = buildProgram(io, (code) => (exitCode = code), deps);
  try {
    await addPluginCommands(program, publish, argv, io.env);
    const commands = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
    commands.add("help");
    let args = withDefaultCommand(argv, commands, new Set(["--help", "--version"]));
    const command = program.commands.find((c) => c.name() === args[0]);
    const sub = command?.commands.find((c) => c.name() === args[1]); // publish TARGET
    if (sub) args = [args[0], args[1], ...joinTuples(args.slice(2), valueFlags(sub), TUPLE_FLAGS[`${args[0]} ${args[1]}`] ?? new Map())];
    else if (command) args = [args[0], ...joinTuples(args.slice(1), valueFlags(command), TUPLE_FLAGS[command.name()] ?? new Map())];
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // already printed (help, version, or one-line error)
    if (err instanceof StartupError) {
      io.stderr(`almanac: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
      return 1;
    }
    throw err;
  }
}
