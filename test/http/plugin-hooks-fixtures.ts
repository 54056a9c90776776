/** @module Helpers for the plugin-hooks-*.test.ts files: plugin files in a temp --plugins-dir, and what the server logs. */
export { pluginsDir } from "../fixtures/server.js";

/** Run `fn` and return what was written to stderr meanwhile (the server runs in this process), and its result. */
export async function withStderr<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), stderr };
  } finally {
    process.stderr.write = original;
  }
}
