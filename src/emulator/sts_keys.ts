/**
 * Expiring STS credentials for the emulator: a set of access keys, each with its secret, its
 * security token and its expiry. A request signed with one of them is checked against that key
 * (and refused with `SecurityTokenExpired` once it has expired), so tests can hand out short-lived
 * tokens from a local credentials URI or ECS metadata server and prove that downloads refresh them.
 *
 * @module
 */
import type { EmulatorCredentials } from "./authenticate.ts";
import type { OssErrorSpec } from "./error_response.ts";

/** The answer to a request signed with an STS key that has expired. */
export const SECURITY_TOKEN_EXPIRED: OssErrorSpec = {
  status: 403,
  code: "SecurityTokenExpired",
  message: "The security token you provided has expired.",
  ec: "0002-00000020",
};

/** One issued key. */
export interface StsKey extends EmulatorCredentials {
  /** The token requests must carry. */
  securityToken: string;
  /** When it expires, ms since the epoch. */
  expiresAt: number;
}

/**
 * The access key id a request is signed with (V1 or V4, header or presigned), or `null`.
 *
 * @example
 * ```ts
 * import { requestAccessKeyId } from "./sts_keys.ts";
 * const r = new Request("http://h/b/k", { headers: { authorization: "OSS STS.ak:sig" } });
 * requestAccessKeyId(r, []); // "STS.ak"
 * ```
 */
export function requestAccessKeyId(request: Request, query: [string, string][]): string | null {
  const auth = request.headers.get("authorization");
  if (auth?.startsWith("OSS ")) {
    const colon = auth.lastIndexOf(":");
    return colon > 4 ? auth.slice(4, colon).trim() : null;
  }
  if (auth) {
    const m = /Credential=([^/,\s]+)\//.exec(auth);
    return m ? m[1] : null;
  }
  const v1 = query.find(([k]) => k === "OSSAccessKeyId")?.[1];
  if (v1 !== undefined) return v1;
  const v4 = query.find(([k]) => k === "x-oss-credential")?.[1];
  return v4 === undefined ? null : v4.split("/")[0];
}

/**
 * A set of expiring STS keys.
 *
 * @example
 * ```ts
 * import { StsKeys } from "./sts_keys.ts";
 * import { OssEmulator } from "./oss_emulator.ts";
 * const sts = new StsKeys();
 * const emulator = new OssEmulator({ stsKeys: sts });
 * const key = sts.issue(5000); // valid for 5 s: give it out as a credentials-URI answer
 * console.log(key.accessKeyId, key.expiration.toISOString());
 * ```
 */
export class StsKeys {
  readonly #keys = new Map<string, StsKey>();
  readonly #now: () => number;
  #issued = 0;

  /**
   * An empty set.
   *
   * @param options the clock (ms since the epoch) used by {@linkcode StsKeys.issue}
   */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** How many keys were issued by {@linkcode StsKeys.issue}. */
  get issued(): number {
    return this.#issued;
  }

  /**
   * Adds a key.
   *
   * @example
   * ```ts
   * import { StsKeys } from "./sts_keys.ts";
   * new StsKeys().add({
   *   accessKeyId: "STS.a", accessKeySecret: "s", securityToken: "t", expiresAt: Date.now() + 1000,
   * });
   * ```
   */
  add(key: StsKey): void {
    this.#keys.set(key.accessKeyId, { ...key });
  }

  /**
   * Makes a new key valid for `lifetimeMs` and adds it; returns it in the shape of a credentials
   * answer's fields.
   *
   * @example
   * ```ts
   * import { StsKeys } from "./sts_keys.ts";
   * const k = new StsKeys().issue(2000);
   * const body = {
   *   Code: "Success", AccessKeyId: k.accessKeyId, AccessKeySecret: k.accessKeySecret,
   *   SecurityToken: k.securityToken, Expiration: k.expiration.toISOString(),
   * };
   * ```
   */
  issue(lifetimeMs: number): {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    expiration: Date;
  } {
    const n = ++this.#issued;
    const random = crypto.getRandomValues(new Uint32Array(2)).join("");
    const key: StsKey = {
      accessKeyId: `STS.emulator${n}`,
      accessKeySecret: `sts-secret-${n}-${random}`,
      securityToken: `sts-token-${n}-${random}`,
      expiresAt: this.#now() + lifetimeMs,
    };
    this.add(key);
    return {
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      securityToken: key.securityToken,
      expiration: new Date(key.expiresAt),
    };
  }

  /**
   * The identity to check a request against: its STS key when it is signed with one (or the
   * expiry error when that key has expired at `now`), else `null`.
   *
   * @example
   * ```ts
   * import { StsKeys } from "./sts_keys.ts";
   * const sts = new StsKeys();
   * sts.select(new Request("http://h/b/k"), [], Date.now()); // null
   * ```
   */
  select(
    request: Request,
    query: [string, string][],
    now: number,
  ): { credentials: EmulatorCredentials } | { error: OssErrorSpec } | null {
    const id = requestAccessKeyId(request, query);
    const key = id === null ? undefined : this.#keys.get(id);
    if (!key) return null;
    if (now >= key.expiresAt) return { error: SECURITY_TOKEN_EXPIRED };
    return {
      credentials: {
        accessKeyId: key.accessKeyId,
        accessKeySecret: key.accessKeySecret,
        securityToken: key.securityToken,
      },
    };
  }
}
