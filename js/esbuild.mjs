// Bundles js/src into xai_widgets/static/widget.js and widget.css for anywidget's _esm / _css.
// Usage: node js/esbuild.mjs [--watch] [--dev]   (--dev: no minification, inline source map)
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");

const options = {
  absWorkingDir: root,
  entryPoints: [
    { in: "js/src/index.ts", out: "widget" },
    { in: "js/src/widget.css", out: "widget" },
  ],
  outdir: "xai_widgets/static",
  bundle: true,
  format: "esm",
  target: "es2020",
  platform: "browser",
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  legalComments: "eof",
  logLevel: "info",
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
