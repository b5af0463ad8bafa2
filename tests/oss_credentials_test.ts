import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { Credentials, resolveCredentials } from "../src/oss/credentials.ts";
import { readEnv } from "../src/runtime/env.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

test("explicit credentials win over the environment; null forces anonymous", () => {
  const env = envOf({ OSS_ACCESS_KEY_ID: "envid", OSS_ACCESS_KEY_SECRET: "envsk" });
  const c = resolveCredentials({ credentials: { accessKeyId: "id", accessKeySecret: "sk" }, env });
  assert.equal(c?.accessKeyId, "id");
  assert.equal(c?.accessKeySecret, "sk");
  assert.equal(resolveCredentials({ credentials: null, env }), null);
  const given = new Credentials({ accessKeyId: "x", accessKeySecret: "y" });
  assert.equal(resolveCredentials({ credentials: given }), given);
});

test("OSS_* env first, then ALIBABA_CLOUD_*; tokens from the same family; none → null", () => {
  const both = envOf({
    OSS_ACCESS_KEY_ID: "oid",
    OSS_ACCESS_KEY_SECRET: "osk",
    OSS_SESSION_TOKEN: "otok",
    ALIBABA_CLOUD_ACCESS_KEY_ID: "aid",
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: "ask",
    ALIBABA_CLOUD_SECURITY_TOKEN: "atok",
  });
  const c = resolveCredentials({ env: both })!;
  assert.deepEqual([c.accessKeyId, c.accessKeySecret, c.securityToken], ["oid", "osk", "otok"]);
  const ali = resolveCredentials({
    env: envOf({
      ALIBABA_CLOUD_ACCESS_KEY_ID: "aid",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "ask",
      ALIBABA_CLOUD_SECURITY_TOKEN: "atok",
      OSS_SESSION_TOKEN: "ignored",
    }),
  })!;
  assert.deepEqual([ali.accessKeyId, ali.accessKeySecret, ali.securityToken], [
    "aid",
    "ask",
    "atok",
  ]);
  assert.equal(resolveCredentials({ env: envOf({}) }), null);
  assert.equal(resolveCredentials({}), null);
  assert.equal(
    resolveCredentials({ env: envOf({ OSS_ACCESS_KEY_ID: "", OSS_ACCESS_KEY_SECRET: "" }) }),
    null,
  );
  const noToken = resolveCredentials({
    env: envOf({ OSS_ACCESS_KEY_ID: "i", OSS_ACCESS_KEY_SECRET: "s", OSS_SESSION_TOKEN: "" }),
  })!;
  assert.equal(noToken.securityToken, undefined);
});

test("an id without a secret (or the reverse) is a clear TypeError without the values", () => {
  assert.throws(
    () => resolveCredentials({ env: envOf({ OSS_ACCESS_KEY_ID: "id" }) }),
    (e: unknown) => e instanceof TypeError && /OSS_ACCESS_KEY_SECRET/.test(e.message),
  );
  assert.throws(
    () => resolveCredentials({ env: envOf({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: "topsecret" }) }),
    (e: unknown) => e instanceof TypeError && !e.message.includes("topsecret"),
  );
  assert.throws(
    () => resolveCredentials({ credentials: { accessKeyId: "id", accessKeySecret: "" } }),
    TypeError,
  );
});

test("credentials never leak the secret or token via JSON, String or inspect", () => {
  const c = new Credentials({
    accessKeyId: "AKID",
    accessKeySecret: "S3CR3T",
    securityToken: "T0K3N",
  });
  for (const text of [JSON.stringify(c), JSON.stringify({ c }), String(c), inspect(c), `${c}`]) {
    assert.ok(!text.includes("S3CR3T"), text);
    assert.ok(!text.includes("T0K3N"), text);
    assert.ok(text.includes("AKID"), text);
  }
  assert.deepEqual(Object.keys(c), ["accessKeyId"]);
  assert.equal(c.accessKeySecret, "S3CR3T");
  assert.equal(c.securityToken, "T0K3N");
});

test("readEnv reads the process environment and returns undefined for unset names", () => {
  assert.equal(readEnv("OSSDL_SURELY_UNSET_VARIABLE_4711"), undefined);
  const path = readEnv("PATH");
  assert.equal(typeof path, "string");
  assert.ok(path!.length > 0);
});
