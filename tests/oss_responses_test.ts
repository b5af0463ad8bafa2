import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AbortedError,
  NetworkError,
  ObjectChangedError,
  OssServiceError,
  ProtocolError,
} from "../src/errors.ts";
import { parseContentRange } from "../src/oss/content_range.ts";
import { toReadResponse } from "../src/oss/read_response.ts";
import { networkFailure, typedBody } from "../src/oss/network_failure.ts";
import { decodeErrHeader, errorFromResponse, parseErrorXml } from "../src/oss/parse_error.ts";
import { redactUrls } from "../src/oss/redact.ts";
import { objectMetaFromHeaders, parseContentLength, parseCrc64 } from "../src/oss/response_meta.ts";

const NO_SUCH_KEY = `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The specified key does not exist.</Message>
  <RequestId>6556E3AED11E553933CCDEDF</RequestId>
  <HostId>demo-walker-6961.oss-cn-hangzhou.aliyuncs.com</HostId>
  <Key>walker2asdasdasd.txt</Key>
  <EC>0026-00000001</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>
</Error>`;

test("Content-Range: strict parsing of ranges and unsatisfied forms", () => {
  assert.deepEqual(parseContentRange("bytes 0-9/44"), {
    unsatisfied: false,
    start: 0,
    end: 10,
    total: 44,
  });
  assert.deepEqual(parseContentRange("bytes 5-5/*"), {
    unsatisfied: false,
    start: 5,
    end: 6,
    total: null,
  });
  assert.deepEqual(parseContentRange("bytes */0"), { unsatisfied: true, total: 0 });
  assert.deepEqual(parseContentRange("bytes 0-0/9007199254740991").total, 9007199254740991);
  for (
    const bad of [
      "bytes 0-9",
      "bytes=0-9/44",
      "bytes 9-0/44",
      "bytes 0-44/44",
      "bytes -1-9/44",
      "items 0-9/44",
      "bytes 0-9/44, bytes 20-29/44",
      "bytes 0-9 /44",
      "bytes */*",
      "bytes 0-99999999999999999/99999999999999999",
      "",
    ]
  ) {
    assert.throws(() => parseContentRange(bad), ProtocolError, bad);
  }
});

test("response meta: size, ETag, Last-Modified, CRC-64 as bigint, type, version", () => {
  const h = new Headers({
    etag: '"29B94424BC241D80B0AF488A4E4B86AF-1"',
    "last-modified": "Fri, 24 Feb 2012 06:07:48 GMT",
    "x-oss-hash-crc64ecma": "18020588380933092773",
    "x-oss-object-type": "Multipart",
    "x-oss-version-id": "CAEQ",
    "content-length": "1000",
  });
  assert.deepEqual(objectMetaFromHeaders(h, parseContentLength(h)!, true), {
    size: 1000,
    etag: '"29B94424BC241D80B0AF488A4E4B86AF-1"',
    lastModified: "Fri, 24 Feb 2012 06:07:48 GMT",
    crc64: 18020588380933092773n,
    objectType: "Multipart",
    versionId: "CAEQ",
    acceptsRanges: true,
  });
  const empty = objectMetaFromHeaders(new Headers(), 0, false);
  assert.equal(empty.crc64, null);
  assert.equal(empty.etag, null);
  assert.equal(parseCrc64("18446744073709551615"), 18446744073709551615n);
  for (const bad of ["18446744073709551616", "-1", "0x10", "", "1.5"]) {
    assert.throws(() => parseCrc64(bad), ProtocolError, bad);
  }
  assert.equal(parseContentLength(new Headers()), null);
  assert.throws(() => parseContentLength(new Headers({ "content-length": "1e3" })), ProtocolError);
});

test("error XML → OssServiceError with Code, Message, RequestId, EC", async () => {
  assert.deepEqual(parseErrorXml(NO_SUCH_KEY), {
    ossCode: "NoSuchKey",
    ossMessage: "The specified key does not exist.",
    requestId: "6556E3AED11E553933CCDEDF",
    ec: "0026-00000001",
  });
  assert.equal(parseErrorXml("<html>nope</html>"), null);
  assert.equal(
    parseErrorXml("<Error><Code>A</Code><Message>x &lt; y &amp; &#65;</Message></Error>")
      ?.ossMessage,
    "x < y & A",
  );
  const e = await errorFromResponse(
    new Response(NO_SUCH_KEY, {
      status: 404,
      headers: { "content-type": "application/xml", "x-oss-request-id": "OTHER" },
    }),
  );
  assert.ok(e instanceof OssServiceError);
  assert.equal(e.status, 404);
  assert.equal(e.ossCode, "NoSuchKey");
  assert.equal(e.requestId, "6556E3AED11E553933CCDEDF");
  assert.equal(e.ec, "0026-00000001");
  assert.equal(e.code, "OSS_SERVICE_ERROR");
});

