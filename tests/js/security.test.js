// The WPS add-in's side of its safety (wps/js/xlperf.js): it talks to its own service only, proven by the
// install secret it never sends; it acts only on answers that service signed; it opens only the output it
// asked for; and it reads workbooks on builds that expose Count, UsedRange, Value2 and Name as methods.
// The service here is a fake that follows the protocol (xlperf/wps/auth.py): tests/js/fake_service.js.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");
const xlperf = require(path.join(__dirname, "..", "..", "wps", "js", "xlperf.js"));
const FakeET = require(path.join(__dirname, "fake_et.js"));
const { SECRET, PORT, fakeService } = require(path.join(__dirname, "fake_service.js"));

function ui() {
  const alerts = [];
  return { alerts, alert: (t) => alerts.push(String(t)), confirm: () => true, prompt: () => null };
}

const SETTINGS = { port: PORT, secret: SECRET, token: SECRET };

test("the add-in opens only the summary it asked for, in the folder it chose", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "Sheet1", cells: {} }] });
  b.folderChoice = "/home/u/报送材料";
  for (const evil of ["/etc/passwd", "/home/u/其他/汇总_20240101.xlsx", "\\\\evil.example\\share\\汇总_1.xlsx",
    "/home/u/报送材料/../汇总_1.xlsx", "/home/u/报送材料/汇总_1.xlsm", "/home/u/报送材料/子文件夹/汇总_1.xlsx"]) {
    const u = ui();
    const f = fakeService({ "/v1/consolidate": { path: evil, files: 2 } }, { lenient: true });
    const cb = xlperf.ribbon(() => b.application, SETTINGS, f, u);
    await cb.XlperfConsolidate();
    assert.deepEqual(b.opened, [], evil);
    assert.equal(u.alerts.length, 1, evil);
    assert.match(u.alerts[0], /没有打开/, evil);
  }
  // the summary it asked for opens
  const u = ui();
  const good = "/home/u/报送材料/汇总_20240101（2）.xlsx";
  const cb = xlperf.ribbon(() => b.application, SETTINGS, fakeService({ "/v1/consolidate": { path: good, files: 2 } }), u);
  await cb.XlperfConsolidate();
  assert.deepEqual(b.opened, [good]);
  assert.deepEqual(u.alerts, []);
});

test("an answer the service did not sign is not acted on", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "Sheet1", cells: {} }] });
  b.folderChoice = "/home/u/报送材料";
  const u = ui();
  const f = fakeService({ "/v1/consolidate": { path: "/home/u/报送材料/汇总_1.xlsx", files: 2 } }, { unsigned: true });
  await xlperf.ribbon(() => b.application, SETTINGS, f, u).XlperfConsolidate();
  assert.deepEqual(b.opened, []);
  assert.match(u.alerts[0], /无法确认/);
});

test("a service that cannot prove itself gets nothing but the hello", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "自评表1", cells: { A1: { v: "项目名称" } } }] });
  for (const options of [{ badProof: true }, { secret: "another-install-" + "x".repeat(30) }]) {
    const u = ui();
    const f = fakeService({}, options);
    await xlperf.ribbon(() => b.application, SETTINGS, f, u).XlperfValidate();
    assert.deepEqual(f.seen.map((s) => s.path), ["/v1/hello"]);
    assert.ok(!JSON.stringify(f.seen).includes(SECRET));
    assert.match(u.alerts[0], /无法确认端口 18571 上的程序是本机的 xlperf 服务/);
    assert.match(u.alerts[0], /没有向它发送/);
  }
});

test("the secret never leaves the add-in: requests carry a MAC of the server's nonce", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "Sheet1", cells: {} }] });
  const f = fakeService({ "/v1/doctor": { checks: [], summary: "共 0 项" } });
  const u = ui();
  await xlperf.ribbon(() => b.application, SETTINGS, f, u).XlperfDiagnose();
  assert.deepEqual(f.seen.map((s) => s.path), ["/v1/hello", "/v1/doctor"]);
  assert.ok(!JSON.stringify(f.seen).includes(SECRET));
  assert.match(u.alerts[0], /诊断完成/);
});

test("a build exposing Count, UsedRange, Value2 and Name as methods reads the same sheets", () => {
  const data = {
    fullName: "/tmp/u.xlsx",
    sheets: [
      { name: "单位信息", cells: { A1: { v: "单位名称" }, B1: { v: "长安区" } } },
      { name: "自评表1", cells: { C3: { v: "预算数" }, D4: { v: 10 }, E4: { v: "#DIV/0!", f: "=1/0" } } },
    ],
  };
  const plain = FakeET.load(data, {});
  const methods = FakeET.load(data, { methodProps: true });
  const read = (b) => {
    const list = xlperf.worksheets(b.application.ActiveWorkbook);
    return list.map((s) => xlperf.readSheet(s.ws));
  };
  const a = read(plain);
  assert.equal(a.length, 2);
  assert.deepEqual(read(methods), a);
  assert.ok(methods.calls.includes("worksheets.Count()") && methods.calls.includes("sheet.UsedRange()"));
  assert.ok(methods.calls.includes("range.Value2()") && methods.calls.includes("sheet.Name()"));
});
