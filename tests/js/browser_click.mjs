// Load the WPS add-in's page from file:// in headless Chromium (Debian's, through playwright-core) as WPS
// does, click ribbon buttons by their labels, and write what happened:
//   node tests/js/browser_click.mjs <page url> <out.json> <chromium> <options.json> <label> [<label> ...]
// options.json: {"init": "<script run before the page's own, in every frame>", "fileAccess": bool}; the
// init script stands in for WPS (its ET object model, its file API, its ribbon: tests/test_wps_browser.py).
// The page talks to a real `xlperf serve`: real fetch, real CORS.
import { chromium } from "playwright-core";
import fs from "fs";
import os from "os";
import path from "path";

const [url, outFile, executablePath, optionsFile, ...labels] = process.argv.slice(2);
const options = JSON.parse(fs.readFileSync(optionsFile, "utf8"));
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "xlperf-chromium-"));
const console_ = [];
const requests = [];
let context;
try {
  const args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run"];
  if (options.fileAccess) {
    args.push("--allow-file-access-from-files"); // as some WPS builds run their embedded Chromium
  }
  context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args });
  await context.addInitScript({ content: options.init });
  const page = await context.newPage();
  page.on("console", (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => console_.push(`pageerror: ${e.message}`));
  // the headers as sent (the network stack adds Origin): recorded in the order the requests were made
  page.on("request", (r) => {
    const entry = { method: r.method(), url: r.url(), origin: null };
    requests.push(entry);
    r.allHeaders().then((h) => (entry.origin = h["origin"] || null), () => {});
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__done >= 1, null, { timeout: 30000 }); // the check on load
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
    keyReads: window.__keyReads,
    statusHistory: window.__book.statusHistory,
    screenUpdating: window.__book.screenUpdating,
    buttons: Array.from(document.querySelectorAll("#ribbon button")).map((b) => b.textContent),
  }));
  fs.writeFileSync(outFile, JSON.stringify({ ...state, steps, requests, console: console_, version: context.browser()?.version() }));
} catch (e) {
  fs.writeFileSync(outFile, JSON.stringify({ failure: String(e && e.stack ? e.stack : e), console: console_, requests }));
  process.exitCode = 1;
} finally {
  if (context) {
    await context.close();
  }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
