// The table page as HTML beside its JSON twin, in the same run, on the demo database (issue 4's target:
// HTML at least 50% of the JSON rate). Run by hand after `npm run build` and `node demo/build.js`.
// Usage: node bench/html.js [--duration 10] [--connections 10] [--rounds 3]
import { freePort, get, loadSetup, medianRun, startServer, stopServer } from "./lib.js";

const { rounds: ROUNDS, describe, load } = loadSetup();

// Pages a visitor opens: the default table page (100 rows, count, suggested facets), a filtered and
// faceted one, and a row page. Each is paired with its JSON twin (same query string).
// The "same data" line compares the table page with a JSON request for what its HTML shows (count,
// suggested facets, labels), not only the default JSON twin.
const PAGES = [
  { name: "table page", path: "/bigmac/bigmac" },
  { name: "  (same data)", path: "/bigmac/bigmac", jsonArgs: "_extra=count,suggested_facets,facet_results,human_description_en&_labels=on" },
  { name: "filtered + facet", path: "/bigmac/bigmac?iso_a3=CHE&_facet=currency_code&_sort_desc=date" },
  { name: "row page", path: "/bigmac/bigmac/2020-01-14,CHE" },
];

function jsonTwin(path, extra) {
  const [p, q] = path.split("?");
  const args = [q, extra].filter(Boolean).join("&");
  return `${p}.json${args ? `?${args}` : ""}`;
}


const port = await freePort();
const server = await startServer(
  "Almanac",
  ["bin/almanac.js", "serve", "demo/bigmac.db", "-m", "demo/metadata.json", "-c", "demo/datasette.yaml", "--host", "127.0.0.1", "-p", String(port)],
  port,
);
try {
  console.log(`HTML vs JSON on the demo database (${describe})`);
  console.log("page                 | HTML req/s | JSON req/s | HTML/JSON | HTML p50 ms | JSON p50 ms | HTML bytes | JSON bytes");
  for (const page of PAGES) {
    const urls = { html: server.base + page.path, json: server.base + jsonTwin(page.path, page.jsonArgs) };
    const sizes = {};
    for (const [k, url] of Object.entries(urls)) {
      const r = await get(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      sizes[k] = Buffer.byteLength(r.body);
    }
    const rounds = { html: [], json: [] };
    // Alternate the two so that noise on this shared machine hits both.
    for (let i = 0; i < ROUNDS; i++) for (const k of ["html", "json"]) rounds[k].push(await load(urls[k]));
    const pick = (k) => medianRun(rounds[k]);
    const h = pick("html");
    const j = pick("json");
    console.log(
      `${page.name.padEnd(20)} | ${h.rps.toFixed(0).padStart(10)} | ${j.rps.toFixed(0).padStart(10)} | ${((100 * h.rps) / j.rps).toFixed(0).padStart(8)}% | ${h.p50.toFixed(2).padStart(11)} | ${j.p50.toFixed(2).padStart(11)} | ${String(sizes.html).padStart(10)} | ${String(sizes.json).padStart(10)}`,
    );
    if (h.errors || j.errors) console.log(`  errors: HTML ${h.errors}, JSON ${j.errors}`);
  }
} finally {
  await stopServer(server);
}
