// Plugin hook overhead (issue 5's target: table JSON requests/s with 10 no-op plugins loaded at least 90% of
// the rate with none, same run). Each no-op plugin implements every hook a JSON request passes through —
// actor_from_request and permission_rules answering null, a pass-through asgi_wrapper middleware,
// handle_exception — plus the page hooks, so the figure is the cost of asking them, not of doing anything.
// Run by hand after `npm run build` and `node demo/build.js`.
// Usage: node bench/plugins.js [--duration 10] [--connections 10] [--rounds 3] [--plugins 10]
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, get, loadSetup, medianRun, root, startServer, stopServer } from "./lib.js";

const { values, rounds: ROUNDS, describe, load } = loadSetup({ plugins: { type: "string", default: "10" } });
const PLUGINS = Number(values.plugins);

const NOOP = `export default {
  actor_from_request: () => null,
  permission_rules: () => null,
  asgi_wrapper: () => (next) => (req) => next(req),
  handle_exception: () => null,
  forbidden: () => null,
  track_event: () => {},
  menu_links: () => null,
  extra_css_urls: () => null,
  extra_js_urls: () => null,
  extra_template_vars: () => null,
  extra_body_script: () => null,
  render_cell: () => null,
};
`;
const dir = join(root, "bench", "data", "noop-plugins");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (let i = 0; i < PLUGINS; i++) writeFileSync(join(dir, `noop${String(i).padStart(2, "0")}.mjs`), NOOP);

const PATHS = [
  { name: "table JSON", path: "/bigmac/bigmac.json" },
  { name: "filtered JSON", path: "/bigmac/bigmac.json?iso_a3=CHE&_sort_desc=date" },
  { name: "row JSON", path: "/bigmac/bigmac/2020-01-14,CHE.json" },
];

const serveArgs = (port) => ["bin/almanac.js", "serve", "demo/bigmac.db", "-m", "demo/metadata.json", "-c", "demo/datasette.yaml", "--host", "127.0.0.1", "-p", String(port)];

const [p1, p2] = [await freePort(), await freePort()];
const none = await startServer("no plugins", serveArgs(p1), p1);
const many = await startServer(`${PLUGINS} no-op plugins`, [...serveArgs(p2), "--plugins-dir", dir], p2);
try {
  const listed = JSON.parse((await get(`${many.base}/-/plugins.json`)).body).filter((p) => p.name.startsWith("noop")).length;
  if (listed !== PLUGINS) throw new Error(`expected ${PLUGINS} no-op plugins, /-/plugins.json lists ${listed}`);
  console.log(`Plugin hook overhead (${describe})`);
  console.log(`request         | none req/s | ${String(PLUGINS).padStart(2)} no-op req/s | ratio | none p50 ms | no-op p50 ms`);
  for (const { name, path } of PATHS) {
    for (const s of [none, many]) {
      const r = await get(s.base + path);
      if (r.status !== 200) throw new Error(`${s.base + path} answered ${r.status}`);
    }
    const rounds = { none: [], many: [] };
    // Alternate the two servers so noise on this shared machine hits both.
    for (let i = 0; i < ROUNDS; i++) {
      rounds.none.push(await load(none.base + path));
      rounds.many.push(await load(many.base + path));
    }
    const pick = (k) => medianRun(rounds[k]);
    const a = pick("none");
    const b = pick("many");
    console.log(
      `${name.padEnd(15)} | ${a.rps.toFixed(0).padStart(10)} | ${b.rps.toFixed(0).padStart(16)} | ${((100 * b.rps) / a.rps).toFixed(0).padStart(4)}% | ${a.p50.toFixed(2).padStart(11)} | ${b.p50.toFixed(2).padStart(12)}`,
    );
    if (a.errors || b.errors) console.log(`  errors: none ${a.errors}, no-op ${b.errors}`);
  }
} finally {
  await stopServer(none);
  await stopServer(many);
}
