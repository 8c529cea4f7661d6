// Unit tests of the WPS add-in's core (wps/js/xlperf.js) against the fake ET (tests/js/fake_et.js).
// Run by pytest (tests/test_wps_addin.py) as `node --test tests/js/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");
const fs = require("fs");
const xlperf = require(path.join(__dirname, "..", "..", "wps", "js", "xlperf.js"));
const FakeET = require(path.join(__dirname, "fake_et.js"));
const { SECRET, PORT, fakeService } = require(path.join(__dirname, "fake_service.js"));

function book(cells, options, extra) {
  return FakeET.load({ fullName: "/tmp/u.xlsx", sheets: [Object.assign({ name: "自评表1", cells: cells }, extra || {})] }, options);
}
function sheet(b, name) {
  return b.application.ActiveWorkbook.Worksheets.Item(name || "自评表1");
}

test("Value2 in every shape the builds return reads as the same rows", () => {
  const rows = [[1, "a", null], [null, true, 2.5]];
  assert.deepEqual(xlperf.readValues(rows, 2, 3), rows);
  const item = { Item: (r, c) => rows[r - 1][c - 1] };
  assert.deepEqual(xlperf.readValues(item, 2, 3), rows);
  const lower = { item: (r, c) => rows[r - 1][c - 1] };
  assert.deepEqual(xlperf.readValues(lower, 2, 3), rows);
  // a VBArray: the first dimension varies fastest
  const vb = { toArray: () => [1, null, "a", true, null, 2.5] };
  assert.deepEqual(xlperf.readValues(vb, 2, 3), rows);
  assert.deepEqual(xlperf.readValues("x", 1, 1), [["x"]]);
  assert.deepEqual(xlperf.readValues(undefined, 1, 1), [[null]]);
  assert.deepEqual(xlperf.readValues([1, 2, 3], 1, 3), [[1, 2, 3]]); // one row, flat
  assert.deepEqual(xlperf.readValues([1, 2], 2, 1), [[1], [2]]); // one column, flat
  assert.throws(() => xlperf.readValues({}, 2, 2), /未知的数据格式/);
});

test("error cells, blanks and dates read as the file readers give them", () => {
  assert.equal(xlperf.cellValue(FakeET.CVERR["#DIV/0!"]), "#DIV/0!");
  assert.equal(xlperf.cellValue(FakeET.CVERR["#N/A"]), "#N/A");
  assert.equal(xlperf.cellValue(""), null);
  assert.equal(xlperf.cellValue(undefined), null);
  assert.equal(xlperf.cellValue(-2146826280), -2146826280); // a plain number stays a number
  const d = new Date(2020, 11, 31);
  assert.equal(Math.round(xlperf.cellValue(d)), 44196);
});

test("a sheet reads from A1 whatever its used range, in one value call", () => {
  for (const valueShape of ["array", "item"]) {
    const b = book({ C3: { v: "预算数" }, D4: { v: 10 }, E4: { v: "#DIV/0!", f: "=1/0" } }, { valueShape });
    const ws = sheet(b);
    b.calls.length = 0;
    const g = xlperf.readSheet(ws, "自评表1");
    assert.deepEqual(g.rows[2], [null, null, "预算数", null, null]);
    assert.deepEqual(g.rows[3], [null, null, null, 10, "#DIV/0!"]);
    assert.equal(g.rows.length, 4);
    assert.equal(g.state, "visible");
    assert.equal(b.calls.filter((k) => k === "range.Value2").length, 1);
    assert.ok(b.calls.includes("range.Address()"), "Address is called as a method");
  }
});

test("Address as a plain property (another build) is read too", () => {
  assert.equal(xlperf.call({ Address: "$A$1:$B$2" }, "Address"), "$A$1:$B$2");
  assert.equal(xlperf.call({ Address: () => "$C$3" }, "Address"), "$C$3");
  assert.deepEqual(xlperf.parseArea("$B$3:$K$30"), [3, 2, 30, 11]);
  assert.deepEqual(xlperf.parseArea("'表'!A1"), [1, 1, 1, 1]);
});

test("a used range stretched to the last row reads only the form's rows and columns", () => {
  const b = book({ A1: { v: "x" }, B5000: { v: 1 } });
  const g = xlperf.readSheet(sheet(b), "自评表1");
  assert.equal(g.rows.length, 3000);
  assert.equal(g.rows[0][0], "x");
});

test("colours are BGR integers both ways", () => {
  assert.equal(xlperf.bgr("F28080"), 0x8080f2);
  assert.equal(xlperf.rgbHex(0x8080f2), "#F28080");
  assert.equal(xlperf.rgbHex(xlperf.bgr("0563C1")), "#0563C1");
});

test("addresses are cut below Excel's 255 characters", () => {
  const cells = [];
  for (let r = 1; r < 300; r++) cells.push("AB" + r);
  const chunks = xlperf.addressChunks(cells);
  assert.ok(chunks.every((c) => c.length <= 255));
  assert.deepEqual(chunks.join(",").split(","), cells);
});

