/** @module Command-line rewriting commander cannot do itself: `serve` as the default command, two-value `-s KEY VALUE`. */
import { StartupError } from "../http/errors.js";

/** Prepends `serve` unless the first argument names a command or is a top-level flag (`almanac bigmac.db`). */
export function withDefaultCommand(argv: string[], commands: ReadonlySet<string>, topLevelFlags: ReadonlySet<string>): string[] {
  const first = argv[0];
  if (first !== undefined && (commands.has(first) || topLevelFlags.has(first))) return argv;
  return ["serve", ...argv];
}

/** Joins a KEY VALUE pair into the one value commander sees for `--setting`. */
export function encodePair(key: string, value: string): string {
  return JSON.stringify([key, value]);
}

export function decodePair(encoded: string): [string, string] {
  return JSON.parse(encoded) as [string, string];
}

/**
 * Rewrites every `-s KEY VALUE` / `--setting KEY VALUE` (after the command name) into `--setting=<pair>`,
 * skipping the values of other options (so `--secret -s` is a secret), and stopping at `--`.
 * `valueFlags` are the flags that take a value, e.g. `-p`, `--port`.
 */
export function joinSettingPairs(argv: string[], valueFlags: ReadonlySet<string>, settingFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (settingFlags.has(flag)) {
      // `--setting=KEY VALUE` is accepted too: the key is after "=", the value is the next argument.
      const key = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      const value = argv[++i];
      if (key === undefined || value === undefined) throw new StartupError(`${flag} needs two values: KEY VALUE (e.g. -s sql_time_limit_ms 5000)`);
      out.push(`--setting=${encodePair(key, value)}`);
    } else if (valueFlags.has(flag) && eq < 0) {
      out.push(arg);
      if (i + 1 < argv.length) out.push(argv[++i]);
    } else {
      out.push(arg);
    }
  }
  return out;
}
