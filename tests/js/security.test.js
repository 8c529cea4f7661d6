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
  // the summary it asked for opens, then the service's words on what it read and used are shown once
  const u = ui();
  const good = "/home/u/报送材料/汇总_20240101（2）.xlsx";
  const message = "已生成汇总表：" + good + "\n\n应报 4 个单位：已报送 3，未报送 1（长安区卫生健康局）\n已使用所汇总文件夹中的：报送名单.xlsx、汇总台账.sqlite（本次新建）";
  const cb = xlperf.ribbon(() => b.application, SETTINGS, fakeService({ "/v1/consolidate": { path: good, files: 2, message } }), u);
  await cb.XlperfConsolidate();
  assert.deepEqual(b.opened, [good]);
  assert.deepEqual(u.alerts, [message]);
});

test("a summary the add-in cannot open is still said, with the service's words and how to open it", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "Sheet1", cells: {} }] });
  b.folderChoice = "/home/u/报送材料";
  const good = "/home/u/报送材料/汇总_20240101.xlsx";
  const app = b.application;
  app.Workbooks.Open = () => { throw new Error("WPS could not open it"); };
  const u = ui();
  const f = fakeService({ "/v1/consolidate": { path: good, files: 2, message: "已生成汇总表：" + good } });
  await xlperf.ribbon(() => app, SETTINGS, f, u).XlperfConsolidate();
  assert.deepEqual(u.alerts, ["已生成汇总表：" + good + "\n（加载项未能打开它，请在文件夹中双击打开。）"]);
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

// --- time and size: nothing on the port can hold the add-in ----------------------------------------------

const net = require("net");
const http = require("http");

/** A server on a free loopback port; `onConnection` or `onRequest` holds whoever comes. */
async function listen(server) {
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return server.address().port;
}

async function close(server, sockets) {
  for (const s of sockets) s.destroy();
  await new Promise((done) => server.close(done));
}

async function within(ms, promise) {
  const t0 = Date.now();
  let outcome;
  try {
    outcome = { value: await promise };
  } catch (e) {
    outcome = { error: e };
  }
  outcome.ms = Date.now() - t0;
  assert.ok(outcome.ms < ms, "took " + outcome.ms + " ms");
  return outcome;
}

test("a program that accepts and never answers: the hello gives up, with the message to start the service", async (t) => {
  const sockets = [];
  const server = net.createServer((s) => sockets.push(s)); // reads nothing, answers nothing
  const port = await listen(server);
  const saved = Object.assign({}, xlperf.TIMEOUTS);
  xlperf.TIMEOUTS.hello = 300;
  t.after(() => Object.assign(xlperf.TIMEOUTS, saved));
  try {
    const cfg = { port: port, secret: SECRET };
    const out = await within(3000, xlperf.hello(cfg, fetch));
    assert.equal(out.error && out.error.message, xlperf.NOT_RUNNING);
    const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "自评表1", cells: { A1: { v: "项目名称" } } }] });
    const u = ui();
    await within(3000, xlperf.ribbon(() => b.application, cfg, fetch, u).XlperfValidate());
    assert.deepEqual(u.alerts, [xlperf.NOT_RUNNING]);
  } finally {
    await close(server, sockets);
  }
});

test("a hello trickled a byte at a time, or far larger than a hello, is given up", async (t) => {
  const sockets = [];
  const timers = [];
  const server = http.createServer((req, res) => {
    sockets.push(req.socket);
    if (req.headers["x-test"] === "huge") {
      res.writeHead(200, { "Content-Type": "application/json" }); // no length: as long as it likes
      const block = Buffer.alloc(65536, 0x61);
      const more = () => {
        while (res.write(block)) {
          if (res.destroyed) return;
        }
        res.once("drain", more);
      };
      res.write('{"nonce": "');
      more();
    } else if (req.headers["x-test"] === "declared") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100000000" });
      timers.push(setInterval(() => res.write(" "), 50));
    } else {
      res.writeHead(200, { "Content-Type": "application/json" });
      timers.push(setInterval(() => res.write(" "), 50)); // a byte at a time, never the end
    }
  });
  const port = await listen(server);
  const saved = Object.assign({}, xlperf.TIMEOUTS);
  xlperf.TIMEOUTS.hello = 500;
  t.after(() => Object.assign(xlperf.TIMEOUTS, saved));
  try {
    const cfg = { port: port, secret: SECRET };
    const slow = await within(3000, xlperf.hello(cfg, fetch));
    assert.equal(slow.error && slow.error.message, xlperf.NOT_RUNNING);
    xlperf.TIMEOUTS.hello = 20000; // the size limit ends these, not the time
    for (const kind of ["huge", "declared"]) {
      const f = (url, init) => fetch(url, Object.assign({}, init, { headers: { "X-Test": kind } }));
      const big = await within(5000, xlperf.hello(cfg, f));
      assert.match(big.error && big.error.message, /无法确认端口 \d+ 上的程序是本机的 xlperf 服务/, kind);
    }
  } finally {
    timers.forEach(clearInterval);
    await close(server, sockets);
  }
});

test("our service that never answers a request: the add-in stops waiting and says so", async (t) => {
  const saved = Object.assign({}, xlperf.TIMEOUTS);
  xlperf.TIMEOUTS.answer = 300;
  t.after(() => Object.assign(xlperf.TIMEOUTS, saved));
  const f = fakeService({}, { hang: "/v1/doctor" });
  const out = await within(3000, xlperf.request(SETTINGS, f, "/v1/doctor", {}));
  assert.match(out.error && out.error.message, /没有在 \d+ 秒内完成/);
  assert.equal(f.aborted.length, 1); // the request was cancelled, not left open
  // the service's hello says how long its answers may take (its own limits): the add-in waits that, and a margin
  xlperf.TIMEOUTS.answer = 60000;
  xlperf.TIMEOUTS.margin = 200;
  const told = fakeService({}, { hang: "/v1/doctor", answerWithin: 0.5 });
  const out2 = await within(3000, xlperf.request(SETTINGS, told, "/v1/doctor", {}));
  assert.match(out2.error && out2.error.message, /没有在 1 秒内完成/);
  assert.ok(out2.ms >= 600, out2.ms);
});

test("a nonce that came too late: the add-in asks again once, and says to retry, not that the answer is unsigned", async () => {
  const b = FakeET.load({ fullName: "/home/u/u.xlsx", sheets: [{ name: "Sheet1", cells: {} }] });
  const once = fakeService({ "/v1/doctor": { checks: [], summary: "共 0 项" } }, { stale: 1 });
  const u = ui();
  await xlperf.ribbon(() => b.application, SETTINGS, once, u).XlperfDiagnose();
  assert.deepEqual(once.seen.map((s) => s.path), ["/v1/hello", "/v1/doctor", "/v1/hello", "/v1/doctor"]);
  assert.match(u.alerts[0], /诊断完成/);
  const always = fakeService({ "/v1/doctor": { checks: [], summary: "共 0 项" } }, { stale: 1000 });
  const v = ui();
  await xlperf.ribbon(() => b.application, SETTINGS, always, v).XlperfDiagnose();
  assert.equal(always.seen.length, 4); // once more, not in a loop
  assert.equal(v.alerts.length, 1);
  assert.match(v.alerts[0], /重试/);
  assert.doesNotMatch(v.alerts[0], /签名|无法确认/);
});