test("a bulk write refused by the build (the Mac one) falls back to single cells, same result", () => {
  const rows = [["'=不是公式", 1, null], ["'100%", "=HYPERLINK(\"#'表'!A1\",\"表!A1\")", "'x"]];
  const dumps = [true, false].map((bulkWrites) => {
    const b = book({}, { bulkWrites });
    b.calls.length = 0;
    xlperf.writeValues(sheet(b), rows, "B2");
    const n = b.calls.filter((k) => k === "range.Value2=").length;
    return [b.dump().sheets["自评表1"].cells, n];
  });
  assert.deepEqual(dumps[0][0], dumps[1][0]);
  assert.equal(dumps[0][1], 1);
  assert.equal(dumps[1][1], 1 + 5); // the refused bulk write, then the five non-empty cells
  const cells = dumps[0][0];
  assert.equal(cells.B2.v, "=不是公式"); // text, as typed: never a formula
  assert.equal(cells.B3.v, "100%");
  assert.ok(cells.C3.v.startsWith("=HYPERLINK"));
});

test("original fills: one read per uniform chunk, mixed chunks halved", () => {
  const b = book({ A1: { fill: "FFF2CC" }, A2: { fill: "FFF2CC" }, A3: {}, A4: { fill: "00B050" } });
  const ws = sheet(b);
  assert.deepEqual(xlperf.originalFills(ws, ["A1:A2"]), [["A1:A2", "#FFF2CC"]]);
  assert.deepEqual(xlperf.originalFills(ws, ["A1:A2", "A3", "A4"]), [["A1:A2", "#FFF2CC"], ["A3", ""], ["A4", "#00B050"]]);
});

test("a protected sheet is unprotected for the block and protected again with the same options", () => {
  const prot = { sheet: true, objects: true, scenarios: true, formatCells: true, insertRows: false };
  const b = book({ A1: { v: 1 } }, {}, { protection: prot });
  const ws = sheet(b);
  xlperf.unprotected(ws, "自评表1", () => {
    assert.equal(ws.ProtectContents, false);
  });
  const p = b.sheets[0].protection;
  assert.equal(p.sheet, true);
  assert.equal(p.objects, true);
  assert.equal(p.formatCells, true);
  assert.equal(p.insertRows, false);
  const locked = book({}, {}, { protection: { sheet: true, password: true } });
  assert.throws(() => xlperf.unprotected(sheet(locked), "自评表1", () => {}), /设有密码保护/);
});

test("our note goes after the user's and comes off again", () => {
  const ours = "【xlperf 校验】\n[XP007 错误] …";
  const text = xlperf.appendedNote("用户的批注", ours);
  assert.equal(xlperf.cutNote(text, "【xlperf 校验】"), "用户的批注");
  assert.equal(xlperf.cutNote("没有", "【xlperf 校验】"), null);
});

const CFG = { port: PORT, secret: SECRET };

test("the service's answers and failures become Chinese messages", async () => {
  const ok = fakeService({ "/v1/health": { service: "xlperf" } });
  assert.equal((await xlperf.request(CFG, ok, "/v1/health")).service, "xlperf");
  assert.equal(ok.seen[0].path, "/v1/hello");
  assert.match(ok.seen[0].search, /^\?nonce=[0-9a-f]{32}$/);
  assert.equal(ok.seen[1].path, "/v1/health");
  const down = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(xlperf.request(CFG, down, "/v1/health"), (e) => e.message === xlperf.NOT_RUNNING);
  const refused = fakeService({ "/v1/validate": { status: 422, body: { ok: false, error: "工作簿中没有找到项目支出绩效自评表" } } });
  await assert.rejects(xlperf.request(CFG, refused, "/v1/validate", {}), /没有找到项目支出绩效自评表/);
  const empty = fakeService({ "/v1/validate": { status: 502, body: null } });
  await assert.rejects(xlperf.request(CFG, empty, "/v1/validate", {}), /HTTP 502/);
  await assert.rejects(xlperf.request(null, ok, "/v1/health"), /xlperf\.key/);
  await assert.rejects(xlperf.request(() => null, ok, "/v1/health"), /xlperf wps install/);
  assert.match(xlperf.NOT_RUNNING, /xlperf serve/);
  assert.match(xlperf.NOT_RUNNING, /xlperf wps install/);
});

test("the key file is read as the installer writes it", () => {
  assert.deepEqual(xlperf.parseKey(")]}'\n" + JSON.stringify({ port: 18571, secret: "s".repeat(43), version: "0.1.0" }) + "\n"),
    { port: 18571, secret: "s".repeat(43) });
  assert.deepEqual(xlperf.parseKey("\uFEFF)]}'\r\n{\"port\": 1, \"secret\": \"x\"}"), { port: 1, secret: "x" });
  assert.equal(xlperf.parseKey(null), null);
  assert.equal(xlperf.parseKey("window.XLPERF_CONFIG = {};"), null);
  assert.equal(xlperf.parseKey(")]}'\n{\"port\": 1}"), null);
});

