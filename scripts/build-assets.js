// Bundles the browser code and styles in static/ into dist/static/ with esbuild: the pages load
// app.js and app.css on every page, editor.js only where there is a SQL editor. Built-in plugins' browser
// code (plugins/<folder>/browser/) goes to dist/plugins/<folder>/static/, served at /-/static-plugins/<name>/.
// Everything the browser needs is bundled here, so the app makes no network requests beyond its own server.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "static");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const common = {
  outdir,
  bundle: true,
  minify: true,
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  legalComments: "linked",
  logLevel: "warning",
  define: { __ALMANAC_VERSION__: JSON.stringify(version) },
};
// Two builds: esbuild names outputs by entry, and the script and the stylesheet are both "app".
await build({
  ...common,
  entryPoints: { app: join(root, "static", "js", "app.ts"), editor: join(root, "static", "js", "editor.ts") },
  format: "esm",
});
await build({ ...common, entryPoints: { app: join(root, "static", "css", "app.css") } });
console.log(`build-assets: ${outdir}`);

// Built-in plugins: each entry's script is an ES module; `import()` inside it becomes a chunk of its own,
// fetched only when that code runs (the charts plugin's Vega bundle loads when a chart panel opens).
const plugins = [
  { folder: "charts", scripts: ["charts.ts"], styles: ["charts.css"] },
  { folder: "auth-passwords", scripts: ["password-tool.ts"], styles: ["auth-passwords.css"] },
];
for (const p of plugins) {
  const src = join(root, "plugins", p.folder, "browser");
  const out = join(root, "dist", "plugins", p.folder, "static");
  rmSync(out, { recursive: true, force: true }); // chunk names carry hashes: no stale ones left behind
  const result = await build({
    ...common,
    outdir: out,
    entryPoints: p.scripts.map((f) => join(src, f)),
    format: "esm",
    splitting: true,
    chunkNames: "[name]-[hash]",
    metafile: true,
  });
  await build({ ...common, outdir: out, entryPoints: p.styles.map((f) => join(src, f)) });
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => f.endsWith(".js"))
    .map(([f, o]) => `${f.split("/").pop()} ${(o.bytes / 1024).toFixed(0)} KB`);
  console.log(`build-assets: ${out} (${sizes.join(", ")})`);
}
