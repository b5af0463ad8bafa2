import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type CredentialChainOptions,
  resolveCredentialChain,
  textFileReader,
} from "../src/credentials/credential_chain.ts";
import { staticProvider } from "../src/credentials/credentials_provider.ts";
import { defaultFileSystem } from "../src/fs/default_file_system.ts";
import { StsKeys } from "../src/emulator/sts_keys.ts";
import {
  credentialsUriServer,
  issueBody,
  loopbackFetch,
  metadataServer,
  tempHome,
} from "./credentials_fixtures.ts";

const SECRET = "S3CR3T-chain";

const ALIYUN = JSON.stringify(
  {
    current: "main",
    profiles: [
      { name: "main", mode: "AK", access_key_id: "ak-aliyun", access_key_secret: SECRET },
      { name: "other", mode: "AK", access_key_id: "ak-aliyun-other", access_key_secret: SECRET },
      { name: "ecs", mode: "EcsRamRole", ram_role_name: "role-from-profile" },
    ],
  },
  null,
  2,
);
const SHARED =
  `[default]\ntype = access_key\naccess_key_id = ak-shared\naccess_key_secret = ${SECRET}\n` +
  `[other]\ntype = access_key\naccess_key_id = ak-shared-other\naccess_key_secret = ${SECRET}\n` +
  `[only-shared]\ntype = access_key\naccess_key_id = ak-only-shared\naccess_key_secret = ${SECRET}\n`;
const OSSUTIL = `[default]\naccessKeyId = ak-ossutil\naccessKeySecret = ${SECRET}\n` +
  `region = cn-shanghai\nendpoint = oss-cn-shanghai.aliyuncs.com\n` +
  `[profile only-ossutil]\naccess-key-id = ak-only-ossutil\naccess-key-secret = ${SECRET}\n`;

async function resolve(
  env: Record<string, string>,
  options: Partial<CredentialChainOptions> = {},
) {
  return await resolveCredentialChain({
    env: (name) => env[name],
    readTextFile: textFileReader(await defaultFileSystem()),
    fetch: loopbackFetch,
    ...options,
  });
}

async function chain(
  env: Record<string, string>,
  options: Partial<CredentialChainOptions> = {},
) {
  const found = await resolve(env, options);
  const keys = found.refresher ? await found.refresher.current() : null;
  assert.ok(!found.source.includes(SECRET), found.source);
  return { ...found, id: keys?.accessKeyId ?? null };
}

test("chain: each file source in a temporary HOME, and their order", async () => {
  const all = await tempHome({
    ".aliyun/config.json": ALIYUN,
    ".alibabacloud/credentials": SHARED,
    ".ossutilconfig": OSSUTIL,
  });
  try {
    const env = { HOME: all.home };
    const aliyun = await chain(env);
    assert.equal(aliyun.id, "ak-aliyun");
    assert.match(aliyun.source, /\.aliyun\/config\.json profile main/);
    // ALIBABA_CLOUD_PROFILE picks the profile of config.json and of the credentials file.
    assert.equal((await chain({ ...env, ALIBABA_CLOUD_PROFILE: "other" })).id, "ak-aliyun-other");
    const only = await chain({ ...env, ALIBABA_CLOUD_PROFILE: "only-shared" });
    assert.equal(only.id, "ak-only-shared");
  } finally {
    await all.close();
  }
  const shared = await tempHome({ ".alibabacloud/credentials": SHARED, ".ossutilconfig": OSSUTIL });
  try {
    const found = await chain({ HOME: shared.home });
    assert.equal(found.id, "ak-shared");
    assert.match(found.source, /\.alibabacloud\/credentials \[default\]/);
    assert.equal(found.endpoint, undefined);
  } finally {
    await shared.close();
  }
  const ossutil = await tempHome({ ".ossutilconfig": OSSUTIL });
  try {
    const found = await chain({ HOME: ossutil.home });
    assert.equal(found.id, "ak-ossutil");
    assert.deepEqual([found.endpoint, found.region], [
      "oss-cn-shanghai.aliyuncs.com",
      "cn-shanghai",
    ]);
  } finally {
    await ossutil.close();
  }
});

