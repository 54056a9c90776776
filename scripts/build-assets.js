// Bundles the browser code and styles in static/ into dist/static/ with esbuild: the pages load
// app.js and app.css on every page, editor.js only where there is a SQL editor. Everything the
// browser needs is bundled here, so the app makes no network requests beyond its own server.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "static");

const common = {
  outdir,
  bundle: true,
  minify: true,
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  legalComments: "linked",
  logLevel: "warning",
};
// Two builds: esbuild names outputs by entry, and the script and the stylesheet are both "app".
await build({
  ...common,
  entryPoints: { app: join(root, "static", "js", "app.ts"), editor: join(root, "static", "js", "editor.ts") },
  format: "esm",
});
await build({ ...common, entryPoints: { app: join(root, "static", "css", "app.css") } });
console.log(`build-assets: ${outdir}`);
