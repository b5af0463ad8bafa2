/**
 * The contract of a credentials source: a named provider that yields {@linkcode Credentials}
 * (access key id, secret, optional STS token and expiration), or `null` when it has none.
 *
 * @module
 */
import { Credentials, type CredentialsInput } from "../oss/credentials.ts";

/**
 * A source of credentials. Providers whose keys expire (a credentials URI, the ECS metadata
 * service) are asked again for fresh keys before the current ones expire; see
 * `CredentialsRefresher`.
 *
 * @example
 * ```ts
 * import type { CredentialsProvider } from "./credentials_provider.ts";
 * import { Credentials } from "../oss/credentials.ts";
 * const provider: CredentialsProvider = {
 *   name: "my vault",
 *   refreshable: true,
 *   getCredentials: async () => new Credentials({ accessKeyId: "ak", accessKeySecret: "sk" }),
 * };
 * ```
 */
export interface CredentialsProvider {
  /** What the keys come from, for `--debug` (a file, a variable, a URL without secrets). */
  readonly name: string;
  /**
   * Whether asking again may give other keys (then a request refused for an expired token is
   * retried once with fresh keys). @default false
   */
  readonly refreshable?: boolean;
  /**
   * The current keys, or `null` when this source has none.
   *
   * @throws {CredentialsError} when the source exists but cannot be used
   */
  getCredentials(): Promise<Credentials | null>;
}

/**
 * Whether `value` looks like a {@linkcode CredentialsProvider} (has `getCredentials`).
 *
 * @example
 * ```ts
 * import { isCredentialsProvider } from "./credentials_provider.ts";
 * isCredentialsProvider({ accessKeyId: "a", accessKeySecret: "b" }); // false
 * ```
 */
export function isCredentialsProvider(value: unknown): value is CredentialsProvider {
  return typeof value === "object" && value !== null &&
    typeof (value as { getCredentials?: unknown }).getCredentials === "function";
}

/**
 * A provider that always yields the same keys.
 *
 * @param name what the keys come from
 * @param input the keys
 *
 * @example
 * ```ts
 * import { staticProvider } from "./credentials_provider.ts";
 * const p = staticProvider("options", { accessKeyId: "ak", accessKeySecret: "sk" });
 * (await p.getCredentials())?.accessKeyId; // "ak"
 * ```
 */
export function staticProvider(
  name: string,
  input: CredentialsInput | Credentials,
): CredentialsProvider {
  const credentials = input instanceof Credentials ? input : new Credentials(input);
  return { name, refreshable: false, getCredentials: () => Promise.resolve(credentials) };
}
