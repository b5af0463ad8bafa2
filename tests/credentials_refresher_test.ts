import { test } from "node:test";
import assert from "node:assert/strict";
import { CredentialsRefresher, refreshTime } from "../src/credentials/credentials_refresher.ts";
import type { CredentialsProvider } from "../src/credentials/credentials_provider.ts";
import { Credentials } from "../src/oss/credentials.ts";
import { peekErrorCode, sendSigned } from "../src/oss/signed_send.ts";

/** A provider on a fake clock that hands out keys valid for `lifeMs`, counting its calls. */
function issuing(clock: { now: number }, lifeMs: number, gate?: Promise<void>) {
  let calls = 0;
  const provider: CredentialsProvider = {
    name: "test issuer",
    refreshable: true,
    async getCredentials() {
      calls++;
      await gate;
      return new Credentials({
        accessKeyId: `STS.k${calls}`,
        accessKeySecret: `secret${calls}`,
        securityToken: `token${calls}`,
        expiration: new Date(clock.now + lifeMs),
      });
    },
  };
  return { provider, calls: () => calls };
}

test("refresh rule: the smaller of 3 minutes and 20% of the keys' life", () => {
  assert.equal(refreshTime(0, 3_600_000), 3_600_000 - 180_000);
  assert.equal(refreshTime(0, 5_000), 4_000);
  assert.equal(refreshTime(1_000, 2_000), 1_800);
  assert.equal(refreshTime(0, 600_000), 480_000); // 10 minutes: 2 minutes left
});

test("refresher: keys are kept until their refresh time, then fetched again", async () => {
  const clock = { now: 0 };
  const issuer = issuing(clock, 5_000);
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  assert.equal((await r.current()).accessKeyId, "STS.k1");
  clock.now = 3_999;
  assert.equal((await r.current()).accessKeyId, "STS.k1");
  clock.now = 4_000;
  assert.equal((await r.current()).accessKeyId, "STS.k2");
  assert.equal(issuer.calls(), 2);
  assert.equal(r.name, "test issuer");
});

test("refresher: one refresh for all requests in flight (no stampede)", async () => {
  const clock = { now: 0 };
  let open!: () => void;
  const issuer = issuing(clock, 5_000, new Promise<void>((resolve) => (open = resolve)));
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  const waiting = Array.from({ length: 32 }, () => r.current());
  open();
  const all = await Promise.all(waiting);
  assert.equal(issuer.calls(), 1);
  assert.ok(all.every((c) => c === all[0]));
  clock.now = 4_500;
  const again = await Promise.all(Array.from({ length: 32 }, () => r.current()));
  assert.equal(issuer.calls(), 2);
  assert.ok(again.every((c) => c.accessKeyId === "STS.k2"));
});

test("refresher: a failed refresh keeps keys that have not expired; expired keys fail", async () => {
  const clock = { now: 0 };
  let fail = false;
  const r = new CredentialsRefresher({
    name: "flaky",
    refreshable: true,
    getCredentials: () => {
      if (fail) return Promise.reject(new Error("endpoint down"));
      return Promise.resolve(
        new Credentials({
          accessKeyId: "a",
          accessKeySecret: "s",
          expiration: new Date(clock.now + 10_000),
        }),
      );
    },
  }, { now: () => clock.now });
  await r.current();
  fail = true;
  clock.now = 9_000; // past the refresh time, before the expiry
  assert.equal((await r.current()).accessKeyId, "a");
  clock.now = 10_000;
  await assert.rejects(r.current(), /endpoint down/);
});

test("refresher: a provider with no keys is a CredentialsError", async () => {
  const r = new CredentialsRefresher({
    name: "empty",
    getCredentials: () => Promise.resolve(null),
  });
  await assert.rejects(r.current(), { code: "CREDENTIALS_ERROR", message: /empty gave no/ });
});

test("refreshAfterRejection: refreshes once for all, says whether new keys differ", async () => {
  const clock = { now: 0 };
  const issuer = issuing(clock, 3_600_000);
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  const used = await r.current();
  const answers = await Promise.all([r.refreshAfterRejection(used), r.refreshAfterRejection(used)]);
  assert.deepEqual(answers, [true, true]);
  assert.equal(issuer.calls(), 2);
  assert.equal((await r.current()).accessKeyId, "STS.k2");
  // Fixed keys: nothing to refresh, so no retry.
  const fixed = new CredentialsRefresher({
    name: "fixed",
    getCredentials: () =>
      Promise.resolve(new Credentials({ accessKeyId: "a", accessKeySecret: "s" })),
  });
  assert.equal(await fixed.refreshAfterRejection(await fixed.current()), false);
});

const expiredXml = "<Error><Code>SecurityTokenExpired</Code><Message>expired</Message></Error>";

test("sendSigned: a request refused for an expired token is signed again and sent once more", async () => {
  const clock = { now: 0 };
  const issuer = issuing(clock, 3_600_000);
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  const seen: string[] = [];
  const response = await sendSigned(
    r,
    (c) =>
      Promise.resolve(
        new Request("http://127.0.0.1/", { headers: { "x-key": c!.accessKeyId } }),
      ),
    (request) => {
      seen.push(request.headers.get("x-key")!);
      return Promise.resolve(
        seen.length === 1
          ? new Response(expiredXml, { status: 403 })
          : new Response("ok", { status: 200 }),
      );
    },
  );
  assert.equal(response.status, 200);
  assert.deepEqual(seen, ["STS.k1", "STS.k2"]);
});

test("sendSigned: retried once only; other 403s are returned as they were", async () => {
  const clock = { now: 0 };
  const issuer = issuing(clock, 3_600_000);
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  let sent = 0;
  const always = await sendSigned(
    r,
    () => Promise.resolve(new Request("http://127.0.0.1/")),
    () => {
      sent++;
      return Promise.resolve(new Response(expiredXml, { status: 403 }));
    },
  );
  assert.equal(sent, 2);
  assert.equal(await always.text(), expiredXml);
  sent = 0;
  const denied = await sendSigned(
    r,
    () => Promise.resolve(new Request("http://127.0.0.1/")),
    () => {
      sent++;
      return Promise.resolve(
        new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 }),
      );
    },
  );
  assert.equal(sent, 1);
  assert.match(await denied.text(), /AccessDenied/);
});

test("peekErrorCode: reads the x-oss-err header of a HEAD answer", async () => {
  const head = new Response(null, {
    status: 403,
    headers: { "x-oss-err": btoa("<Error><Code>InvalidAccessKeyId</Code></Error>") },
  });
  const { code, response } = await peekErrorCode(head);
  assert.equal(code, "InvalidAccessKeyId");
  assert.equal(response.status, 403);
});

test("refresher: keys that arrive already expired are not fetched again on every request", async () => {
  const clock = { now: 10_000 };
  const issuer = issuing(clock, -5_000); // a clock that is ahead of the issuer's
  const r = new CredentialsRefresher(issuer.provider, { now: () => clock.now });
  for (let i = 0; i < 20; i++) await r.current();
  assert.equal(issuer.calls(), 1);
  clock.now += 500;
  await r.current();
  assert.equal(issuer.calls(), 2);
});
