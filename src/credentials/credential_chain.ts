/**
 * The credentials chain: where ossdl looks for credentials, in the order of the official tools;
 * the first source that yields credentials wins.
 *
 * 1. Options: explicit credentials or a provider (the CLI's `--access-key-id`, ...), `--ecs-role`,
 *    or `--profile NAME` (looked up in the files of 4, 5 and 6, in that order).
 * 2. Environment: `OSS_ACCESS_KEY_ID`/`OSS_ACCESS_KEY_SECRET`/`OSS_SESSION_TOKEN`, then
 *    `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET`/`ALIBABA_CLOUD_SECURITY_TOKEN`.
 * 3. `ALIBABA_CLOUD_CREDENTIALS_URI`.
 * 4. The Alibaba Cloud CLI's `~/.aliyun/config.json` (`ALIBABA_CLOUD_CONFIG_FILE`; profile
 *    `ALIBABA_CLOUD_PROFILE`, else its `current`).
 * 5. The shared credentials file `~/.alibabacloud/credentials` (`ALIBABA_CLOUD_CREDENTIALS_FILE`;
 *    section `ALIBABA_CLOUD_PROFILE`, else `default`).
 * 6. ossutil's `~/.ossutilconfig` (or `configFile`), which may give the endpoint and region too.
 * 7. The ECS instance's RAM role named by `ALIBABA_CLOUD_ECS_METADATA` (only when set; a profile
 *    of mode `EcsRamRole` / `type = ecs_ram_role` and `--ecs-role` ask for it too).
 * 8. None: anonymous requests.
 *
 * Files are read through an injected reader and the environment through an injected lookup, so
 * the chain itself touches no runtime API.
 *
 * @module
 */
import type { FetchFunction } from "../oss/http_send.ts";
import type { Credentials, CredentialsInput, EnvLookup } from "../oss/credentials.ts";
import type { CredentialLookupOptions } from "./credential_lookup.ts";
import { aliyunCliProfile } from "./aliyun_cli_config.ts";
import { CredentialsError } from "./credentials_error.ts";
import {
  type CredentialsProvider,
  isCredentialsProvider,
  staticProvider,
} from "./credentials_provider.ts";
import { CredentialsRefresher } from "./credentials_refresher.ts";
import { ECS_METADATA_ENDPOINT_ENV, ecsMetadataProvider } from "./ecs_metadata_provider.ts";
import { envProvider } from "./env_provider.ts";
import { ossutilProfile } from "./ossutil_config.ts";
import type { ProfileSource, ReadTextFile } from "./profile_source.ts";
import { sharedCredentialsProfile } from "./shared_credentials_file.ts";
import { uriProvider } from "./uri_provider.ts";

/**
 * Options of {@linkcode resolveCredentialChain}: where to look (the fields a caller gives, as
 * documented on {@linkcode CredentialLookupOptions}) and how to read.
 */
export interface CredentialChainOptions
  extends Pick<CredentialLookupOptions, "credentials" | "profile" | "configFile" | "ecsRole"> {
  /** The environment. */
  env: EnvLookup;
  /** Reads config files; without it no file is read. @default undefined */
  readTextFile?: ReadTextFile;
  /** The fetch for the credentials URI and the ECS metadata service. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** The clock of the refresher. @default Date.now */
  now?: () => number;
}

/** What the chain found. */
export interface ResolvedCredentials {
  /** The holder of the keys, shared by all requests; `null` for anonymous requests. */
  refresher: CredentialsRefresher | null;
  /** Which source was used, for `--debug` (never a secret). */
  source: string;
  /** The endpoint from ossutil's config, when the keys came from it. */
  endpoint?: string;
  /** The region from ossutil's config, when the keys came from it. */
  region?: string;
}

/**
 * Runs the chain and returns the first source that yields credentials, as a shared refresher.
 *
 * @throws {CredentialsError} when a source exists but cannot be used (a malformed file, an
 * unsupported mode, a `--profile` that no file has, a missing `--config-file`)
 * @throws {TypeError} when an environment variable is set without its pair
 *
 * @example
 * ```ts
 * import { resolveCredentialChain } from "./credential_chain.ts";
 * const env: Record<string, string> = { OSS_ACCESS_KEY_ID: "ak", OSS_ACCESS_KEY_SECRET: "sk" };
 * const found = await resolveCredentialChain({ env: (n) => env[n] });
 * found.source; // "environment (OSS_ACCESS_KEY_ID)"
 * ```
 */