test("chain: options, then environment (OSS_* before ALIBABA_CLOUD_*), then files", async () => {
  const all = await tempHome({ ".aliyun/config.json": ALIYUN, ".ossutilconfig": OSSUTIL });
  try {
    const env = {
      HOME: all.home,
      OSS_ACCESS_KEY_ID: "ak-env-oss",
      OSS_ACCESS_KEY_SECRET: SECRET,
      ALIBABA_CLOUD_ACCESS_KEY_ID: "ak-env-ali",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
    };
    const fromEnv = await chain(env);
    assert.equal(fromEnv.id, "ak-env-oss");
    assert.equal(fromEnv.source, "environment (OSS_ACCESS_KEY_ID)");
    const { OSS_ACCESS_KEY_ID: _, OSS_ACCESS_KEY_SECRET: __, ...aliOnly } = env;
    assert.equal((await chain(aliOnly)).id, "ak-env-ali");
    const given = await chain(env, {
      credentials: staticProvider("command-line options", {
        accessKeyId: "ak-opt",
        accessKeySecret: SECRET,
      }),
    });
    assert.deepEqual([given.id, given.source], ["ak-opt", "command-line options"]);
    assert.equal(
      (await chain(env, { credentials: { accessKeyId: "ak-obj", accessKeySecret: "s" } })).id,
      "ak-obj",
    );
    const anonymous = await chain(env, { credentials: null });
    assert.equal(anonymous.refresher, null);
    // --profile goes straight to the files, in their order, past the environment.
    assert.equal((await chain(env, { profile: "other" })).id, "ak-aliyun-other");
    assert.equal((await chain(env, { profile: "only-ossutil" })).id, "ak-only-ossutil");
    await assert.rejects(chain(env, { profile: "nowhere" }), {
      code: "CREDENTIALS_ERROR",
      message: /the profile nowhere is in none of .*config\.json.*credentials.*\.ossutilconfig/,
    });
  } finally {
    await all.close();
  }
});

test("chain: --config-file and the file variables; a named file that is missing is an error", async () => {
  const h = await tempHome({ "elsewhere/ossutil.ini": OSSUTIL, "elsewhere/shared": SHARED });
  try {
    const env = { HOME: h.home };
    assert.equal(
      (await chain(env, { configFile: h.path("elsewhere/ossutil.ini") })).id,
      "ak-ossutil",
    );
    const shared = await chain({
      ...env,
      ALIBABA_CLOUD_CREDENTIALS_FILE: h.path("elsewhere/shared"),
    });
    assert.equal(shared.id, "ak-shared");
    await assert.rejects(chain(env, { configFile: h.path("missing") }), {
      code: "CREDENTIALS_ERROR",
      message: /missing \(--config-file\) does not exist/,
    });
    await assert.rejects(chain({ ...env, ALIBABA_CLOUD_CONFIG_FILE: h.path("nope.json") }), {
      message: /ALIBABA_CLOUD_CONFIG_FILE/,
    });
  } finally {
    await h.close();
  }
});

test("chain: a malformed file stops the chain with its file and line, no secret", async () => {
  const h = await tempHome({ ".ossutilconfig": `[default]\naccessKeyId = a\n${SECRET}\n` });
  try {
    await assert.rejects(chain({ HOME: h.home }), (e: Error) => {
      assert.ok(e.message.includes(`${h.path(".ossutilconfig")} line 3`), e.message);
      assert.ok(!e.message.includes(SECRET));
      return true;
    });
  } finally {
    await h.close();
  }
});

test("chain: nothing found is anonymous, and nothing is probed (no request at all)", async () => {
  const h = await tempHome();
  let requests = 0;
  try {
    const found = await resolveCredentialChain({
      env: (name) => ({ HOME: h.home } as Record<string, string>)[name],
      readTextFile: textFileReader(await defaultFileSystem()),
      fetch: (r) => {
        requests++;
        return loopbackFetch(r);
      },
    });
    assert.equal(found.refresher, null);
    assert.match(found.source, /anonymous/);
    assert.equal(requests, 0);
  } finally {
    await h.close();
  }
});

