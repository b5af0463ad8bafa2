import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSystemError, OssServiceError } from "../src/errors.ts";

const service = (status: number, ossCode: string, ossMessage: string) =>
  new OssServiceError({ status, ossCode, ossMessage, requestId: "R1", ec: "" });

test("errors: an expired presigned URL says to sign a new one", () => {
  assert.match(service(403, "AccessDenied", "Request has expired.").hint, /sign a new/);
  assert.match(service(403, "AccessDenied", "You have no right.").hint, /credentials/);
  assert.match(service(403, "SecurityTokenExpired", "token expired").hint, /STS/);
});

test("errors: service messages carry Code, status and RequestId; hints follow the Code", () => {
  const e = service(404, "NoSuchKey", "The specified key does not exist.");
  assert.equal(e.code, "OSS_SERVICE_ERROR");
  assert.match(e.message, /^NoSuchKey \(404\): The specified key does not exist\., RequestId R1/);
  assert.match(e.hint, /key/);
  assert.match(service(403, "RequestTimeTooSkewed", "").hint, /clock/);
  assert.match(service(503, "", "").hint, /run again/);
});

test("errors: file-system hints fit any command, not only downloads", () => {
  for (const code of ["FS_NOT_FOUND", "FS_PERMISSION", "FS_NOT_DIRECTORY", "FS_ERROR"] as const) {
    const e = new FileSystemError(code, "open", "/x");
    assert.doesNotMatch(e.hint, /destination/, code);
    assert.ok(e.message.startsWith("open /x: "));
  }
  assert.match(new FileSystemError("FS_NO_SPACE", "write", "/x").hint, /free some space/);
});
