// Generates the deterministic benchmark database (table `items`). Usage: node bench/generate.js [--rows N] [--out path] [--seed S] [--fts]
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

const here = dirname(fileURLToPath(import.meta.url));

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    out: { type: "string", default: join(here, "data", "items-1m.db") },
    seed: { type: "string", default: "1" },
    fts: { type: "boolean", default: false },
  },
});
const rows = Number(opts.rows);
const seed = Number(opts.seed);
if (!Number.isInteger(rows) || rows < 1) throw new Error("--rows must be a positive integer");
if (!Number.isInteger(seed)) throw new Error("--seed must be an integer");

/** mulberry32: a tiny 32-bit PRNG, so the same seed gives the same rows on every machine. */
function mulberry32(a) {
  return function next() {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(seed);
const int = (n) => Math.floor(random() * n);
const pick = (list) => list[int(list.length)];

const ADJECTIVES = ["red", "blue", "green", "small", "large", "heavy", "light", "quiet", "rapid", "steady",
  "bright", "dark", "smooth", "rough", "golden", "silver", "wooden", "paper", "glass", "iron"];
const NOUNS = ["widget", "gadget", "lamp", "chair", "table", "kettle", "bottle", "brush", "clock", "spanner",
  "basket", "ladder", "mirror", "pillow", "bucket", "hammer", "candle", "button", "drawer", "helmet"];
const WORDS = ["for", "the", "kitchen", "garden", "office", "with", "extra", "storage", "made", "from",
  "recycled", "steel", "cotton", "easy", "to", "clean", "fits", "most", "rooms", "handy", "durable",
  "compact", "portable", "classic", "design", "everyday", "use", "gift", "set", "of", "two"];
const TAGS = ["new", "sale", "eco", "bestseller", "limited", "imported", "handmade", "bundle", "clearance", "premium"];
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `c${i}`);
const START = Date.UTC(2018, 0, 1) / 1000;
const SPAN = Date.UTC(2025, 0, 1) / 1000 - START; // seven years of seconds

function item(id) {
  const words = Array.from({ length: 3 + int(6) }, () => pick(WORDS));
  const tags = [...new Set(Array.from({ length: int(4) }, () => pick(TAGS)))];
  return {
    id,
    name: `${pick(ADJECTIVES)} ${pick(NOUNS)} ${int(1000)}`,
    category: pick(CATEGORIES),
    // Skewed towards cheap items; whole cents.
    price: Math.round(random() ** 2 * 100000) / 100,
    quantity: int(1000),
    created: new Date((START + int(SPAN)) * 1000).toISOString().slice(0, 19) + "Z",
    tags: JSON.stringify(tags),
    description: words.join(" "),
  };
}

const out = resolve(opts.out);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { force: true });
const started = performance.now();
const db = new Database(tmp);
try {
  // Nothing to protect while building a throwaway file: skip the journal and fsyncs.
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.exec(`CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price REAL NOT NULL,
    quantity INTEGER NOT NULL,
    created TEXT NOT NULL,
    tags TEXT NOT NULL,
    description TEXT NOT NULL
  )`);
  const insert = db.prepare(`INSERT INTO items (id, name, category, price, quantity, created, tags, description)
    VALUES (@id, @name, @category, @price, @quantity, @created, @tags, @description)`);
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) insert.run(item(id));
  })();
  // Indexes after the data: one sorted build is much faster than a million incremental inserts.
  db.exec("CREATE INDEX items_category ON items(category); CREATE INDEX items_created ON items(created);");
  if (opts.fts) {
    db.exec(`CREATE VIRTUAL TABLE items_fts USING fts5(name, description, content="items", content_rowid="id");
      INSERT INTO items_fts(items_fts) VALUES ('rebuild');`);
  }
  db.close();
  renameSync(tmp, out);
} catch (err) {
  if (db.open) db.close();
  rmSync(tmp, { force: true });
  throw err;
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`wrote ${out}: ${rows} rows${opts.fts ? " + items_fts" : ""} (seed ${seed}) in ${seconds} s`);
