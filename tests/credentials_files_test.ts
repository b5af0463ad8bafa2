import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIni } from "../src/credentials/ini_parser.ts";
import { parseJsonWithLines } from "../src/credentials/json_with_lines.ts";
import { aliyunCliProfile } from "../src/credentials/aliyun_cli_config.ts";
import { sharedCredentialsProfile } from "../src/credentials/shared_credentials_file.ts";
import { ossutilProfile } from "../src/credentials/ossutil_config.ts";
import { credentialsFromResponse } from "../src/credentials/credentials_response.ts";
import { CredentialsError } from "../src/credentials/credentials_error.ts";
import type { ProfileSource } from "../src/credentials/profile_source.ts";

const SECRET = "S3CR3T-value";
const TOKEN = "T0K3N-value";

/** Asserts a CredentialsError whose message names `path` and `line` and holds no secret. */
function throwsAt(fn: () => unknown, path: string, line: number, more?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CredentialsError, String(e));
    assert.equal(e.code, "CREDENTIALS_ERROR");
    assert.ok(e.message.includes(`${path} line ${line}`), e.message);
    if (more) assert.match(e.message, more);
    for (const secret of [SECRET, TOKEN]) {
      assert.ok(!e.message.includes(secret), e.message);
      assert.ok(!e.hint.includes(secret), e.hint);
    }
    return true;
  });
}

function keys(found: ProfileSource | null): [string, string, string | undefined] {
  assert.ok(found && found.kind === "keys", JSON.stringify(found));
  const c = found.credentials;
  return [c.accessKeyId, c.accessKeySecret, c.securityToken];
}

test("ini: sections, keys with = or :, comments, quotes, CRLF, line numbers", () => {
  const s = parseIni('# c\r\n[default]\r\na = 1\r\n; c\r\n\r\n[profile x]\nb: "two words"\nc=\n');
  assert.deepEqual([...s.keys()], ["default", "profile x"]);
  assert.deepEqual(s.get("default")!.values.get("a"), { value: "1", line: 3 });
  assert.equal(s.get("profile x")!.line, 6);
  assert.deepEqual(s.get("profile x")!.values.get("b"), { value: "two words", line: 7 });
  assert.equal(s.get("profile x")!.values.get("c")!.value, "");
});

test("ini: a malformed line is an error naming its line, never its text", () => {
  assert.throws(() => parseIni(`[a]\nx = 1\n${SECRET}\n`), (e: Error) => {
    assert.equal(e.message, "line 3: expected [section] or key = value");
    return true;
  });
  assert.throws(() => parseIni("[a\n"), /line 1: a section header without its \]/);
});

test("json with lines: member lines; syntax errors name the line without quoting text", () => {
  const p = parseJsonWithLines(
    '{\n  "a": 1,\n  "list": [\n    {"name": "x",\n     "k": true}\n  ]\n}',
  );
  const root = p.value as { list: object[] };
  assert.equal(p.memberLine(root, "list"), 3);
  assert.equal(p.memberLine(root.list[0], "k"), 5);
  assert.equal(p.lineOf(root.list[0]), 4);
  assert.deepEqual(p.value, JSON.parse('{"a":1,"list":[{"name":"x","k":true}]}'));
  for (
    const [text, line] of [
      [`{\n "a": "${SECRET}",\n "b": ${SECRET}\n}`, 3],
      [`{\n "a": "${SECRET}",\n}`, 3],
      [`{\n "a": "${SECRET}"\n "b": 1}`, 3],
      [`{"a": 1}\n\n{`, 3],
      [`{\n "a": "${SECRET}`, 2],
    ] as const
  ) {
    assert.throws(() => parseJsonWithLines(text), (e: Error) => {
      assert.ok(e.message.startsWith(`line ${line}: `), `${text}: ${e.message}`);
      assert.ok(!e.message.includes(SECRET));
      return true;
    });
  }
});

const CONFIG = "/home/u/.aliyun/config.json";

function aliyunConfig(profiles: unknown[], current = "default"): string {
  return JSON.stringify({ current, profiles, meta_path: "" }, null, 2);
}

