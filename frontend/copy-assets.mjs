// Copies the pre-built files Inspiring uses from npm packages into
// static/build, where Django's staticfiles finds them. Nothing here is
// committed: `make` runs this after `npm ci`.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "build");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

const copies = [
  [join(nhsuk, "assets"), join(out, "nhsuk", "assets")],
  [join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk", "nhsuk-frontend.min.js")],
  // The script names its source map; the cache-busting storage needs it there.
  [join(nhsuk, "nhsuk-frontend.min.js.map"), join(out, "nhsuk", "nhsuk-frontend.min.js.map")],
  [join(root, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js")],
];

mkdirSync(out, { recursive: true });
for (const [from, to] of copies) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}
console.log(`Copied ${copies.length} front-end assets into static/build`);
