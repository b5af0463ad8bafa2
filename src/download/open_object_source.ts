/**
 * The object a run reads, from the options `download()` and `verifyFile()` share: credentials
 * looked up through the chain (none for a URL, which carries its own signature or needs none),
 * the endpoint and region (the caller's, else those of the config file the credentials came
 * from), and the request options.
 *
 * @module
 */
import {
  type CredentialLookupOptions,
  endpointAndRegion,
  lookUpCredentials,
} from "../credentials/credential_lookup.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { createObjectSource } from "../oss/create_object_source.ts";
import type { EnvLookup } from "../oss/credentials.ts";
import type { FetchFunction } from "../oss/http_send.ts";
import type { ObjectSource } from "../oss/object_source.ts";
import { readEnv } from "../runtime/env.ts";
import { limitedFetch } from "../throttle/limited_fetch.ts";
import type { RateLimiter } from "../throttle/rate_limiter.ts";
import type { DownloadSource } from "./options.ts";

/** How to reach the object. */
export interface SourceConnection extends CredentialLookupOptions {
  /** `oss://bucket/key`, a (presigned) http(s) URL, or `{ bucket, key, versionId }`. */
  source: DownloadSource;
  /** Endpoint such as `oss-cn-hangzhou.aliyuncs.com`. */
  endpoint?: string;
  /** Region id such as `cn-hangzhou`. */
  region?: string;
  /** @default "v4" */
  signatureVersion?: "v1" | "v4";
  /** Path-style addressing. @default automatic */
  pathStyle?: boolean;
  /** A version of the object. */
  versionId?: string;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Environment lookup. @default the process environment */
  env?: EnvLookup;
  /** One bandwidth limit shared with other transfers (`--limit-rate`). @default none */
  rateLimiter?: RateLimiter;
  /** OSS's per-connection `x-oss-traffic-limit`, in bit/s (oss:// sources). @default none */
  trafficLimit?: number;
}

/** Request options of the run. */
export interface SourceRequestOptions {
  /** Attempts of `stat` in total. */
  maxAttempts: number;
  /** Backoff base in ms. */
  retryBaseDelayMs: number;
  /** Until response headers, in ms. */
  connectTimeoutMs?: number;
  /** Of a silent body, in ms. */
  idleTimeoutMs?: number;
}

/**
 * The source of a run (files of the credentials chain are read through `fs`).
 *
 * @example
 * ```ts ignore
 * const source = await openObjectSource({ source: "oss://b/k", region: "cn-hangzhou" }, fs, {
 *   maxAttempts: 6, retryBaseDelayMs: 200,
 * });
 * ```
 */
export async function openObjectSource(
  options: SourceConnection,
  fs: FileSystem,
  request: SourceRequestOptions,
): Promise<ObjectSource> {
  const isUrl = typeof options.source === "string" && /^https?:\/\//i.test(options.source);
  // A URL carries its own signature (or needs none): no credentials are looked up for it.
  const found = isUrl
    ? null
    : await lookUpCredentials(options, { fs, env: options.env, fetch: options.fetch });
  return createObjectSource(options.source, {
    ...(found
      ? endpointAndRegion(options, found)
      : { endpoint: options.endpoint, region: options.region }),
    signatureVersion: options.signatureVersion,
    credentials: found ? found.refresher : null,
    env: options.env ?? readEnv,
    pathStyle: options.pathStyle,
    versionId: options.versionId,
    fetch: limitedFetch(options.fetch, options.rateLimiter),
    trafficLimit: options.trafficLimit,
    retry: { maxAttempts: request.maxAttempts, baseDelayMs: request.retryBaseDelayMs },
    connectTimeoutMs: request.connectTimeoutMs,
    idleTimeoutMs: request.idleTimeoutMs,
  });
}
