/**
 * @module `almanac hash-password`: prints a hash for the configuration. At a terminal it asks twice
 * ("Password:", "Confirm:") without echoing what is typed; with `--no-confirm` it asks once. From a pipe it
 * reads lines instead (`echo 'secret' | almanac hash-password --no-confirm`), prompts left out. Prompts go
 * to stderr, so `$(almanac hash-password)` captures only the hash.
 */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { hashPassword } from "../../src/plugins/api.js";

export interface PromptIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts go (stderr). */
  prompt(text: string): void;
}

const processPromptIo: PromptIo = { input: process.stdin, prompt: (text) => void process.stderr.write(text) };

/** Swallows everything readline would echo: what is typed at a password prompt never reaches the screen. */
function silent(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/**
 * Up to `prompts.length` lines from the input: at a terminal each after its prompt, typed without echo; from
 * a pipe, the first lines as they are (trailing newline removed). Fewer lines than prompts means the input
 * ended. Ctrl-C at a prompt rejects.
 */
export async function readSecrets(prompts: string[], io: PromptIo = processPromptIo): Promise<string[]> {
  const tty = io.input.isTTY === true;
  const rl = createInterface({ input: io.input, output: tty ? silent() : undefined, terminal: tty, crlfDelay: Infinity });
  const interrupted = new Promise<never>((_, reject) => rl.once("SIGINT", () => reject(new Error("cancelled"))));
  interrupted.catch(() => undefined);
  const lines = rl[Symbol.asyncIterator]();
  const out: string[] = [];
  try {
    for (const prompt of prompts) {
      if (tty) io.prompt(prompt);
      const line = await Promise.race([lines.next(), interrupted]);
      if (tty) io.prompt("\n");
      if (line.done) break;
      out.push(line.value);
    }
  } finally {
    rl.close();
  }
  return out;
}

/** The password to hash, from `readSecrets`' lines; throws an Error whose message is what to print. */
export function chosenPassword(lines: string[], confirm: boolean): string {
  if (lines.length === 0) throw new Error("no password was given (the input ended first)");
  const [password, again] = lines;
  if (password === "") throw new Error("the password is empty");
  if (confirm) {
    if (again === undefined) throw new Error("the password was not confirmed (the input ended first); use --no-confirm to give it once");
    if (again !== password) throw new Error("the two passwords do not match");
  }
  return password;
}

/** Adds `hash-password` to the CLI (the plugin's register_commands). */
export function registerHashPassword(program: Command, io: PromptIo = processPromptIo, write: (text: string) => void = (t) => void process.stdout.write(t)): void {
  const command = program
    .command("hash-password")
    .description("Print a password hash for datasette-auth-passwords' configuration (<username>_password_hash)")
    .helpOption("--help", "Show this message and exit.")
    .option("--no-confirm", "ask once (or read the first line of stdin) instead of asking twice")
    .action(async (opts: { confirm: boolean }) => {
      let password: string;
      try {
        password = chosenPassword(await readSecrets(opts.confirm ? ["Password: ", "Confirm: "] : ["Password: "], io), opts.confirm);
      } catch (err) {
        return command.error((err as Error).message, { exitCode: 1, code: "almanac.hash-password" });
      }
      write(`${await hashPassword(password)}\n`);
    });
}
