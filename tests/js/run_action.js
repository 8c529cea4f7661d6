// Run one ribbon action of the WPS add-in against the fake ET and a real xlperf serve, from pytest:
//   node tests/js/run_action.js input.json output.json
// input: {book: <tests/wps_support.py export_book>, options: {valueShape, bulkWrites, ...}, config: {port, secret},
//         actions: ["XlperfValidate", ...], confirm: true, folder: "/path"}
// output: {dump, alerts, calls, statusHistory, screenUpdating, results}
"use strict";
const fs = require("fs");
const path = require("path");
const xlperf = require(path.join(__dirname, "..", "..", "wps", "js", "xlperf.js"));
const FakeET = require(path.join(__dirname, "fake_et.js"));

async function main() {
  const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const book = FakeET.load(input.book, input.options || {});
  if (input.folder) {
    book.folderChoice = input.folder;
  }
  if (input.selection) {
    const ws = book.application.ActiveWorkbook.Worksheets.Item(input.selection.sheet);
    ws.Range(input.selection.cell).Select();
  }
  const alerts = [];
  const ui = {
    alert: (t) => alerts.push(String(t)),
    confirm: () => input.confirm !== false,
    prompt: () => input.folder || null,
  };
  const callbacks = xlperf.ribbon(() => book.application, input.config, fetch, ui);
  const results = [];
  book.calls.length = 0;
  for (const name of input.actions) {
    results.push(await callbacks[name]());
  }
  const out = {
    dump: book.dump(),
    alerts,
    calls: book.calls.length,
    callKinds: book.calls.reduce((acc, k) => ((acc[k] = (acc[k] || 0) + 1), acc), {}),
    statusHistory: book.statusHistory,
    screenUpdating: book.screenUpdating,
    opened: book.opened,
    merges: Object.fromEntries(book.sheets.map((s) => [s.name, s.merges.map((m) => [m[0], m[1], m[2], m[3]])])),
    added: book.added ? book.added.dump() : null,
    results: results.map((r) => (r && r.plan ? { findings: r.findings, projects: r.projects } : r)),
  };
  fs.writeFileSync(process.argv[3], JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
