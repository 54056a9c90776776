// Shared by the bench scripts: free ports, child servers that are always cleaned up, and /proc memory readings.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/**
 * Start `node ...args` (from the repository root) and wait until http://127.0.0.1:port/-/versions.json answers
 * 200, for 30 s at most. Killed when this process exits. Resolves to { label, child, base }.
 */
export async function startServer(label, args, port) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let output = "";
  const keep = (d) => {
    output = (output + d).slice(-2000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  child.on("exit", () => {
    exited = true;
    children.delete(child);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(base + "/-/versions.json", { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.arrayBuffer().then(() => r.status === 200),
      () => false,
    );
    if (ok) return { label, child, base };
    await sleep(200);
  }
  child.kill("SIGKILL");
  const tail = output.trim().split("\n").slice(-8).join("\n");
  throw new Error(`${label} did not start (${exited ? "exited" : "timed out"}); its last output:\n${tail}`);
}

export async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  const gone = new Promise((ok) => server.child.once("exit", ok));
  server.child.kill("SIGTERM");
  await Promise.race([gone, sleep(3000)]);
  server.child.kill("SIGKILL");
}

/** Resident and peak resident memory of a process, in MB (Linux). */
export function memoryMb(pid) {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}
