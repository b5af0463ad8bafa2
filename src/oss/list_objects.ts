/**
 * Lists the objects under a prefix with ListObjectsV2 (GetBucketV2): `GET /?list-type=2` on the
 * bucket, signed V4 or V1 like object requests (or anonymous), `encoding-type=url` so that any key
 * survives the XML, one page of up to 1000 keys per request. Pages come from a lazy async
 * generator: page N+1 is requested only when the consumer asks for it, so memory stays flat
 * however many keys the prefix holds.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { readEnv } from "../runtime/env.ts";
import {
  type Credentials,
  type CredentialsInput,
  type EnvLookup,
  resolveCredentials,
} from "./credentials.ts";
import {
  type EndpointOptions,
  objectUrl,
  type ResolvedEndpoint,
  resolveEndpoint,
} from "./endpoint.ts";
import {
  defaultFetch,
  discardBody,
  type FetchFunction,
  send,
  type SendOptions,
} from "./http_send.ts";
import { compareKeys, utf8Length } from "./key_order.ts";
import { assertBucketName } from "./oss_url.ts";
import {
  type ListedObject,
  type ListObjectsPage,
  parseListObjectsV2,
} from "./parse_list_result.ts";
import { errorFromResponse } from "./parse_error.ts";
import { type RequestOptions, requestTimeouts, statRetryOptions } from "./request_options.ts";
import { withRetries } from "./retry.ts";
import { type SignatureVersion, signHeaders } from "./sign_request.ts";
import { sendSigned } from "./signed_send.ts";
import { toRefresher } from "./oss_object_source.ts";
import { CredentialsRefresher } from "../credentials/credentials_refresher.ts";

export type { ListedObject } from "./parse_list_result.ts";
export { type OssPrefix, parseOssPrefix } from "./parse_oss_prefix.ts";

/** The most keys one ListObjectsV2 page may hold (OSS's limit). */
const MAX_KEYS_PER_PAGE = 1000;

/** The largest listing answer read (a full page is well under 1 MiB). */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * Options of {@linkcode listObjects}: where and how to connect (as for `createObjectSource`), and
 * what to list.
 */
export interface ListObjectsOptions extends EndpointOptions, RequestOptions {
  /** How requests are signed when there are credentials. @default "v4" */
  signatureVersion?: SignatureVersion;
  /**
   * Explicit credentials; `null` forces anonymous access; when omitted they are read from the
   * environment (`OSS_ACCESS_KEY_ID`, ... then `ALIBABA_CLOUD_*`), anonymous if none. A
   * `CredentialsRefresher` is shared: every page request is signed with its current keys.
   */
  credentials?: CredentialsInput | Credentials | CredentialsRefresher | null;
  /** Environment lookup for credentials. @default readEnv (the process environment) */
  env?: EnvLookup;
  /** The clock for signing (tests). @default () => new Date() */
  now?: () => Date;
  /** List only keys that start with this (raw, like a key). @default "" (the whole bucket) */
  prefix?: string;
  /** List only keys after this one (in UTF-8 byte order). @default "" (from the start) */
  startAfter?: string;
  /** Keys per page, 1-1000. @default 1000 */
  maxKeys?: number;
  /** Cancels the request in flight and its retries; the generator then throws `AbortedError`. */
  signal?: AbortSignal;
  /** Told before each retry of a failed page request. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

interface Lister {
  bucket: string;
  endpoint: ResolvedEndpoint;
  credentials: CredentialsRefresher | null;
  options: ListObjectsOptions;
  fetch: FetchFunction;
  timeouts: SendOptions;
}

/**
 * Lists the objects of `bucket` whose keys start with `options.prefix`, one array per page, in key
 * order, keys decoded. Each page request is retried like `stat` (network errors, 5xx, 408, 429;
 * `options.retry`); an error answer becomes `OssServiceError` (e.g. 403 `SignatureDoesNotMatch`,
 * 404 `NoSuchBucket`), a malformed one `ProtocolError`. Pages without objects are skipped. The
 * generator is lazy: nothing is requested before the first `next()`, and each later page only
 * when the previous one has been taken.
 *
 * @param bucket the bucket
 * @param options endpoint / region, credentials, prefix, start, page size, retries, timeouts
 * @returns the pages
 * @throws {TypeError} at once for a bad bucket name, endpoint or prefix, or V4 without a region
 * @throws {RangeError} at once for `maxKeys` outside 1-1000 or a bad timeout
 *
 * @example
 * ```ts
 * import { listObjects } from "./list_objects.ts";
 * import { OssEmulator } from "../emulator/oss_emulator.ts";
 * const emulator = new OssEmulator();
 * await emulator.put("examplebucket", "logs/a.txt", new Uint8Array(3));
 * const pages = listObjects("examplebucket", {
 *   endpoint: "http://127.0.0.1:9000", // or region: "cn-hangzhou"
 *   credentials: null, // anonymous; omit to read OSS_ACCESS_KEY_ID / ... from the environment
 *   prefix: "logs/",
 *   fetch: (request) => emulator.handle(request),
 * });
 * for await (const page of pages) {
 *   for (const object of page) console.log(object.key, object.size); // logs/a.txt 3
 * }
 * ```
 */
export function listObjects(
  bucket: string,
  options: ListObjectsOptions,
): AsyncGenerator<ListedObject[]> {
  assertBucketName(bucket);
  const maxKeys = options.maxKeys ?? MAX_KEYS_PER_PAGE;
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > MAX_KEYS_PER_PAGE) {
    throw new RangeError(`maxKeys must be an integer from 1 to 1000, got ${options.maxKeys}`);
  }
  for (const name of ["prefix", "startAfter"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "string") {
      throw new TypeError(`${name} must be a string`);
    }
    if (value !== undefined && utf8Length(value) > 1023) {
      throw new TypeError(`${name} is longer than 1023 bytes`);
    }
  }
  const endpoint = resolveEndpoint(options);
  const credentials = options.credentials instanceof CredentialsRefresher
    ? options.credentials
    : toRefresher(resolveCredentials({
      credentials: options.credentials,
      env: options.env ?? readEnv,
    }));
  if (credentials && options.signatureVersion !== "v1" && !endpoint.region) {
    throw new TypeError(
      `signature V4 needs the region: the endpoint ${endpoint.host} does not show it ` +
        `(pass region, e.g. cn-hangzhou, or use signature V1)`,
    );
  }
  return pages({
    bucket,
    endpoint,
    credentials,
    options: { ...options, maxKeys },
    fetch: options.fetch ?? defaultFetch,
    timeouts: requestTimeouts(options),
  });
}

