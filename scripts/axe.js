// Run axe-core on local HTML files in headless Chromium and print one JSON report on stdout.
// Usage: node scripts/axe.js TOOLS_DIR FILE.html...   (Chromium: $PUPPETEER_EXECUTABLE_PATH)
// Only file: URLs load; every other request is refused. Each file is checked in the
// light and the dark colour scheme (the web edition has both).
"use strict";
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const [tools, ...files] = process.argv.slice(2);
const need = (name) => require(require.resolve(name, { paths: [tools] }));
const puppeteer = need("puppeteer-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js", { paths: [tools] }), "utf8");

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const report = { axe: require(require.resolve("axe-core/package.json", { paths: [tools] })).version, pages: [] };
  try {
    for (const file of files) {
      for (const scheme of ["light", "dark"]) {
        const page = await browser.newPage();
        await page.setRequestInterception(true);
        page.on("request", (r) => (r.url().startsWith("file:") ? r.continue() : r.abort()));
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
        await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: "load" });
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
        report.pages.push({
          file, scheme, passes: result.passes.length,
          violations: result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
          })),
        });
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
