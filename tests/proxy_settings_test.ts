import assert from "node:assert/strict";
import { test } from "node:test";
import { proxyForUrl, proxySettingsFromEnv } from "../src/proxy/proxy_settings.ts";
import { redactProxyUrl } from "../src/proxy/redact_proxy_url.ts";

const settings = (env: Record<string, string>) => proxySettingsFromEnv((n) => env[n]);

test("proxySettingsFromEnv: lower-case names win; a bare host:port means http://", () => {
  const s = settings({
    HTTP_PROXY: "http://upper:1",
    http_proxy: "http://lower:2",
    HTTPS_PROXY: "proxy.corp:3128",
    NO_PROXY: "a",
  });
  assert.deepEqual(s.http, { url: "http://lower:2", from: "http_proxy" });
  assert.deepEqual(s.https, { url: "http://proxy.corp:3128", from: "HTTPS_PROXY" });
  assert.equal(s.noProxy, "a");
  assert.equal(settings({ no_proxy: "b", NO_PROXY: "a" }).noProxy, "b");
  // An empty variable counts as unset.
  assert.equal(settings({ no_proxy: "", NO_PROXY: "a" }).noProxy, "a");
  assert.equal(settings({ http_proxy: " ", HTTP_PROXY: "http://u:1" }).http?.from, "HTTP_PROXY");
});

test("proxyForUrl: the scheme picks the variable", () => {
  const s = settings({ HTTP_PROXY: "http://h:1", HTTPS_PROXY: "http://s:2" });
  assert.equal(proxyForUrl("http://x.example/k", s).proxy, "http://h:1");
  assert.equal(proxyForUrl("https://x.example/k", s).proxy, "http://s:2");
  assert.equal(
    proxyForUrl("https://x.example/k", settings({ HTTP_PROXY: "http://h:1" })).proxy,
    null,
  );
});

test("proxyForUrl: NO_PROXY entries", () => {
  const p = (noProxy: string, url: string) =>
    proxyForUrl(
      url,
      settings({ HTTPS_PROXY: "http://p:1", HTTP_PROXY: "http://p:1", NO_PROXY: noProxy }),
    )
      .proxy;
  assert.equal(p("*", "https://any.where/"), null);
  assert.equal(p("example.com", "https://example.com/"), null);
  assert.equal(p("example.com", "https://b.example.com/"), null);
  assert.equal(p("example.com", "https://notexample.com/"), "http://p:1");
  assert.equal(p(".example.com", "https://b.example.com/"), null);
  assert.equal(p(".example.com", "https://example.com/"), "http://p:1");
  assert.equal(p("*.example.com", "https://b.example.com/"), null);
  assert.equal(p("10.0.0.0/8", "http://10.1.2.3:9000/"), null);
  assert.equal(p("10.0.0.0/8", "http://11.1.2.3/"), "http://p:1");
  assert.equal(p("127.0.0.1:9000", "http://127.0.0.1:9000/"), null);
  assert.equal(p("127.0.0.1:9000", "http://127.0.0.1:9001/"), "http://p:1");
  assert.equal(p("a.internal, 127.0.0.1", "http://127.0.0.1/"), null);
  assert.equal(p("::1", "http://[::1]:8080/"), null);
  assert.equal(p("EXAMPLE.COM", "https://Example.com/"), null);
  // Loopback is not exempt by default: a proxy for everything is used for everything.
  assert.equal(p("", "http://127.0.0.1:9000/"), "http://p:1");
  assert.match(
    proxyForUrl("http://127.0.0.1/", settings({ HTTP_PROXY: "http://p:1", NO_PROXY: "127.0.0.1" }))
      .reason,
    /NO_PROXY entry 127\.0\.0\.1/,
  );
});

test("redactProxyUrl: user and password never printed", () => {
  assert.equal(redactProxyUrl("http://me:s3cret@127.0.0.1:3128"), "http://***:***@127.0.0.1:3128");
  assert.equal(redactProxyUrl("http://token@proxy:1"), "http://***@proxy:1");
  assert.equal(redactProxyUrl("http://proxy:1"), "http://proxy:1");
  assert.ok(!redactProxyUrl("not a url me:s3cret@host").includes("s3cret"));
});
