/**
 * @module `almanac publish cloudrun`: the build context, built by Cloud Build into Artifact Registry
 * (`gcloud builds submit --tag`), deployed as a Cloud Run service (`gcloud run deploy`). Every gcloud call is an
 * argv array. Secrets travel in an `--env-vars-file` written outside the build context (mode 0600, deleted
 * afterwards), so they are neither in an image layer nor on a command line other users could read.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StartupError } from "../http/errors.js";
import type { Io } from "../cli/io.js";
import { generateContext, randomSecret, type SiteOptions } from "./context.js";
import { shellLine } from "./quote.js";
import { requireTool, runStep, runTool } from "./tools.js";

export interface CloudrunOptions {
  site: SiteOptions;
  /** The image's name in the repository (`-n/--name`). */
  name: string;
  service?: string;
  showFiles?: boolean;
  secret?: string;
  memory?: string;
  cpu?: string;
  timeout?: string;
  minInstances?: number;
  maxInstances?: number;
  region?: string;
  artifactRepository: string;
  artifactRegion: string;
  artifactProject?: string;
}

const GCLOUD = { command: "gcloud", missing: "publish cloudrun runs the Google Cloud CLI; install it (https://cloud.google.com/sdk/docs/install), then run gcloud init" };

/** Cloud Run listens where it tells the container to (PORT, 8080 unless changed). */
export const CLOUDRUN_PORT = 8080;

export function imageName(o: Pick<CloudrunOptions, "artifactRegion" | "artifactRepository" | "name">, project: string): string {
  return `${o.artifactRegion}-docker.pkg.dev/${project}/${o.artifactRepository}/${o.name}`;
}

/** The gcloud calls, in order: the repository (looked up, created when missing), the build, the deployment. */
export function gcloudCalls(o: CloudrunOptions, project: string, envFile: string) {
  const image = imageName(o, project);
  const repo = ["--location", o.artifactRegion, "--project", project];
  return {
    describeRepository: ["artifacts", "repositories", "describe", o.artifactRepository, ...repo],
    createRepository: ["artifacts", "repositories", "create", o.artifactRepository, "--repository-format", "docker", ...repo, "--quiet"],
    build: ["builds", "submit", "--tag", image],
    deploy: [
      "run", "deploy", o.service ?? "SERVICE",
      "--image", image,
      "--platform", "managed",
      "--allow-unauthenticated",
      ...(o.region ? ["--region", o.region] : []),
      ...(o.memory ? ["--memory", o.memory] : []),
      ...(o.cpu ? ["--cpu", o.cpu] : []),
      ...(o.timeout ? ["--timeout", o.timeout] : []),
      ...(o.minInstances !== undefined ? ["--min-instances", String(o.minInstances)] : []),
      ...(o.maxInstances !== undefined ? ["--max-instances", String(o.maxInstances)] : []),
      "--env-vars-file", envFile,
    ],
  };
}

/** The service's environment: the signing secret (one for every instance) and the plugin secrets. */
function serviceEnvironment(secret: string, env: Record<string, string>): string {
  // JSON is YAML, which --env-vars-file reads: every value a quoted string, whatever characters it holds.
  return `${JSON.stringify({ ALMANAC_SECRET: secret, ...env }, null, 2)}\n`;
}

async function currentProject(io: Io): Promise<string> {
  const { code, stdout } = await runTool("gcloud", ["config", "get-value", "project"], { io, capture: true, quiet: true });
  const project = stdout.trim();
  if (code !== 0 || project === "" || project === "(unset)") {
    throw new StartupError("no Google Cloud project is set: run gcloud config set project PROJECT_ID, or pass --artifact-project");
  }
  return project;
}

/** Runs `almanac publish cloudrun`; resolves to the exit code. */
export async function publishCloudrun(o: CloudrunOptions, io: Io): Promise<number> {
  if (!o.showFiles && !o.service) throw new StartupError("publish cloudrun needs --service NAME: the Cloud Run service to create (or replace)");
  if (!o.showFiles) requireTool(GCLOUD, io.env);
  const dir = mkdtempSync(join(tmpdir(), "almanac-cloudrun-"));
  let envDir: string | undefined;
  try {
    const site = await generateContext(o.site, dir, io, "almanac publish cloudrun");
    if (o.showFiles) {
      for (const [path, text] of site.generated) io.stdout(`==== ${path} ====\n\n${text}\n`);
      const calls = gcloudCalls(o, o.artifactProject ?? "PROJECT", "ENV_FILE");
      const env = ["ALMANAC_SECRET", ...Object.keys(site.env)];
      io.stdout(
        `==== commands ====\n\n${[calls.build, calls.deploy].map((args) => shellLine(["gcloud", ...args])).join("\n")}\n\n` +
          `ENV_FILE (written outside the build context, deleted after the deployment) sets: ${env.join(", ")}\n`,
      );
      return 0;
    }
    const project = o.artifactProject ?? (await currentProject(io));
    envDir = mkdtempSync(join(tmpdir(), "almanac-env-"));
    const envFile = join(envDir, "env.yaml");
    const calls = gcloudCalls(o, project, envFile);

    const found = await runTool("gcloud", calls.describeRepository, { io, capture: true, quiet: true });
    if (found.code !== 0) {
      io.stderr(`almanac: creating the Artifact Registry repository ${o.artifactRepository} in ${o.artifactRegion}\n`);
      await runStep("gcloud artifacts repositories create", "gcloud", calls.createRepository, { io });
    }
    io.stderr(`almanac: building the image with Cloud Build: ${shellLine(["gcloud", ...calls.build])}\n`);
    await runStep("gcloud builds submit (building the image)", "gcloud", calls.build, { io, cwd: dir });
    writeFileSync(envFile, serviceEnvironment(o.secret ?? randomSecret(), site.env), { mode: 0o600 });
    io.stderr(`almanac: deploying: ${shellLine(["gcloud", ...calls.deploy])}\n`);
    await runStep("gcloud run deploy", "gcloud", calls.deploy, { io });
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (envDir) rmSync(envDir, { recursive: true, force: true });
  }
}
