#!/usr/bin/env node
// Copies only the dist files the templates use from node_modules/ into static/vendor/<package>/.
// The result is committed, so running the site needs neither npm nor the internet.
// Usage: npm ci && node scripts/vendor.js   (or `make vendor`)
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const nm = path.join(root, "node_modules");
const out = path.join(root, "static", "vendor");

// package → list of [source relative to the package, destination relative to static/vendor/<package>]
const FILES = {
  bootstrap: [
    ["dist/css/bootstrap.min.css", "css/bootstrap.min.css"],
    ["dist/js/bootstrap.bundle.min.js", "js/bootstrap.bundle.min.js"],
    ["LICENSE", "LICENSE"],
  ],
  "bootstrap-icons": [
    ["font/bootstrap-icons.min.css", "font/bootstrap-icons.min.css"],
    ["font/fonts/bootstrap-icons.woff2", "font/fonts/bootstrap-icons.woff2"],
    ["font/fonts/bootstrap-icons.woff", "font/fonts/bootstrap-icons.woff"],
    ["LICENSE", "LICENSE"],
  ],
  "htmx.org": [
    ["dist/htmx.min.js", "htmx.min.js"],
    ["LICENSE", "LICENSE"],
  ],
  // Alpine's CSP build: it parses x-* expressions itself instead of compiling them with `new Function`,
  // so the Content-Security-Policy needs no 'unsafe-eval' (docs/security.md). Kept at the old path.
  "@alpinejs/csp": [
    ["dist/cdn.min.js", "../../alpinejs/alpine.min.js"],
  ],
  echarts: [
    ["dist/echarts.min.js", "echarts.min.js"],
    ["LICENSE", "LICENSE"],
  ],
};

const pkgJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const pinned = pkgJson.devDependencies || {};
const versions = {};

fs.rmSync(out, { recursive: true, force: true });
for (const [pkg, files] of Object.entries(FILES)) {
  const pkgDir = path.join(nm, pkg);
  const installed = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
  if (pinned[pkg] !== installed) {
    // A drifted node_modules would silently vendor the wrong version: refuse.
    console.error(`${pkg}: package.json pins ${pinned[pkg]} but node_modules has ${installed}; run npm ci`);
    process.exit(1);
  }
  versions[pkg] = installed;
  for (const [src, dst] of files) {
    const to = path.join(out, pkg, dst);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    let data = fs.readFileSync(path.join(pkgDir, src));
    if (/\.(js|css)$/.test(dst)) {
      // The .map files are not vendored; a dangling sourceMappingURL would only produce 404s.
      data = Buffer.from(data.toString("utf8").replace(/\n?\/[*/][#@] sourceMappingURL=[^\n]*$/gm, ""));
    }
    fs.writeFileSync(to, data);
  }
}
// Alpine ships its MIT licence only in the repository, not in the npm tarball.
fs.writeFileSync(path.join(out, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log("vendored into static/vendor/:", versions);