export async function resolveCredentialChain(
  options: CredentialChainOptions,
): Promise<ResolvedCredentials> {
  const { env } = options;
  const use = (provider: CredentialsProvider, extra: Partial<ResolvedCredentials> = {}) => ({
    refresher: new CredentialsRefresher(provider, { now: options.now }),
    source: provider.name,
    ...extra,
  });
  const ecs = (roleName: string | undefined, origin: string) =>
    ecsMetadataProvider({
      roleName,
      origin,
      endpoint: env(ECS_METADATA_ENDPOINT_ENV) || undefined,
      fetch: options.fetch,
    });
  const fromProfile = (found: ProfileSource): ResolvedCredentials =>
    found.kind === "ecs"
      ? use(ecs(found.roleName || env("ALIBABA_CLOUD_ECS_METADATA") || undefined, found.where))
      : use(staticProvider(found.where, found.credentials), {
        endpoint: found.endpoint,
        region: found.region,
      });

  // 1. Options.
  const given = options.credentials;
  if (given === null) return { refresher: null, source: "none (anonymous access was asked for)" };
  if (given !== undefined) {
    if (given instanceof CredentialsRefresher) return { refresher: given, source: given.name };
    if (isCredentialsProvider(given)) return use(given);
    return use(staticProvider("the credentials option", given as CredentialsInput | Credentials));
  }
  if (options.ecsRole !== undefined && options.ecsRole !== false) {
    const name = typeof options.ecsRole === "string" ? options.ecsRole : undefined;
    return use(ecs(name || undefined, "--ecs-role"));
  }
  const files = configFiles(options);
  if (options.profile !== undefined) {
    for (const file of files) {
      const found = await file.read(options.profile);
      if (found) return fromProfile(found);
    }
    throw new CredentialsError(
      `the profile ${options.profile} is in none of ${files.map((f) => f.path).join(", ")}`,
      "check the profile's name, or create it (aliyun configure --profile NAME)",
    );
  }
  // 2. Environment.
  const fromEnv = envProvider(env);
  if (fromEnv) return use(fromEnv);
  // 3. A credentials URI.
  const uri = env("ALIBABA_CLOUD_CREDENTIALS_URI");
  if (uri) return use(uriProvider(uri, { fetch: options.fetch }));
  // 4-6. The config files.
  const profile = env("ALIBABA_CLOUD_PROFILE") || undefined;
  for (const file of files) {
    const found = await file.read(file.ossutil ? undefined : profile);
    if (found) return fromProfile(found);
  }
  // 7. The ECS RAM role, only when named.
  const role = env("ALIBABA_CLOUD_ECS_METADATA");
  if (role) return use(ecs(role, "ALIBABA_CLOUD_ECS_METADATA"));
  // 8. Anonymous.
  return { refresher: null, source: "none found: requests are anonymous" };
}

interface ConfigFile {
  path: string;
  ossutil: boolean;
  read(profile: string | undefined): Promise<ProfileSource | null>;
}

function configFiles(options: CredentialChainOptions): ConfigFile[] {
  const { env, readTextFile } = options;
  if (!readTextFile) return [];
  const home = (env("HOME") || env("USERPROFILE") || "").replace(/[\\/]+$/, "");
  const files: ConfigFile[] = [];
  const add = (
    explicit: string | undefined,
    origin: string,
    relative: string,
    parse: (text: string, path: string, profile?: string) => ProfileSource | null,
    ossutil = false,
  ) => {
    const path = explicit || (home ? `${home}/${relative}` : "");
    if (!path) return;
    files.push({
      path,
      ossutil,
      async read(profile) {
        const text = await readTextFile(path);
        if (text === null) {
          if (explicit) throw new CredentialsError(`${path} (${origin}) does not exist`);
          return null;
        }
        return parse(text, path, profile);
      },
    });
  };
  add(
    env("ALIBABA_CLOUD_CONFIG_FILE"),
    "ALIBABA_CLOUD_CONFIG_FILE",
    ".aliyun/config.json",
    aliyunCliProfile,
  );
  add(
    env("ALIBABA_CLOUD_CREDENTIALS_FILE"),
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    ".alibabacloud/credentials",
    sharedCredentialsProfile,
  );
  add(options.configFile, "--config-file", ".ossutilconfig", ossutilProfile, true);
  return files;
}

/**
 * A reader of text files over a file system's `readFile` (`null` for a missing file).
 *
 * @example
 * ```ts
 * import { textFileReader } from "./credential_chain.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * fs.writeDurable("/a", new TextEncoder().encode("x"));
 * await textFileReader(fs)("/a"); // "x"
 * ```
 */
export function textFileReader(fs: {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ isDirectory: boolean } | null>;
}): ReadTextFile {
  return async (path) => {
    const info = await fs.stat(path);
    if (info === null || info.isDirectory) return null;
    return new TextDecoder().decode(await fs.readFile(path));
  };
}