test("HEAD errors: base64 x-oss-err header; else status + x-oss-request-id + x-oss-ec", async () => {
  const encoded = btoa(NO_SUCH_KEY);
  assert.equal(decodeErrHeader(encoded), NO_SUCH_KEY);
  assert.equal(decodeErrHeader("!!!"), null);
  const e = await errorFromResponse(
    new Response(null, { status: 404, headers: { "x-oss-err": encoded } }),
  ) as OssServiceError;
  assert.equal(e.ossCode, "NoSuchKey");
  assert.equal(e.ec, "0026-00000001");
  const bare = await errorFromResponse(
    new Response(null, {
      status: 403,
      statusText: "Forbidden",
      headers: { "x-oss-request-id": "RID", "x-oss-ec": "0003-00000001" },
    }),
  ) as OssServiceError;
  assert.equal(bare.ossCode, "");
  assert.equal(bare.status, 403);
  assert.equal(bare.requestId, "RID");
  assert.equal(bare.ec, "0003-00000001");
  assert.match(bare.message, /HTTP 403/);
  const html = await errorFromResponse(new Response("<html>bad gateway</html>", { status: 502 }));
  assert.ok(html instanceof OssServiceError && html.status === 502);
});

test("412 → ObjectChangedError whose cause is the OssServiceError", async () => {
  const e = await errorFromResponse(
    new Response(
      "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you " +
        "specified did not hold</Message><EC>0017-00001001</EC></Error>",
      { status: 412 },
    ),
  );
  assert.ok(e instanceof ObjectChangedError);
  assert.equal(e.code, "OBJECT_CHANGED");
  assert.ok(e.cause instanceof OssServiceError);
  assert.equal((e.cause as OssServiceError).ec, "0017-00001001");
});

test("fetch rejections → NetworkError without URL secrets; aborted signal → AbortedError", () => {
  const err = new TypeError(
    "error sending request for url (https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-signature=SECRETSIG&x-oss-security-token=TOK)",
    { cause: Object.assign(new Error("connection reset"), { code: "ECONNRESET" }) },
  );
  const n = networkFailure(err);
  assert.ok(n instanceof NetworkError);
  assert.ok(!n.message.includes("SECRETSIG") && !n.message.includes("TOK"), n.message);
  assert.match(n.message, /ECONNRESET/);
  assert.match(n.message, /b\.oss-cn-hangzhou\.aliyuncs\.com\/k\?<redacted>/);
  const ac = new AbortController();
  ac.abort();
  assert.ok(
    networkFailure(new DOMException("aborted", "AbortError"), ac.signal) instanceof AbortedError,
  );
  const already = new ProtocolError("x");
  assert.equal(networkFailure(already), already);
  assert.equal(
    redactUrls("see http://user:pw@h.com/p?a=1 now"),
    "see http://h.com/p?<redacted> now",
  );
  assert.equal(redactUrls("plain https://h.com/p text"), "plain https://h.com/p text");
});

test("typedBody passes bytes through and turns read failures into NetworkError", async () => {
  assert.equal(await new Response(typedBody(new Response("hello").body!)).text(), "hello");
  let pulls = 0;
  const failing = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls++ === 0) c.enqueue(new Uint8Array([1, 2]));
      else c.error(new TypeError("connection reset by peer"));
    },
  });
  const reader = typedBody(failing).getReader();
  assert.deepEqual((await reader.read()).value, new Uint8Array([1, 2]));
  await assert.rejects(reader.read(), NetworkError);
  let cancelled = false;
  const src = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
  await typedBody(src).cancel();
  assert.ok(cancelled);
});

test("toReadResponse: objectSize given, a 206 whose Content-Range total differs → ObjectChangedError", async () => {
  const answer = (total: number) =>
    new Response("abc", {
      status: 206,
      headers: { "content-range": `bytes 5-7/${total}`, "content-length": "3" },
    });
  const r = await toReadResponse(answer(10), { start: 5, end: 8, etag: null, objectSize: 10 });
  assert.equal(r.ranged, true);
  await r.body.cancel();
  await assert.rejects(
    toReadResponse(answer(11), { start: 5, end: 8, etag: null, objectSize: 10 }),
    (e: unknown) => e instanceof ObjectChangedError && /11 bytes instead of 10/.test(e.message),
  );
  // Without objectSize the total is not compared.
  await (await toReadResponse(answer(11), { start: 5, end: 8, etag: null })).body.cancel();
  // An unknown total (`*`) cannot be compared.
  const star = new Response("abc", { status: 206, headers: { "content-range": "bytes 5-7/*" } });
  await (await toReadResponse(star, { start: 5, end: 8, etag: null, objectSize: 10 })).body
    .cancel();
  // A whole-object 200 of another length, and a 416 showing another size, too.
  const whole = new Response("abcdefghijk", { status: 200, headers: { "content-length": "11" } });
  await assert.rejects(
    toReadResponse(whole, { start: 0, end: 10, etag: null, whole: true, objectSize: 10 }),
    ObjectChangedError,
  );
  const shrunk = new Response("<Error/>", {
    status: 416,
    headers: { "content-range": "bytes */4" },
  });
  await assert.rejects(
    toReadResponse(shrunk, { start: 5, end: 8, etag: null, objectSize: 10 }),
    (e: unknown) => e instanceof ObjectChangedError && /4 bytes instead of 10/.test(e.message),
  );
});
