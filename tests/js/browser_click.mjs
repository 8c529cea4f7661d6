// Load the WPS add-in's page from file:// in headless Chromium (Debian's, through playwright-core) with a
// fake ET as window.Application, click ribbon buttons by their labels, and write what happened:
//   node tests/js/browser_click.mjs <page dir> <out.json> <chromium> <label> [<label> ...]
// The page talks to a real `xlperf serve` (config.js in the page dir): real fetch, real CORS.
import { chromium } from "playwright-core";
import fs from "fs";
import os from "os";
import path from "path";

const [dir, outFile, executablePath, ...labels] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "xlperf-chromium-"));
const console_ = [];
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--no-first-run"],
  });
  const page = await context.newPage();
  page.on("console", (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
  const url = "file://" + path.resolve(dir, "index.html");
  await page.goto(url);
  await page.waitForFunction(() => window.__done >= 1, null, { timeout: 30000 }); // the health check on load
  const steps = [];
  for (const label of labels) {
    const before = await page.evaluate(() => window.__done);
    await page.getByRole("button", { name: label, exact: true }).click();
    await page.waitForFunction((n) => window.__done > n, before, { timeout: 60000 });
    steps.push(await page.evaluate((l) => ({ label: l, dump: window.__book.dump(), alerts: window.__alerts.slice() }), label));
  }
  const state = await page.evaluate(() => ({
    origin: window.location.origin,
    dump: window.__book.dump(),
    alerts: window.__alerts,
    errors: window.__errors,
    statusHistory: window.__book.statusHistory,
    screenUpdating: window.__book.screenUpdating,
    buttons: Array.from(document.querySelectorAll("#ribbon button")).map((b) => b.textContent),
  }));
  fs.writeFileSync(outFile, JSON.stringify({ ...state, steps, console: console_, version: context.browser()?.version() }));
} catch (e) {
  fs.writeFileSync(outFile, JSON.stringify({ failure: String(e && e.stack ? e.stack : e), console: console_ }));
  process.exitCode = 1;
} finally {
  if (context) {
    await context.close();
  }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
