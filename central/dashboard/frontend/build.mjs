// Copies the built files of the front-end packages into ../static/vendor, where the
// dashboard serves them itself (it must work on a closed network: no CDN).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "static", "vendor");
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "chart.umd.min.js": "node_modules/chart.js/dist/chart.umd.min.js",
};

mkdirSync(vendor, { recursive: true });
const versions = {};
for (const [target, source] of Object.entries(files)) {
  copyFileSync(join(here, source), join(vendor, target));
  const pkg = source.split("/")[1];
  versions[pkg] = JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"))).version;
}
writeFileSync(join(vendor, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
