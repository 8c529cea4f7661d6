// A fake xlperf serve for the add-in's Node tests: a fetch that follows the protocol of
// xlperf/wps/auth.py (hello, MAC over the nonce, signed answers), written with node:crypto.
"use strict";
const crypto = require("crypto");

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

/** A fetch of a service that knows the secret and follows the protocol; `answers[path]` is what each
 * endpoint says ({status, body} for an answer other than 200 ok); lenient: it answers whatever the request
 * carries, as a buggy or older service might; stale: n, the first n authenticated requests are told (signed)
 * that their nonce came too late; hang: a path never answered (until the request is aborted); answerWithin:
 * the seconds the hello says an answer may take. */
function fakeService(answers, options) {
  options = options || {};
  const secret = options.secret || SECRET;
  const seen = [];
  const aborted = [];
  const nonces = new Set();
  let stale = options.stale || 0; // the first `stale` authenticated requests come too late for their nonce
  const f = async (url, init) => {
    const u = new URL(url);
    seen.push({ path: u.pathname, search: u.search, init: init || {} });
    if (options.hang === u.pathname) {
      // never answers; gives up only when the add-in aborts the request
      return new Promise((resolve, reject) => {
        const signal = init && init.signal;
        if (signal) {
          signal.addEventListener("abort", () => {
            aborted.push(u.pathname);
            reject(new Error("aborted"));
          });
        }
      });
    }
    if (u.pathname === "/v1/hello") {
      const cn = u.searchParams.get("nonce");
      const sn = crypto.randomBytes(16).toString("hex");
      nonces.add(sn);
      const proof = options.badProof ? "0".repeat(64) : mac(secret, ["xlperf-server", PORT, cn, sn]);
      const hello = { ok: true, service: "xlperf", api: 2, nonce: sn, proof: proof };
      if (options.answerWithin !== undefined) hello.answer_within = options.answerWithin;
      return response(200, JSON.stringify(hello));
    }
    const sn = header(init, "X-Xlperf-Nonce");
    const method = (init && init.method) || "GET";
    const body = init && init.body ? Buffer.from(init.body) : Buffer.alloc(0);
    const want = mac(secret, ["xlperf-client", PORT, sn, method, u.pathname, body.length]);
    if (!options.lenient && (!nonces.has(sn) || header(init, "X-Xlperf-Auth") !== want)) {
      return response(401, JSON.stringify({ ok: false, error: "未通过验证" }));
    }
    nonces.delete(sn);
    if (stale > 0) {
      stale -= 1;
      const late = JSON.stringify({ ok: false, error: "本次验证已过期，操作没有执行：请再点一次按钮重试。", retry: true });
      return response(401, late, { "x-xlperf-proof": mac(secret, ["xlperf-answer", PORT, sn, 401], Buffer.from(late, "utf8")) });
    }
    const answer = answers[u.pathname] || {};
    const status = answer.status || 200;
    const text = JSON.stringify(answer.status ? answer.body : Object.assign({ ok: true }, answer));
    const proof = options.unsigned ? null : mac(secret, ["xlperf-answer", PORT, sn, status], Buffer.from(text, "utf8"));
    return response(status, text, proof ? { "x-xlperf-proof": proof } : {});
  };
  f.seen = seen;
  f.aborted = aborted;
  return f;
}

module.exports = { SECRET, PORT, mac, header, response, fakeService };
