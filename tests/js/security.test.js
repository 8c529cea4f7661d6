// The WPS add-in's side of its safety (wps/js/xlperf.js): it talks to its own service only, proven by the
// install secret it never sends; it acts only on answers that service signed; it opens only the output it
// asked for; and it reads workbooks on builds that expose Count, UsedRange, Value2 and Name as methods.
// The service here is a fake that follows the protocol (xlperf/wps/auth.py), written with node:crypto.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("path");
const crypto = require("crypto");
const xlperf = require(path.join(__dirname, "..", "..", "wps", "js", "xlperf.js"));
const FakeET = require(path.join(__dirname, "fake_et.js"));

const SECRET = "s3cret-" + "k".repeat(40);
const PORT = 18571;

function mac(secret, parts, body) {
  const h = crypto.createHmac("sha256", Buffer.from(secret, "utf8"));
  h.update(Buffer.from(parts.map(String).join("\n"), "utf8"));
  if (body !== undefined) {
    h.update(Buffer.from("\n", "utf8"));
    h.update(body);
  }
  return h.digest("hex");
}

function header(init, name) {
  const h = (init && init.headers) || {};
  for (const k of Object.keys(h)) {
    if (k.toLowerCase() === name.toLowerCase()) return h[k];
  }
  return null;
}

function response(status, text, headers) {
  const bytes = Buffer.from(text, "utf8");
  const hs = Object.assign({ "content-type": "application/json; charset=utf-8" }, headers || {});
  return {
    status: status,
    ok: status >= 200 && status < 300,
    headers: { get: (n) => (hs[n.toLowerCase()] === undefined ? null : hs[n.toLowerCase()]) },
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    text: async () => text,
    json: async () => JSON.parse(text),
  };
}

/** A service that knows the secret and follows the protocol; `answers[path]` is what each endpoint says
 * (lenient: it answers whatever the request carries, as a buggy or older service might). */
function fakeService(answers, options) {
  options = options || {};
  const secret = options.secret || SECRET;
  const seen = [];
  const nonces = new Set();
  const f = async (url, init) => {
    const u = new URL(url);
    seen.push({ path: u.pathname, search: u.search, init: init || {} });
    if (u.pathname === "/v1/hello") {
      const cn = u.searchParams.get("nonce");
      const sn = crypto.randomBytes(16).toString("hex");
      nonces.add(sn);
      const proof = options.badProof ? "0".repeat(64) : mac(secret, ["xlperf-server", PORT, cn, sn]);
      return response(200, JSON.stringify({ ok: true, service: "xlperf", api: 2, nonce: sn, proof: proof }));
    }
    const sn = header(init, "X-Xlperf-Nonce");
    const method = (init && init.method) || "GET";
    const body = init && init.body ? Buffer.from(init.body) : Buffer.alloc(0);
    const want = mac(secret, ["xlperf-client", PORT, sn, method, u.pathname, body.length]);
    if (!options.lenient && (!nonces.has(sn) || header(init, "X-Xlperf-Auth") !== want)) {
      return response(401, JSON.stringify({ ok: false, error: "未通过验证" }));
    }
    nonces.delete(sn);
    const text = JSON.stringify(Object.assign({ ok: true }, answers[u.pathname] || {}));
    const proof = options.unsigned ? null : mac(secret, ["xlperf-answer", PORT, sn, 200], Buffer.from(text, "utf8"));
    return response(200, text, proof ? { "x-xlperf-proof": proof } : {});
  };
  f.seen = seen;
  return f;
}

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