test("chain: ALIBABA_CLOUD_CREDENTIALS_URI on 127.0.0.1 gives expiring keys, after the environment", async () => {
  const sts = new StsKeys();
  const server = await credentialsUriServer(() => new Response(issueBody(sts, 3_600_000)));
  const h = await tempHome({ ".ossutilconfig": OSSUTIL });
  try {
    const uri = `${server.url}/creds?secret-query=${SECRET}`;
    const found = await chain({ HOME: h.home, ALIBABA_CLOUD_CREDENTIALS_URI: uri });
    assert.equal(found.id, "STS.emulator1");
    assert.equal(
      found.source,
      `credentials URI ${server.url}/creds (ALIBABA_CLOUD_CREDENTIALS_URI)`,
    );
    const keys = await found.refresher!.current();
    assert.ok(keys.expiration && keys.expiration.getTime() > Date.now());
    assert.ok(keys.securityToken?.startsWith("sts-token-1"));
    const env = {
      ALIBABA_CLOUD_CREDENTIALS_URI: uri,
      OSS_ACCESS_KEY_ID: "e",
      OSS_ACCESS_KEY_SECRET: "s",
    };
    assert.equal((await chain(env)).id, "e");
  } finally {
    await h.close();
    await server.close();
  }
});

test("chain: a credentials URI that fails is a clear error without its query", async () => {
  const server = await credentialsUriServer(() => new Response("nope", { status: 500 }));
  try {
    const found = await chain({}, {}).catch((e) => e);
    assert.equal(found.refresher, null);
    const uri = `${server.url}/creds?k=${SECRET}`;
    await assert.rejects(chain({ ALIBABA_CLOUD_CREDENTIALS_URI: uri }), (e: Error) => {
      assert.match(e.message, /answered HTTP 500/);
      assert.ok(!e.message.includes(SECRET));
      return true;
    });
  } finally {
    await server.close();
  }
});

test("chain: the ECS RAM role only when asked; IMDSv2 token, then role and keys on 127.0.0.1", async () => {
  const sts = new StsKeys();
  const md = await metadataServer("the-role", () => issueBody(sts, 3_600_000));
  const h = await tempHome({ ".aliyun/config.json": ALIYUN });
  try {
    const base = { OSSDL_ECS_METADATA_ENDPOINT: md.url };
    // Not asked: never probed, even with the endpoint variable set.
    assert.equal((await chain(base)).refresher, null);
    assert.equal(md.log.tokenPuts + md.log.gets.length, 0);
    // ALIBABA_CLOUD_ECS_METADATA names the role.
    const named = await chain({ ...base, ALIBABA_CLOUD_ECS_METADATA: "the-role" });
    assert.equal(named.id, "STS.emulator1");
    assert.match(named.source, /ECS RAM role the-role from http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(md.log.ttlHeader, "21600");
    assert.deepEqual(md.log.gets, ["/latest/meta-data/ram/security-credentials/the-role"]);
    assert.ok(md.log.tokensSeen.every((t) => t?.startsWith("metadata-token-")));
    // --ecs-role without a name asks the service for the role first.
    md.log.gets.length = 0;
    assert.equal((await chain(base, { ecsRole: true })).id, "STS.emulator2");
    assert.deepEqual(md.log.gets, [
      "/latest/meta-data/ram/security-credentials/",
      "/latest/meta-data/ram/security-credentials/the-role",
    ]);
    // A profile of mode EcsRamRole.
    const fromProfile = await resolve({ ...base, HOME: h.home, ALIBABA_CLOUD_PROFILE: "ecs" });
    assert.match(fromProfile.source, /role-from-profile/);
    await assert.rejects(
      fromProfile.refresher!.current(),
      /no credentials for the role role-from-profile/,
    );
  } finally {
    await h.close();
    await md.close();
  }
});

test("chain: an unreachable metadata service fails within about a second", async () => {
  // A server that accepts the connection and never answers.
  const { serveEmulator } = await import("../src/emulator/serve.ts");
  const silent = await serveEmulator(() => new Promise<Response>(() => {}), { port: 0 });
  try {
    const found = await resolve({ OSSDL_ECS_METADATA_ENDPOINT: silent.url }, { ecsRole: "r" });
    const started = Date.now();
    await assert.rejects(found.refresher!.current(), {
      code: "CREDENTIALS_ERROR",
      message: /no answer from/,
    });
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
  } finally {
    await silent.close();
  }
});