test("aliyun config.json: AK, StsToken and EcsRamRole profiles; current, else the one named", () => {
  const text = aliyunConfig([
    { name: "default", mode: "AK", access_key_id: "ak1", access_key_secret: SECRET },
    {
      name: "sts",
      mode: "StsToken",
      access_key_id: "STS.ak2",
      access_key_secret: SECRET,
      sts_token: TOKEN,
    },
    { name: "ecs", mode: "EcsRamRole", ram_role_name: "my-role" },
    { name: "ecs-any", mode: "EcsRamRole", ram_role_name: "" },
  ]);
  assert.deepEqual(keys(aliyunCliProfile(text, CONFIG)), ["ak1", SECRET, undefined]);
  assert.deepEqual(keys(aliyunCliProfile(text, CONFIG, "sts")), ["STS.ak2", SECRET, TOKEN]);
  assert.deepEqual(aliyunCliProfile(text, CONFIG, "ecs"), {
    kind: "ecs",
    roleName: "my-role",
    where: `${CONFIG} profile ecs`,
  });
  assert.equal(
    (aliyunCliProfile(text, CONFIG, "ecs-any") as { roleName?: string }).roleName,
    undefined,
  );
  assert.equal(aliyunCliProfile(text, CONFIG, "missing"), null);
  const switched = aliyunConfig(JSON.parse(text).profiles, "sts");
  assert.deepEqual(keys(aliyunCliProfile(switched, CONFIG)), ["STS.ak2", SECRET, TOKEN]);
  // What `aliyun configure` leaves before keys are entered: no credentials, no error.
  const fresh = aliyunConfig([{
    name: "default",
    mode: "AK",
    access_key_id: "",
    access_key_secret: "",
  }]);
  assert.equal(aliyunCliProfile(fresh, CONFIG), null);
});

test("aliyun config.json: other modes are 'not supported yet' naming the mode and line", () => {
  const text = aliyunConfig([
    { name: "default", mode: "OAuth", access_key_id: "", access_key_secret: SECRET },
  ]);
  throwsAt(() => aliyunCliProfile(text, CONFIG), CONFIG, 6, /mode OAuth.*not support yet/);
  const role = aliyunConfig([{ name: "r", mode: "RamRoleArn", access_key_secret: SECRET }]);
  throwsAt(() => aliyunCliProfile(role, CONFIG, "r"), CONFIG, 6, /RamRoleArn/);
});

test("aliyun config.json: malformed JSON and incomplete profiles name the file and line", () => {
  throwsAt(
    () => aliyunCliProfile(`{\n  "current": "default",\n  "profiles": [${SECRET}]\n}`, CONFIG),
    CONFIG,
    3,
  );
  const half = aliyunConfig([{ name: "default", mode: "AK", access_key_id: "ak" }]);
  throwsAt(() => aliyunCliProfile(half, CONFIG), CONFIG, 4, /no access_key_secret/);
  const noToken = aliyunConfig([
    { name: "default", mode: "StsToken", access_key_id: "a", access_key_secret: SECRET },
  ]);
  throwsAt(() => aliyunCliProfile(noToken, CONFIG), CONFIG, 4, /no sts_token/);
  throwsAt(() => aliyunCliProfile('{"profiles": 3}', CONFIG), CONFIG, 1, /not a list/);
});

const SHARED = "/home/u/.alibabacloud/credentials";

test("shared credentials file: access_key and ecs_ram_role sections", () => {
  const text = [
    "[default]",
    "type = access_key",
    "access_key_id = ak",
    `access_key_secret = ${SECRET}`,
    "",
    "[ecs]",
    "type = ecs_ram_role",
    "role_name = EcsRole",
    "[off]",
    "enable = false",
    "type = access_key",
  ].join("\n");
  assert.deepEqual(keys(sharedCredentialsProfile(text, SHARED)), ["ak", SECRET, undefined]);
  assert.deepEqual(sharedCredentialsProfile(text, SHARED, "ecs"), {
    kind: "ecs",
    roleName: "EcsRole",
    where: `${SHARED} [ecs]`,
  });
  assert.equal(sharedCredentialsProfile(text, SHARED, "nope"), null);
  assert.equal(sharedCredentialsProfile(text, SHARED, "off"), null);
});

test("shared credentials file: malformed lines, missing keys, other types name file and line", () => {
  throwsAt(
    () => sharedCredentialsProfile(`[default]\ntype = access_key\n${SECRET}\n`, SHARED),
    SHARED,
    3,
  );
  throwsAt(
    () =>
      sharedCredentialsProfile(
        `\n[default]\ntype = access_key\naccess_key_secret = ${SECRET}\n`,
        SHARED,
      ),
    SHARED,
    2,
    /no access_key_id/,
  );
  throwsAt(
    () =>
      sharedCredentialsProfile(
        `[default]\ntype = ram_role_arn\naccess_key_secret = ${SECRET}\n`,
        SHARED,
      ),
    SHARED,
    2,
    /type ram_role_arn, which ossdl does not support yet/,
  );
  throwsAt(() => sharedCredentialsProfile("[default]\nx = 1\n", SHARED), SHARED, 1, /no type/);
});

const OSSUTIL = "/home/u/.ossutilconfig";

