/** @module Where CLI commands write and which environment they read: the real process, or a test's capture. */
import type { Environment } from "../config/secrets.js";

export interface Io {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
  env: Environment;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};