async function* pages(lister: Lister): AsyncGenerator<ListedObject[]> {
  const { options } = lister;
  const prefix = options.prefix ?? "";
  let last = options.startAfter ?? "";
  let token: string | null = null;
  while (true) {
    const query: [string, string][] = [
      ["list-type", "2"],
      ["max-keys", String(options.maxKeys)],
      ["encoding-type", "url"],
    ];
    if (prefix !== "") query.push(["prefix", prefix]);
    if (token !== null) query.push(["continuation-token", token]);
    else if (last !== "") query.push(["start-after", last]);
    const page = await withRetries(
      () => requestPage(lister, query),
      statRetryOptions(options, { signal: options.signal, onRetry: options.onRetry }),
    );
    for (const object of page.objects) {
      if (!object.key.startsWith(prefix)) {
        throw new ProtocolError(
          `the listing returned ${JSON.stringify(object.key)}, outside the prefix`,
        );
      }
      if (last !== "" && compareKeys(object.key, last) <= 0) {
        throw new ProtocolError(
          `the listing is out of order: ${JSON.stringify(object.key)} after ${
            JSON.stringify(last)
          }`,
        );
      }
      last = object.key;
    }
    if (page.objects.length > 0) yield page.objects;
    if (!page.truncated) return;
    const next = page.nextContinuationToken;
    if (next === null) throw new ProtocolError("a truncated listing without NextContinuationToken");
    if (next === token) throw new ProtocolError("the listing's continuation token did not advance");
    token = next;
  }
}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_PAGE_BYTES) throw new ProtocolError("the listing answer is too large");
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch (e) {
    throw new ProtocolError("the listing answer is not UTF-8", { cause: e });
  }
}

async function requestPage(lister: Lister, query: [string, string][]): Promise<ListObjectsPage> {
  const { options } = lister;
  const url = objectUrl(lister.endpoint, lister.bucket, undefined, query);
  const headers = new Headers();
  if (options.userAgent) headers.set("user-agent", options.userAgent);
  const response = await sendSigned(
    lister.credentials,
    async (credentials) => {
      const signed = new Headers(headers);
      if (credentials) {
        await signHeaders("GET", url, signed, {
          credentials,
          signatureVersion: options.signatureVersion,
          bucket: lister.bucket,
          region: lister.endpoint.region,
          now: options.now,
        });
      }
      return new Request(url, { headers: signed });
    },
    (request) => send(lister.fetch, request, { ...lister.timeouts, signal: options.signal }),
  );
  if (response.status < 200 || response.status > 299) throw await errorFromResponse(response);
  if (response.status !== 200) {
    await discardBody(response);
    throw new ProtocolError(`status ${response.status} to a listing request`);
  }
  return parseListObjectsV2(await readBody(response));
}
