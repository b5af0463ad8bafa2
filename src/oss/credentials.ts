/**
 * Access keys (optionally with an STS token) from the caller or from environment variables. The
 * secret and the token live in `#private` fields and never show up in `JSON.stringify`,
 * `console.log` or `inspect` output.
 *
 * @module
 */

/** Plain credentials as a caller passes them. */
export interface CredentialsInput {
  /** AccessKey ID. */
  accessKeyId: string;
  /** AccessKey secret. */
  accessKeySecret: string;
  /** STS security token, when the keys are temporary. */
  securityToken?: string;
  /** When temporary keys expire; they are refreshed before then when they came from a provider. */
  expiration?: Date;
}

/** Looks up an environment variable (e.g. `readEnv` from `src/runtime/env.ts`). */
export type EnvLookup = (name: string) => string | undefined;

const REDACTED = "<redacted>";

/**
 * An access key pair (and STS token). The secret is reachable only through `accessKeySecret`;
 * serializing or inspecting the object shows `<redacted>`.
 *
 * @example
 * ```ts
 * import { Credentials } from "./credentials.ts";
 * const c = new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" });
 * JSON.stringify(c); // {"accessKeyId":"ak","accessKeySecret":"<redacted>"}
 * ```
 */
export class Credentials {
  /** AccessKey ID (not secret). */
  readonly accessKeyId: string;
  #secret: string;
  #token: string | undefined;
  #expiration: Date | undefined;

  /**
   * Hold the keys; the secret and the token stay private.
   *
   * @param input the keys
   * @throws {TypeError} when the id or the secret is empty
   */
  constructor(input: CredentialsInput) {
    if (!input.accessKeyId) throw new TypeError("accessKeyId is empty");
    if (!input.accessKeySecret) {
      throw new TypeError("an access key id was given without its secret (accessKeySecret)");
    }
    this.accessKeyId = input.accessKeyId;
    this.#secret = input.accessKeySecret;
    this.#token = input.securityToken || undefined;
    const expiration = input.expiration;
    if (expiration !== undefined && !(expiration instanceof Date && !isNaN(expiration.getTime()))) {
      throw new TypeError("expiration must be a valid Date");
    }
    this.#expiration = expiration;
  }

  /** When the keys expire (temporary keys), or `undefined` for keys that do not expire. */
  get expiration(): Date | undefined {
    return this.#expiration;
  }

  /** The AccessKey secret. Never log it. */
  get accessKeySecret(): string {
    return this.#secret;
  }

  /** The STS security token, or `undefined`. Never log it. */
  get securityToken(): string | undefined {
    return this.#token;
  }

  /** A redacted plain form for `JSON.stringify`. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {
      accessKeyId: this.accessKeyId,
      accessKeySecret: REDACTED,
    };
    if (this.#token) out.securityToken = REDACTED;
    if (this.#expiration) out.expiration = this.#expiration.toISOString();
    return out;
  }

  /** A redacted text form. */
  toString(): string {
    return `Credentials(${this.accessKeyId}${this.#token ? ", STS" : ""})`;
  }

  /** What `console.log` and `util.inspect` show (all three runtimes honour this symbol). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Where to look for credentials. */
export interface CredentialsOptions {
  /**
   * Explicit credentials; `null` forces anonymous access; `undefined` looks in the environment.
   * @default undefined
   */
  credentials?: CredentialsInput | Credentials | null;
  /** Environment lookup. No environment is read when omitted. */
  env?: EnvLookup;
}

const ENV_SETS = [
  ["OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"],
  [
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
  ],
] as const;

/**
 * Finds the credentials to sign with: the explicit ones, else `OSS_ACCESS_KEY_ID` /
 * `OSS_ACCESS_KEY_SECRET` / `OSS_SESSION_TOKEN`, else `ALIBABA_CLOUD_ACCESS_KEY_ID` /
 * `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`; `null` (anonymous, unsigned
 * requests) when there are none.
 *
 * @throws {TypeError} when an id is set without its secret, or a secret without its id
 *
 * @example
 * ```ts
 * import { resolveCredentials } from "./credentials.ts";
 * const env: Record<string, string> = { OSS_ACCESS_KEY_ID: "ak", OSS_ACCESS_KEY_SECRET: "sk" };
 * resolveCredentials({ env: (n) => env[n] })?.accessKeyId; // "ak"
 * resolveCredentials({ env: () => undefined }); // null
 * ```
 */
export function resolveCredentials(options: CredentialsOptions): Credentials | null {
  const given = options.credentials;
  if (given === null) return null;
  if (given instanceof Credentials) return given;
  if (given !== undefined) return new Credentials(given);
  const env = options.env;
  if (!env) return null;
  for (const [idName, secretName, tokenName] of ENV_SETS) {
    const id = env(idName) || undefined;
    const secret = env(secretName) || undefined;
    if (id && !secret) throw new TypeError(`${idName} is set but ${secretName} is not`);
    if (secret && !id) throw new TypeError(`${secretName} is set but ${idName} is not`);
    if (id && secret) {
      return new Credentials({
        accessKeyId: id,
        accessKeySecret: secret,
        securityToken: env(tokenName) || undefined,
      });
    }
  }
  return null;
}
