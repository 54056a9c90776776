/**
 * @module Running the tools publishing needs (npm, docker, gcloud): found on PATH first, so a missing one is one
 * clear line; always spawned with an argv array, never through a shell.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { StartupError } from "../http/errors.js";
import { processIo, type Io } from "../cli/io.js";

/** The full path of an executable `name` on `env.PATH`, or undefined. */
export function findOnPath(name: string, env: Io["env"]): string | undefined {
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** A tool that must be on PATH, with what to say when it is not. */
export interface Tool {
  command: string;
  /** Why it is needed and where to get it, e.g. "publish cloudrun runs gcloud: https://cloud.google.com/sdk/docs/install". */
  missing: string;
}

export function requireTool(tool: Tool, env: Io["env"]): void {
  if (!findOnPath(tool.command, env)) throw new StartupError(`${tool.command} was not found on PATH: ${tool.missing}`);
}

export interface RunOptions {
  cwd?: string;
  io?: Io;
  /** Keep stdout (returned) instead of showing it. */
  capture?: boolean;
  /** Discard the tool's stderr (a look-up whose failure is an answer). */
  quiet?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
}

/**
 * Runs `command args…` (no shell). Its output goes to the terminal (to `io` when output is captured by a test);
 * with `capture`, stdout is returned instead. Resolves to the exit code (128 when a signal ended it).
 */
export function runTool(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const io = options.io ?? processIo;
  const inherit = io === processIo;
  return new Promise((resolve, reject) => {
    const stdin = inherit ? "inherit" : "ignore";
    const stdout = options.capture || !inherit ? "pipe" : "inherit";
    const stderr = options.quiet ? "ignore" : inherit ? "inherit" : "pipe";
    const child = spawn(command, [...args], { cwd: options.cwd, env: io.env, stdio: [stdin, stdout, stderr], shell: false });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      if (options.capture) out += chunk.toString("utf8");
      else io.stdout(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => io.stderr(chunk.toString("utf8")));
    child.on("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "ENOENT" ? new StartupError(`${command} was not found on PATH`) : err);
    });
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: out }));
  });
}

/** Runs a step and turns a non-zero exit into one line saying which step failed; resolves to stdout. */
export async function runStep(what: string, command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const { code, stdout } = await runTool(command, args, options);
  if (code !== 0) throw new ToolFailed(`${what} failed: ${command} exited with code ${code} (its messages are above)`, code);
  return stdout;
}

/** A tool that ran and failed: the message says which step, `exitCode` is the tool's own. */
export class ToolFailed extends StartupError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
