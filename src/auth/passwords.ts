/**
 * @module Password hashes in datasette-auth-passwords' format (Django's layout):
 * `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte PBKDF2-HMAC-SHA256 key>`. The salt is text (its
 * UTF-8 bytes are the PBKDF2 salt). PBKDF2 runs on libuv's thread pool (crypto.pbkdf2), never on the event loop.
 */
import { pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";

export const ALGORITHM = "pbkdf2_sha256";
export const DEFAULT_ITERATIONS = 480_000;
/** Far beyond any real hash: a configured count this high would stall every login. */
const MAX_ITERATIONS = 10_000_000;
const KEY_LENGTH = 32;

export interface ParsedHash {
  iterations: number;
  salt: string;
  hash: string;
}

/** The parts of a stored hash, or a description of what is wrong with it (reported at start-up). */
export function parseHash(stored: string): ParsedHash | { problem: string } {
  const parts = stored.trim().split("$");
  if (parts.length !== 4) return { problem: `a hash has four parts separated by "$" (${ALGORITHM}$iterations$salt$hash); this one has ${parts.length}` };
  const [algorithm, count, salt, hash] = parts;
  if (algorithm !== ALGORITHM) return { problem: `the algorithm must be ${ALGORITHM}, not ${JSON.stringify(algorithm.slice(0, 40))}` };
  if (!/^[0-9]+$/.test(count) || Number(count) < 1 || Number(count) > MAX_ITERATIONS) return { problem: `the iteration count must be a whole number from 1 to ${MAX_ITERATIONS}` };
  if (!salt) return { problem: "the salt is empty" };
  if (!/^[A-Za-z0-9+/]{43}=$/.test(hash)) return { problem: "the hash must be 44 characters of base64 (a 32-byte key)" };
  return { iterations: Number(count), salt, hash };
}

function derive(password: string, salt: string, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(Buffer.from(password, "utf8"), Buffer.from(salt, "utf8"), iterations, KEY_LENGTH, "sha256", (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A new hash: 480,000 iterations and 32 random hex characters of salt unless told otherwise. */
export async function hashPassword(password: string, options: { iterations?: number; salt?: string } = {}): Promise<string> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const salt = options.salt ?? randomBytes(16).toString("hex");
  if (salt.includes("$")) throw new Error("a salt must not contain $");
  const key = await derive(password, salt, iterations);
  return `${ALGORITHM}$${iterations}$${salt}$${key.toString("base64")}`;
}

/** Whether `password` matches `stored`: the whole string recomputed and compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if ("problem" in parsed) return false;
  const expected = Buffer.from(stored.trim(), "utf8");
  const actual = Buffer.from(await hashPassword(password, { iterations: parsed.iterations, salt: parsed.salt }), "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
