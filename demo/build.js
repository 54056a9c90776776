// Builds the demo SQLite database (demo/bigmac.db) from The Economist's Big Mac index CSV. Usage: node demo/build.js [out.db] [--force]
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

const here = dirname(fileURLToPath(import.meta.url));
const CSV_PATH = join(here, "data", "big-mac-full-index.csv");
const DEFAULT_OUT = join(here, "bigmac.db");

const TEXT_COLUMNS = ["date", "iso_a3", "currency_code", "name"];
// Every other column of the CSV is a number; the GDP-adjusted ones are empty where the adjusted index
// was not calculated (before 2011, and for countries outside the regression), which becomes NULL.
const REAL_COLUMNS = [
  "local_price", "dollar_ex", "dollar_price",
  "USD_raw", "EUR_raw", "GBP_raw", "JPY_raw", "CNY_raw",
  "GDP_bigmac", "adj_price",
  "USD_adjusted", "EUR_adjusted", "GBP_adjusted", "JPY_adjusted", "CNY_adjusted",
];
const ALWAYS_PRESENT = new Set([...TEXT_COLUMNS, "local_price", "dollar_ex", "dollar_price",
  "USD_raw", "EUR_raw", "GBP_raw", "JPY_raw", "CNY_raw"]);

// The primary key is the compound (date, iso_a3): the data has exactly one observation per country per
// date, it is the key readers already use, and it shows off Datasette's compound-key row URLs
// (/bigmac/bigmac/2000-04-01,ARG). It stays a rowid table so nothing else needs special casing.
// `name` and `currency_code` are kept as published for each date (Venezuela moved from VEF to VES, the
// UAE was once listed as "UAE"); `countries` holds the latest of each.
const SCHEMA = `
CREATE TABLE countries (
  iso_a3 TEXT PRIMARY KEY,        -- ISO 3166-1 alpha-3 code; EUZ is The Economist's code for the euro area
  name TEXT NOT NULL,
  currency_code TEXT NOT NULL
);
CREATE TABLE bigmac (
  date TEXT NOT NULL,
  iso_a3 TEXT NOT NULL REFERENCES countries(iso_a3),
  currency_code TEXT NOT NULL,
  name TEXT NOT NULL,
${REAL_COLUMNS.map((c) => `  ${c} REAL${ALWAYS_PRESENT.has(c) ? " NOT NULL" : ""},`).join("\n")}
  PRIMARY KEY (date, iso_a3)
);
-- No separate index on date: the primary key's index starts with it.
-- (iso_a3, date) serves both the foreign key and "one country over time" (?iso_a3=GBR&_sort_desc=date).
CREATE INDEX bigmac_iso_a3_date ON bigmac(iso_a3, date);
CREATE INDEX bigmac_name ON bigmac(name);
CREATE INDEX bigmac_currency_code ON bigmac(currency_code);
-- Full-text search over country names. The triggers fill it as countries are inserted below, and keep
-- it in sync later so a write through the API cannot leave it stale.
CREATE VIRTUAL TABLE countries_fts USING fts5(name, content="countries");
CREATE TRIGGER countries_ai AFTER INSERT ON countries BEGIN
  INSERT INTO countries_fts(rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER countries_ad AFTER DELETE ON countries BEGIN
  INSERT INTO countries_fts(countries_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER countries_au AFTER UPDATE ON countries BEGIN
  INSERT INTO countries_fts(countries_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
  INSERT INTO countries_fts(rowid, name) VALUES (new.rowid, new.name);
END;
`;

/**
 * Parses RFC 4180 CSV text into an array of records (arrays of strings): quoted fields may contain
 * commas, doubled quotes and line breaks; CRLF and LF line endings are both accepted.
 */
