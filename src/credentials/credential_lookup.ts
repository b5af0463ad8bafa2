/**
 * The credential options that `download()`, `downloadPrefix()` and `verifyFile()` share, and the
 * one call that turns them into the credentials of a run (the chain, over the run's file system,
 * environment and fetch).
 *
 * @module
 */
import type { Credentials, CredentialsInput, EnvLookup } from "../oss/credentials.ts";
import type { FetchFunction } from "../oss/http_send.ts";
import { readEnv } from "../runtime/env.ts";
import {
  resolveCredentialChain,
  type ResolvedCredentials,
  textFileReader,
} from "./credential_chain.ts";
import type { CredentialsProvider } from "./credentials_provider.ts";
import type { CredentialsRefresher } from "./credentials_refresher.ts";

/** What the caller can say about credentials. */
export interface CredentialLookupOptions {
  /**
   * Keys (`{ accessKeyId, accessKeySecret, securityToken? }` or `Credentials`), a
   * `CredentialsProvider` (asked again before its keys expire), a shared `CredentialsRefresher`,
   * or `null` for anonymous requests. When omitted, the credentials chain looks in the
   * environment, `ALIBABA_CLOUD_CREDENTIALS_URI`, `~/.aliyun/config.json`,
   * `~/.alibabacloud/credentials`, `~/.ossutilconfig` and `ALIBABA_CLOUD_ECS_METADATA`; none
   * means anonymous.
   * @default undefined
   */
  credentials?:
    | CredentialsInput
    | Credentials
    | CredentialsProvider
    | CredentialsRefresher
    | null;
  /** The profile to use from the config files (like `--profile`). @default undefined */
  profile?: string;
  /** ossutil's config file. @default "~/.ossutilconfig" */
  configFile?: string;
  /** Use the ECS instance's RAM role: `true` for the instance's, or the role's name. @default undefined */
  ecsRole?: string | boolean;
  /**
   * Told which credentials source is used (never a secret), e.g. for `--debug`, and whether
   * requests go unsigned.
   */
  onCredentials?: (info: { source: string; anonymous: boolean }) => void;
}

/**
 * Resolves the credentials of a run. Files are read through `fs`.
 *
 * @example
 * ```ts
 * import { lookUpCredentials } from "./credential_lookup.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const found = await lookUpCredentials({ credentials: null }, {
 *   fs: new MemoryFileSystem(), env: () => undefined,
 * });
 * found.refresher; // null
 * ```
 */
export async function lookUpCredentials(
  options: CredentialLookupOptions,
  context: {
    fs: {
      readFile(path: string): Promise<Uint8Array>;
      stat(path: string): Promise<{ isDirectory: boolean } | null>;
    };
    env?: EnvLookup;
    fetch?: FetchFunction;
  },
): Promise<ResolvedCredentials> {
  const found = await resolveCredentialChain({
    credentials: options.credentials,
    profile: options.profile,
    configFile: options.configFile,
    ecsRole: options.ecsRole,
    env: context.env ?? readEnv,
    readTextFile: textFileReader(context.fs),
    fetch: context.fetch,
  });
  options.onCredentials?.({ source: found.source, anonymous: found.refresher === null });
  return found;
}

/**
 * The endpoint and region of a run: the caller's, or, when the caller gives neither, those of the
 * config file the credentials came from (ossutil's).
 *
 * @example
 * ```ts
 * import { endpointAndRegion } from "./credential_lookup.ts";
 * endpointAndRegion({}, { refresher: null, source: "x", region: "cn-hangzhou" });
 * // { endpoint: undefined, region: "cn-hangzhou" }
 * ```
 */
export function endpointAndRegion(
  given: { endpoint?: string; region?: string },
  found: ResolvedCredentials,
): { endpoint?: string; region?: string } {
  if (given.endpoint !== undefined || given.region !== undefined) {
    return { endpoint: given.endpoint, region: given.region };
  }
  return { endpoint: found.endpoint, region: found.region };
}