test("HMAC-SHA256: WebCrypto and the fallback agree with node:crypto", async () => {
  const crypto = require("crypto");
  const enc = (t) => new TextEncoder().encode(t);
  for (const [key, msg] of [["", ""], ["k", "abc"], ["k".repeat(64), "x".repeat(55)], ["k".repeat(100), "中文\n" + "y".repeat(200)]]) {
    const want = crypto.createHmac("sha256", key).update(msg, "utf8").digest("hex");
    xlperf.CRYPTO.pure = true;
    try {
      assert.equal(await xlperf.hmacHex(key, enc(msg)), want, "fallback");
    } finally {
      xlperf.CRYPTO.pure = false;
    }
    assert.equal(await xlperf.hmacHex(key, enc(msg)), want, "WebCrypto");
    assert.equal(Buffer.from(xlperf.sha256(enc(msg))).toString("hex"), crypto.createHash("sha256").update(msg).digest("hex"));
  }
  // every length around SHA-256's block edges
  for (let n = 0; n < 200; n++) {
    const m = "a".repeat(n);
    assert.equal(Buffer.from(xlperf.sha256(enc(m))).toString("hex"), crypto.createHash("sha256").update(m).digest("hex"), n);
  }
});

test("the only summary opened is one in the folder chosen", () => {
  assert.ok(xlperf.isSummaryOf("/home/u/报送", "/home/u/报送/汇总_20240101.xlsx"));
  assert.ok(xlperf.isSummaryOf("/home/u/报送/", "/home/u/报送/汇总_20240101（2）.xlsx"));
  assert.ok(xlperf.isSummaryOf("C:\\Users\\张三\\报送", "c:\\users\\张三\\报送\\汇总_20240101.xlsx"));
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "/home/U/报送/汇总_1.xlsx")); // case counts off Windows
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "/home/u/报送/a/汇总_1.xlsx"));
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "/home/u/报送/../汇总_1.xlsx"));
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "/home/u/报送/汇总_1.xlsm"));
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "/home/u/报送/x.xlsx"));
  assert.ok(!xlperf.isSummaryOf("/home/u/报送", "\\\\evil\\share\\汇总_1.xlsx"));
});

test("a button restores screen updating and the status bar, and reports any error in one message", async () => {
  const b = book({ A1: { v: "随便写点什么" } });
  const alerts = [];
  const ui = { alert: (t) => alerts.push(t), confirm: () => true, prompt: () => null };
  const f = fakeService({ "/v1/validate": { status: 422, body: { ok: false, error: "工作簿中没有找到项目支出绩效自评表" } } });
  const cb = xlperf.ribbon(() => b.application, CFG, f, ui);
  assert.equal(await cb.XlperfValidate(), null);
  assert.deepEqual(alerts, ["工作簿中没有找到项目支出绩效自评表"]);
  assert.equal(b.screenUpdating, true);
  assert.equal(b.statusBar, false);
  assert.ok(b.calls.includes("app.ScreenUpdating="));
  // no application, or one that fails at once: one sentence each, and the next click works again
  const cb2 = xlperf.ribbon(() => { throw new Error("boom"); }, CFG, f, ui);
  assert.equal(await cb2.XlperfHelp(), null);
  assert.equal(alerts.at(-1), "操作未完成：出现意外错误（boom）。");
  const cb3 = xlperf.ribbon(() => null, CFG, f, ui);
  assert.equal(await cb3.XlperfValidate(), null);
  assert.match(alerts.at(-1), /只能在 WPS 表格中使用/);
  assert.equal(await cb3.XlperfValidate(), null); // not stuck "busy"
  assert.match(alerts.at(-1), /只能在 WPS 表格中使用/);
});

test("the health check on load says how to start the service", async () => {
  const b = book({});
  const alerts = [];
  const ui = { alert: (t) => alerts.push(t), confirm: () => true, prompt: () => null };
  const down = async () => {
    throw new TypeError("x");
  };
  const cb = xlperf.ribbon(() => b.application, CFG, down, ui);
  assert.equal(await cb.healthCheck(), null);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0], /未连接到 xlperf 本机服务/);
});

test("every ribbon callback exists and every button has its icon", () => {
  const ribbon = fs.readFileSync(path.join(__dirname, "..", "..", "wps", "ribbon.xml"), "utf8");
  const actions = [...ribbon.matchAll(/onAction="(\w+)"/g)].map((m) => m[1]);
  assert.equal(actions.length, 10);
  assert.deepEqual([...actions].sort(), [...xlperf.ACTIONS].sort());
  for (const m of ribbon.matchAll(/<button id="(\w+)"/g)) {
    assert.ok(fs.existsSync(path.join(__dirname, "..", "..", "wps", "images", m[1] + ".svg")), m[1]);
  }
});

test("the add-in's files parse as ES2017 (WPS's browser is not the newest)", () => {
  const acorn = require("acorn");
  for (const f of ["main.js", "js/xlperf.js", "js/ribbon.js"]) {
    const src = fs.readFileSync(path.join(__dirname, "..", "..", "wps", f), "utf8");
    acorn.parse(src, { ecmaVersion: 2017, sourceType: "script" });
  }
  assert.throws(() => acorn.parse("a?.b", { ecmaVersion: 2017 }), SyntaxError); // the check would see it
});
