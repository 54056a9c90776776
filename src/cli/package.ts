/**
 * @module `almanac package FILES…`: writes a build context (src/publish/context.ts) to `--generate-dir` or a
 * temporary folder and runs `docker build` in it when docker is on PATH. Without docker it says where the
 * context is and how to build it: exit 0 with `--generate-dir` (the files were asked for and are there),
 * 1 without (an image was asked for; the temporary context is kept so nothing is lost).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { StartupError } from "../http/errors.js";
import { generateContext } from "../publish/context.js";
import { shellLine } from "../publish/quote.js";
import { findOnPath, runStep } from "../publish/tools.js";
import { processIo, type Io } from "./io.js";
import { addCommonOptions, exitCodeOf, imagePort, publishSecret, siteOptions, type CommonFlags } from "./publish-options.js";

export interface PackageFlags extends CommonFlags {
  tag?: string;
  port?: number;
  generateDir?: string;
}

/** An existing empty folder, or a new one, for `--generate-dir`. */
export function emptyDirectory(path: string, flag = "--generate-dir"): string {
  const dir = resolve(path);
  try {
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0) throw new StartupError(`${flag} ${path} is not empty: choose a new or empty directory`);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return dir;
}

/** Runs `almanac package`; resolves to the exit code. */
export async function runPackage(files: string[], flags: PackageFlags, io: Io = processIo): Promise<number> {
  const port = flags.port ?? 8001;
  const options = siteOptions(files, flags, port, io);
  const dir = flags.generateDir !== undefined ? emptyDirectory(flags.generateDir) : mkdtempSync(join(tmpdir(), "almanac-package-"));
  let keep = flags.generateDir !== undefined;
  try {
    await generateContext(options, dir, io, "almanac package");
    const runHint = `docker run -p ${port}:${port}${publishSecret(flags, io.env) ? " -e ALMANAC_SECRET=…" : ""} ${flags.tag ?? "IMAGE"}`;
    if (publishSecret(flags, io.env)) io.stderr("almanac: the secret is not written into the image (secrets never go into image layers): give it to the container as ALMANAC_SECRET when it starts\n");
    const tagArgs = flags.tag !== undefined ? ["-t", flags.tag] : [];
    if (!findOnPath("docker", io.env)) {
      keep = true;
      io.stderr(`almanac: docker was not found on PATH, so no image was built; the build context is in ${dir}\n`);
      io.stderr(`almanac: build it with: ${shellLine(["docker", "build", ...(tagArgs.length ? tagArgs : ["-t", "IMAGE"]), dir])}\n`);
      return flags.generateDir !== undefined ? 0 : 1;
    }
    await runStep("docker build", "docker", ["build", ...tagArgs, "."], { cwd: dir, io });
    io.stdout(`Built ${flags.tag ?? "the image"}; run it with: ${runHint}\n`);
    return 0;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Declares `almanac package` on `program`. */
export function addPackageCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program.command("package").description("Package SQLite files into an Almanac Docker image (the build context, and docker build when docker is there)");
  addCommonOptions(command, "never written into the image: pass it to the container as ALMANAC_SECRET")
    .option("-t, --tag <tag>", "name for the resulting Docker image, e.g. my-site:latest")
    .option("-p, --port <port>", "port the container listens on unless PORT is set", imagePort, 8001)
    .option("--generate-dir <dir>", "write the build context here (a new or empty directory) and keep it")
    .action(async (files: string[], flags: PackageFlags) => {
      setExit(await exitCodeOf(io, () => runPackage(files, flags, io)));
    });
}
