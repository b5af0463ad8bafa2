/**
 * Reads the JSON that a credentials URI and the ECS metadata service answer with:
 * `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration":"...Z"}`. Pure.
 *
 * @module
 */
import { Credentials } from "../oss/credentials.ts";
import { CredentialsError } from "./credentials_error.ts";

/**
 * Turns the body of a credentials answer into {@linkcode Credentials} with their expiration.
 *
 * @param text the body
 * @param from what answered, for errors (a URL without secrets)
 * @throws {CredentialsError} when the body is not such JSON, its Code is not `Success`, or a field
 * is missing (the message names fields, never their values)
 *
 * @example
 * ```ts
 * import { credentialsFromResponse } from "./credentials_response.ts";
 * const c = credentialsFromResponse(JSON.stringify({
 *   Code: "Success", AccessKeyId: "STS.id", AccessKeySecret: "sk", SecurityToken: "tok",
 *   Expiration: "2030-01-02T15:04:05Z",
 * }), "http://127.0.0.1/creds");
 * c.expiration?.toISOString(); // "2030-01-02T15:04:05.000Z"
 * ```
 */
export function credentialsFromResponse(text: string, from: string): Credentials {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${from} did not answer with JSON`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new CredentialsError(`${from} did not answer with a JSON object`);
  }
  const o = body as Record<string, unknown>;
  if (o.Code !== undefined && o.Code !== "Success") {
    const code = typeof o.Code === "string" ? o.Code.replace(/[^\w.-]/g, "").slice(0, 64) : "?";
    throw new CredentialsError(`${from} answered Code ${code}, not Success`);
  }
  const field = (name: string, required: boolean): string | undefined => {
    const v = o[name];
    if (v === undefined || v === null || v === "") {
      if (required) throw new CredentialsError(`${from} answered without ${name}`);
      return undefined;
    }
    if (typeof v !== "string") throw new CredentialsError(`${from}: ${name} is not a string`);
    return v;
  };
  const accessKeyId = field("AccessKeyId", true)!;
  const accessKeySecret = field("AccessKeySecret", true)!;
  const securityToken = field("SecurityToken", false);
  const expirationText = field("Expiration", false);
  let expiration: Date | undefined;
  if (expirationText !== undefined) {
    expiration = new Date(expirationText);
    if (isNaN(expiration.getTime())) {
      throw new CredentialsError(
        `${from}: Expiration is not a date (expected 2006-01-02T15:04:05Z)`,
      );
    }
  }
  return new Credentials({ accessKeyId, accessKeySecret, securityToken, expiration });
}
