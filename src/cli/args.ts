/** @module Command-line rewriting commander cannot do itself: `serve` as the default command, two-value `-s KEY VALUE`. */
import { StartupError } from "../http/errors.js";

/** Prepends `serve` unless the first argument names a command or is a top-level flag (`almanac bigmac.db`). */
export function withDefaultCommand(argv: string[], commands: ReadonlySet<string>, topLevelFlags: ReadonlySet<string>): string[] {
  const first = argv[0];
  if (first !== undefined && (commands.has(first) || topLevelFlags.has(first))) return argv;
  return ["serve", ...argv];
}

/** The values of one use of a multi-value option, as joinTuples joined them (`["KEY","VALUE"]`). */
export function decodePair(encoded: string): [string, string] {
  return JSON.parse(encoded) as [string, string];
}

/** An option that takes several values (`-s KEY VALUE`, `-r DB RESOURCE ACTION`): its long name, count and usage. */
export interface TupleFlag {
  long: string;
  count: number;
  /** The error when values are missing, e.g. "-s needs two values: KEY VALUE". */
  usage: string;
}

/**
 * Rewrites every multi-value option (after the command name) into `--long=<JSON array>`, the one value
 * commander sees, skipping the values of other options (so `--secret -s` is a secret), and stopping at `--`.
 * `--long=FIRST REST…` is accepted too. `valueFlags` are the flags that take one value, e.g. `-p`, `--port`.
 */
export function joinTuples(argv: string[], valueFlags: ReadonlySet<string>, tuples: ReadonlyMap<string, TupleFlag>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const tuple = tuples.get(flag);
    if (tuple) {
      const values: string[] = [];
      if (eq > 0) values.push(arg.slice(eq + 1));
      while (values.length < tuple.count && i + 1 < argv.length) values.push(argv[++i]);
      if (values.length < tuple.count) throw new StartupError(tuple.usage);
      out.push(`${tuple.long}=${JSON.stringify(values)}`);
    } else if (valueFlags.has(flag) && eq < 0) {
      out.push(arg);
      if (i + 1 < argv.length) out.push(argv[++i]);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `-s`/`--setting` (or the given flags) as two-value options joined into `--setting=<pair>`. */
export function settingTuples(flags: Iterable<string> = ["-s", "--setting"]): Map<string, TupleFlag> {
  return new Map([...flags].map((flag) => [flag, { long: "--setting", count: 2, usage: `${flag} needs two values: KEY VALUE (e.g. -s sql_time_limit_ms 5000)` }]));
}

/** `-s KEY VALUE` / `--setting KEY VALUE` joined into `--setting=<pair>` (see joinTuples). */
export function joinSettingPairs(argv: string[], valueFlags: ReadonlySet<string>, settingFlags: ReadonlySet<string>): string[] {
  return joinTuples(argv, valueFlags, settingTuples(settingFlags));
}
