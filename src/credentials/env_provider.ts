/**
 * Credentials from environment variables: `OSS_ACCESS_KEY_ID` / `OSS_ACCESS_KEY_SECRET` /
 * `OSS_SESSION_TOKEN`, else `ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
 * `ALIBABA_CLOUD_SECURITY_TOKEN`.
 *
 * @module
 */
import { type EnvLookup, resolveCredentials } from "../oss/credentials.ts";
import type { CredentialsProvider } from "./credentials_provider.ts";

/**
 * The environment provider, or `null` when neither family of variables is set.
 *
 * @throws {TypeError} when an id is set without its secret or the reverse (names only)
 *
 * @example
 * ```ts
 * import { envProvider } from "./env_provider.ts";
 * const env: Record<string, string> = { OSS_ACCESS_KEY_ID: "ak", OSS_ACCESS_KEY_SECRET: "sk" };
 * envProvider((n) => env[n])?.name; // "environment (OSS_ACCESS_KEY_ID)"
 * ```
 */
export function envProvider(env: EnvLookup): CredentialsProvider | null {
  const credentials = resolveCredentials({ env });
  if (!credentials) return null;
  const family = env("OSS_ACCESS_KEY_ID") ? "OSS_ACCESS_KEY_ID" : "ALIBABA_CLOUD_ACCESS_KEY_ID";
  return {
    name: `environment (${family}${credentials.securityToken ? ", with an STS token" : ""})`,
    refreshable: false,
    getCredentials: () => Promise.resolve(credentials),
  };
}
