// Open a page in headless Chromium (Debian's, through playwright-core) and write what it reported:
//   node tests/js/browser_page.mjs <url> <out.json> <chromium> [--file-access]
// The page sets window.__done when it has finished and leaves what it found in window.__report.
// --file-access starts Chromium as some WPS builds run their embedded one (file:// pages may read files).
import { chromium } from "playwright-core";
import fs from "fs";
import os from "os";
import path from "path";

const [url, outFile, executablePath, ...flags] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "xlperf-chromium-"));
const console_ = [];
let context;
try {
  const args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run"];
  if (flags.includes("--file-access")) {
    args.push("--allow-file-access-from-files");
  }
  context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args });
  const page = await context.newPage();
  page.on("console", (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__done === true, null, { timeout: 60000 });
  const report = await page.evaluate(() => window.__report);
  fs.writeFileSync(outFile, JSON.stringify({ report, console: console_ }));
} catch (e) {
  fs.writeFileSync(outFile, JSON.stringify({ failure: String(e && e.stack ? e.stack : e), console: console_ }));
  process.exitCode = 1;
} finally {
  if (context) {
    await context.close();
  }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
