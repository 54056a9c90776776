/**
 * @module The built-in publish targets, `almanac publish cloudrun` and `almanac publish kubernetes`, declared on
 * the `publish` command beside the targets plugins add with `publish_subcommand`.
 */
import { InvalidArgumentError, type Command } from "commander";
import { publishCloudrun, CLOUDRUN_PORT, type CloudrunOptions } from "../publish/cloudrun.js";
import { publishKubernetes, type KubernetesOptions } from "../publish/kubernetes.js";
import type { Io } from "./io.js";
import { emptyDirectory } from "./package.js";
import { addCommonOptions, addPluginSecretOption, exitCodeOf, imagePort, publishSecret, siteOptions, type CommonFlags, type PluginSecretFlags } from "./publish-options.js";

const count = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("It must be a whole number.");
  return Number(value);
};

const matching = (pattern: RegExp, rule: string) => (value: string): string => {
  if (!pattern.test(value)) throw new InvalidArgumentError(rule);
  return value;
};

/** Cloud Run and Kubernetes object names: lowercase letters, digits and hyphens, starting with a letter. */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_RULE = "It must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen.";

/** What commander hands over: the common flags and the target's own (its options, less what is derived). */
interface CloudrunFlags extends CommonFlags, PluginSecretFlags, Omit<CloudrunOptions, "site" | "secret"> {}

interface KubernetesFlags extends CommonFlags, PluginSecretFlags, Omit<KubernetesOptions, "site" | "secret" | "dir"> {
  generateDir: string;
  port: number;
}

/** Declares the built-in targets on `publish`. */
export function addPublishTargets(publish: Command, io: Io, setExit: (code: number) => void): void {
  const cloudrun = publish.command("cloudrun").description("Publish to Google Cloud Run: build with Cloud Build, deploy with gcloud run deploy");
  addPluginSecretOption(addCommonOptions(cloudrun, "the service gets it as ALMANAC_SECRET (default: a new random one)"))
    .option("-n, --name <name>", "image name in the Artifact Registry repository", matching(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "It must be lowercase letters and digits, separated by . _ or -."), "almanac")
    .option("--service <service>", "Cloud Run service to deploy (or replace)", matching(DNS_LABEL, DNS_RULE))
    .option("--show-files", "print the generated Dockerfile, metadata and configuration and the gcloud commands, and stop (nothing is deployed)")
    .option("--memory <memory>", "memory for each instance, e.g. 1Gi", matching(/^\d+(Gi|G|Mi|M)$/, "It must be a number then Gi, G, Mi or M, e.g. 1Gi."))
    .option("--cpu <cpu>", "CPUs for each instance: 1, 2, 4, 6 or 8", matching(/^[12468]$/, "It must be 1, 2, 4, 6 or 8."))
    .option("--timeout <timeout>", "request timeout, e.g. 300 or 5m", matching(/^\d+[smh]?$/, "It must be seconds, or a number then s, m or h."))
    .option("--min-instances <n>", "instances kept running (0 scales to zero)", count)
    .option("--max-instances <n>", "most instances Cloud Run may start", count)
    .option("--region <region>", "Cloud Run region (default: gcloud's run/region)", matching(/^[a-z]+-[a-z]+\d+$/, "It must be a region such as us-central1."))
    .option("--artifact-repository <repository>", "Artifact Registry repository for the image (created if missing)", matching(DNS_LABEL, DNS_RULE), "almanac")
    .option("--artifact-region <region>", "Artifact Registry location", matching(/^[a-z0-9-]+$/, "It must be a location such as us or europe-west1."), "us")
    .option("--artifact-project <project>", "Google Cloud project of the repository (default: gcloud's project)", matching(/^[a-z][a-z0-9.:-]*[a-z0-9]$/, "It must be a Google Cloud project ID."))
    .action(async (files: string[], flags: CloudrunFlags) => {
      setExit(
        await exitCodeOf(io, () =>
          publishCloudrun(
            {
              ...flags,
              site: { ...siteOptions(files, flags, CLOUDRUN_PORT, io), forceHttpsUrls: true, proxyHops: 1 },
              secret: publishSecret(flags, io.env),
            },
            io,
          ),
        ),
      );
    });

  const kubernetes = publish.command("kubernetes").description("Generate a build context and Kubernetes manifests (Deployment, Service, autoscaler); runs nothing");
  addPluginSecretOption(addCommonOptions(kubernetes, "written to secrets.env for the pods' Secret (default: a new random one)"))
    .requiredOption("--image <image>", "where you will push the image, e.g. ghcr.io/me/my-site:1", matching(/^[a-z0-9][A-Za-z0-9._\-/:@]*$/, "It must be an image reference such as ghcr.io/me/my-site:1."))
    .requiredOption("--generate-dir <dir>", "write context/, kubernetes.yaml and secrets.env here (a new or empty directory)")
    .option("-n, --name <name>", "name of the Deployment, Service and Secret", matching(DNS_LABEL, DNS_RULE), "almanac")
    .option("--replicas <n>", "replicas to run", count, 2)
    .option("--max-replicas <n>", "add an autoscaler that may grow to this many replicas", count)
    .option("--memory <memory>", "memory for each replica (request and limit)", matching(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/, "It must be a Kubernetes quantity such as 512Mi."), "512Mi")
    .option("--cpu <cpu>", "CPU each replica requests", matching(/^\d+(\.\d+)?m?$/, "It must be a Kubernetes quantity such as 250m or 1."), "250m")
    .option("-p, --port <port>", "port the container listens on", imagePort, 8001)
    .action(async (files: string[], flags: KubernetesFlags) => {
      setExit(
        await exitCodeOf(io, () =>
          publishKubernetes(
            { ...flags, site: siteOptions(files, flags, flags.port, io), dir: emptyDirectory(flags.generateDir), secret: publishSecret(flags, io.env) },
            io,
          ),
        ),
      );
    });
}