test("ossutil 1.x: [Credentials] with accessKeyID, accessKeySecret, stsToken and endpoint", () => {
  const text = [
    "[Credentials]",
    "language=EN",
    "endpoint=oss-cn-shanghai.aliyuncs.com",
    "accessKeyID=ak1",
    `accessKeySecret=${SECRET}`,
    `stsToken=${TOKEN}`,
  ].join("\n");
  const found = ossutilProfile(text, OSSUTIL);
  assert.deepEqual(keys(found), ["ak1", SECRET, TOKEN]);
  assert.equal((found as { endpoint?: string }).endpoint, "oss-cn-shanghai.aliyuncs.com");
});

test("ossutil 2.x: [default] and [profile NAME], camel, kebab or snake case, region", () => {
  const text = [
    "[default]",
    "accessKeyId = ak-default",
    `accessKeySecret = ${SECRET}`,
    "region = cn-hangzhou",
    "",
    "[profile kebab]",
    "access-key-id = ak-kebab",
    `access-key-secret = ${SECRET}`,
    `sts-token = ${TOKEN}`,
    "region = cn-beijing",
    "endpoint = https://oss-cn-beijing-internal.aliyuncs.com",
    "[profile snake]",
    "access_key_id = ak-snake",
    `access_key_secret = ${SECRET}`,
    "[profile ecs]",
    "mode = EcsRamRole",
    "ecsRoleName = r1",
    "[profile endpoint-only]",
    "region = cn-hangzhou",
  ].join("\n");
  const d = ossutilProfile(text, OSSUTIL)!;
  assert.deepEqual(keys(d), ["ak-default", SECRET, undefined]);
  assert.equal((d as { region?: string }).region, "cn-hangzhou");
  const k = ossutilProfile(text, OSSUTIL, "kebab")!;
  assert.deepEqual(keys(k), ["ak-kebab", SECRET, TOKEN]);
  assert.deepEqual([(k as { region?: string }).region, (k as { endpoint?: string }).endpoint], [
    "cn-beijing",
    "https://oss-cn-beijing-internal.aliyuncs.com",
  ]);
  assert.deepEqual(keys(ossutilProfile(text, OSSUTIL, "snake")), ["ak-snake", SECRET, undefined]);
  assert.deepEqual(ossutilProfile(text, OSSUTIL, "ecs"), {
    kind: "ecs",
    roleName: "r1",
    where: `${OSSUTIL} [profile ecs]`,
  });
  assert.equal(ossutilProfile(text, OSSUTIL, "endpoint-only"), null);
  assert.equal(ossutilProfile(text, OSSUTIL, "missing"), null);
});

test("ossutil: malformed lines, half keys and other modes name the file and line", () => {
  throwsAt(() => ossutilProfile(`[default]\naccessKeyId = a\n${SECRET}\n`, OSSUTIL), OSSUTIL, 3);
  throwsAt(
    () => ossutilProfile(`[default]\n\naccessKeySecret = ${SECRET}\n`, OSSUTIL),
    OSSUTIL,
    3,
    /secret without its id/,
  );
  throwsAt(
    () => ossutilProfile(`[default]\nmode = RamRoleArn\naccessKeySecret = ${SECRET}\n`, OSSUTIL),
    OSSUTIL,
    2,
    /mode RamRoleArn, which ossdl does not support yet/,
  );
});

test("credentials answers: fields, Code, expiration; errors name fields, never values", () => {
  const body = {
    Code: "Success",
    AccessKeyId: "STS.a",
    AccessKeySecret: SECRET,
    SecurityToken: TOKEN,
    Expiration: "2030-01-02T15:04:05Z",
  };
  const c = credentialsFromResponse(JSON.stringify(body), "the URI");
  assert.deepEqual([c.accessKeyId, c.accessKeySecret, c.securityToken], ["STS.a", SECRET, TOKEN]);
  assert.equal(c.expiration?.getTime(), Date.UTC(2030, 0, 2, 15, 4, 5));
  for (
    const [text, pattern] of [
      [`not json ${SECRET}`, /did not answer with JSON/],
      [JSON.stringify({ ...body, Code: "Failed" }), /Code Failed/],
      [JSON.stringify({ ...body, AccessKeyId: undefined }), /without AccessKeyId/],
      [JSON.stringify({ ...body, Expiration: `x${SECRET}` }), /Expiration is not a date/],
    ] as const
  ) {
    assert.throws(() => credentialsFromResponse(text, "the URI"), (e: Error) => {
      assert.ok(e instanceof CredentialsError);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes(SECRET) && !e.message.includes(TOKEN), e.message);
      return true;
    });
  }
});