export function parseCsv(text) {
  const records = [];
  let record = [];
  let field = "";
  let i = 0;
  let quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (ch === '"') {
      if (field !== "") throw new Error(`CSV: unexpected quote inside an unquoted field (record ${records.length + 1})`);
      quoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += ch;
    }
  }
  if (quoted) throw new Error("CSV: unterminated quoted field");
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** Turns CSV records into row objects with typed values; fails loudly on anything unexpected. */
function toRows(records) {
  const [header, ...data] = records;
  const expected = [...TEXT_COLUMNS, ...REAL_COLUMNS];
  for (const c of expected) {
    if (!header.includes(c)) throw new Error(`CSV: missing column ${c}`);
  }
  return data
    .filter((r) => !(r.length === 1 && r[0] === "")) // blank lines
    .map((r, n) => {
      const line = n + 2; // counting the header, and assuming no line breaks inside fields
      if (r.length !== header.length) throw new Error(`CSV line ${line}: ${r.length} fields, expected ${header.length}`);
      const raw = Object.fromEntries(header.map((h, j) => [h, r[j].trim()]));
      const row = {};
      for (const c of expected) {
        const v = raw[c];
        if (v === "") {
          if (ALWAYS_PRESENT.has(c)) throw new Error(`CSV line ${line}: ${c} is empty`);
          row[c] = null;
        } else if (TEXT_COLUMNS.includes(c)) {
          row[c] = v;
        } else {
          const num = Number(v);
          if (!Number.isFinite(num)) throw new Error(`CSV line ${line}: ${c} is not a number: ${v}`);
          row[c] = num;
        }
      }
      if (!/^\d{4}-\d\d-\d\d$/.test(row.date)) throw new Error(`CSV line ${line}: date is not ISO: ${row.date}`);
      return row;
    });
}

/** The latest name and currency of each country, for the `countries` table. */
function latestCountries(rows) {
  const byIso = new Map();
  for (const r of rows) {
    const seen = byIso.get(r.iso_a3);
    if (!seen || r.date >= seen.date) byIso.set(r.iso_a3, r);
  }
  return [...byIso.values()]
    .map(({ iso_a3, name, currency_code }) => ({ iso_a3, name, currency_code }))
    .sort((a, b) => (a.iso_a3 < b.iso_a3 ? -1 : 1));
}

/** Writes the whole database to `tmpPath`; the caller renames it into place. */
function writeDatabase(tmpPath, rows) {
  const db = new Database(tmpPath);
  try {
    db.pragma("foreign_keys = ON");
    db.exec(SCHEMA);
    const insertCountry = db.prepare("INSERT INTO countries (iso_a3, name, currency_code) VALUES (@iso_a3, @name, @currency_code)");
    const columns = [...TEXT_COLUMNS, ...REAL_COLUMNS];
    const insertRow = db.prepare(`INSERT INTO bigmac (${columns.join(", ")}) VALUES (${columns.map((c) => "@" + c).join(", ")})`);
    db.transaction(() => {
      for (const c of latestCountries(rows)) insertCountry.run(c);
      for (const r of rows) insertRow.run(r);
    })();
    const problems = db.pragma("foreign_key_check");
    if (problems.length > 0) throw new Error(`foreign key check failed: ${JSON.stringify(problems.slice(0, 3))}`);
    const counts = {};
    for (const t of ["bigmac", "countries", "countries_fts"]) {
      counts[t] = db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n;
    }
    return counts;
  } finally {
    db.close();
  }
}

/** Builds `outPath` unless it is newer than its inputs (the CSV and this script); returns what it did. */
export function buildDemo(outPath = DEFAULT_OUT, { force = false } = {}) {
  const out = resolve(outPath);
  const inputsChanged = Math.max(statSync(CSV_PATH).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (!force && existsSync(out) && statSync(out).mtimeMs >= inputsChanged) {
    return { built: false, path: out };
  }
  const rows = toRows(parseCsv(readFileSync(CSV_PATH, "utf8")));
  // Build beside the target and rename, so a half-built database never sits at `out`.
  const tmp = `${out}.tmp-${process.pid}`;
  mkdirSync(dirname(out), { recursive: true });
  rmSync(tmp, { force: true });
  try {
    const counts = writeDatabase(tmp, rows);
    renameSync(tmp, out);
    return { built: true, path: out, counts };
  } catch (err) {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}-journal`, { force: true });
    throw err;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const force = args.includes("--force");
  const outArg = args.find((a) => !a.startsWith("--"));
  try {
    const result = buildDemo(outArg ?? DEFAULT_OUT, { force });
    if (!result.built) {
      console.log(`${result.path} is up to date (use --force to rebuild)`);
    } else {
      console.log(`built ${result.path}`);
      for (const [table, n] of Object.entries(result.counts)) console.log(`  ${table}: ${n} rows`);
    }
  } catch (err) {
    console.error(`demo/build.js: ${err.message}`);
    process.exit(1);
  }
}
