// The cost of password protection (issue 6's target: /bigmac/bigmac.json with valid Basic credentials on the
// seed set-up — http_basic_auth on, the database behind an allow block — at least 80% of the same request
// anonymous on an open instance, same run). Scripts send their credentials on every request; the password
// plugin verifies a header once (PBKDF2, ~0.2 s of CPU) and then answers from its cache, so the figure is
// the cost of that look-up, the resolver's allow-block check and a private response.
// Run by hand after `npm run build` and `node demo/build.js`.
// Usage: node bench/auth.js [--duration 10] [--connections 10] [--rounds 3]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, get, loadSetup, medianRun, root, startServer, stopServer } from "./lib.js";

const { rounds: ROUNDS, describe, load } = loadSetup();

// The seed metadata (test/fixtures/seed.ts): one account whose password is "password!", Basic auth for the
// whole site, and the database visible to signed-in actors only.
const SEED = {
  title: "personal dataset instance",
  plugins: {
    "datasette-auth-passwords": {
      http_basic_auth: true,
      someusername_password_hash: "pbkdf2_sha256$480000$0123456789abcdef0123456789abcdef$QOb6OP4qyVKYSPzrltfB3ME5iR+eU+f1ycVdOhGbJpc=",
      actors: { someusername: { id: "someusername", name: "API user" } },
    },
  },
  databases: { bigmac: { allow: { id: "*" } } },
};
const CREDENTIALS = { authorization: "Basic " + Buffer.from("someusername:password!").toString("base64") };

const dir = join(root, "bench", "data");
mkdirSync(dir, { recursive: true });
const metadata = join(dir, "auth-metadata.json");
writeFileSync(metadata, JSON.stringify(SEED, null, 2));

const PATHS = [
  { name: "table JSON", path: "/bigmac/bigmac.json" },
  { name: "row JSON", path: "/bigmac/bigmac/2020-01-14,CHE.json" },
];

const serveArgs = (port) => ["bin/almanac.js", "serve", "demo/bigmac.db", "--host", "127.0.0.1", "-p", String(port)];

const [p1, p2] = [await freePort(), await freePort()];
const open = await startServer("open instance", serveArgs(p1), p1);
const guarded = await startServer("seed set-up (http_basic_auth)", [...serveArgs(p2), "-m", metadata], p2, { headers: CREDENTIALS });
try {
  // The set-up is what it claims: anonymous requests are refused, the credentials are accepted.
  const refused = await get(guarded.base + PATHS[0].path);
  if (refused.status !== 401) throw new Error(`an anonymous request to the protected server answered ${refused.status}, not 401`);
  console.log(`Password protection (${describe})`);
  console.log("request     | anonymous, open req/s | Basic, protected req/s | ratio | open p50 ms | Basic p50 ms");
  for (const { name, path } of PATHS) {
    const a = await get(open.base + path);
    const b = await get(guarded.base + path, { headers: CREDENTIALS });
    if (a.status !== 200 || b.status !== 200) throw new Error(`${path} answered ${a.status} (open) and ${b.status} (with credentials)`);
    const rounds = { open: [], guarded: [] };
    // Alternate the two servers so noise on this shared machine hits both.
    for (let i = 0; i < ROUNDS; i++) {
      rounds.open.push(await load(open.base + path));
      rounds.guarded.push(await load(guarded.base + path, CREDENTIALS));
    }
    const pick = (k) => medianRun(rounds[k]);
    const x = pick("open");
    const y = pick("guarded");
    console.log(
      `${name.padEnd(11)} | ${x.rps.toFixed(0).padStart(21)} | ${y.rps.toFixed(0).padStart(22)} | ${((100 * y.rps) / x.rps).toFixed(0).padStart(4)}% | ${x.p50.toFixed(2).padStart(11)} | ${y.p50.toFixed(2).padStart(12)}`,
    );
    if (x.errors || y.errors) console.log(`  errors: open ${x.errors}, protected ${y.errors}`);
  }
} finally {
  await stopServer(open);
  await stopServer(guarded);
}
