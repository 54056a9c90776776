/**
 * @module Quoting for the files `almanac package` and `almanac publish` write. Commands Almanac runs itself
 * (docker, gcloud, npm) get argv arrays and never pass through a shell; what a Dockerfile runs is an exec-form
 * JSON array (`dockerJson`), and the one shell line that cannot be avoided (the container's command, which
 * reads `$PORT`) is built from words quoted by `shellQuote` — the only shell quoting function.
 */
import { StartupError } from "../http/errors.js";

/** Control characters (a newline above all) are refused in anything written into a generated file. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws a one-line error naming `what` when `value` holds a control character. */
export function refuseControl(value: string, what: string): string {
  if (CONTROL.test(value)) throw new StartupError(`${what} ${JSON.stringify(value)} contains a newline or another control character, which Almanac will not write into a Dockerfile`);
  return value;
}

/** Words that need no quotes in sh: the same set Python's shlex.quote leaves alone. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` as one sh word: unchanged when it holds only safe characters, else in single quotes (inside which sh
 * expands nothing), each `'` written as `'"'"'`. Control characters are refused.
 */
export function shellQuote(value: string): string {
  refuseControl(value, "the value");
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Words joined into one sh command line, each quoted. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/**
 * An exec-form Dockerfile instruction's argument list (`RUN ["npm", "install", …]`): JSON, so Docker runs it
 * without a shell and substitutes no variables. Control characters are refused (JSON could escape them, but a
 * name with a newline is a mistake worth stopping at).
 */
export function dockerJson(argv: readonly string[]): string {
  return `[${argv.map((a) => JSON.stringify(refuseControl(a, "the argument"))).join(", ")}]`;
}

/**
 * Splits `--extra-options` text into words the way sh would (whitespace separates; '…' is literal; "…" keeps
 * `\"`, `\\`, `\$` and `` \` `` escapes; a backslash outside quotes escapes the next character), without
 * expanding anything. The words are quoted again, one by one, where they are used.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new StartupError(`--extra-options: unterminated ' in ${JSON.stringify(text)}`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) j++;
        word += text[j];
      }
      if (j >= text.length) throw new StartupError(`--extra-options: unterminated " in ${JSON.stringify(text)}`);
      i = j;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}
