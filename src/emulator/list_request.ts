/**
 * The parameters of a bucket listing: ListObjectsV2 (`list-type=2`: `start-after`,
 * `continuation-token`, `fetch-owner`) or ListObjects V1 (`marker`), both with `prefix`,
 * `delimiter`, `max-keys` (1-1000, default 100 as on OSS) and `encoding-type=url`. A bad value is
 * answered with 400 InvalidArgument.
 *
 * @module
 */
import { utf8Length } from "../oss/key_order.ts";
import { decodeContinuationToken } from "./continuation_token.ts";
import { OSS_ERRORS, type OssErrorSpec } from "./error_response.ts";

/** A checked listing request. */
export interface ListParams {
  /** 2 for ListObjectsV2 (`list-type=2`), 1 for ListObjects. */
  version: 1 | 2;
  /** `prefix`, `""` when absent. */
  prefix: string;
  /** `delimiter`, `""` when absent. */
  delimiter: string;
  /** `max-keys`. */
  maxKeys: number;
  /** `encoding-type=url` was asked for. */
  urlEncoded: boolean;
  /** V2 `start-after` as sent, or `null`. */
  startAfter: string | null;
  /** V2 `continuation-token` as sent, or `null`. */
  continuationToken: string | null;
  /** V1 `marker` as sent, or `null`. */
  marker: string | null;
  /** V2 `fetch-owner=true`; V1 always lists owners. */
  fetchOwner: boolean;
  /** Where the page starts: items sorting after this (`""` for the start). */
  after: string;
}

/** The default `max-keys` of OSS listings. */
const DEFAULT_MAX_KEYS = 100;

function invalid(message: string, name?: string, value?: string): { error: OssErrorSpec } {
  const extra: [string, string][] | undefined = name === undefined
    ? undefined
    : [["ArgumentName", name], ["ArgumentValue", (value ?? "").slice(0, 1024)]];
  return { error: { ...OSS_ERRORS.InvalidArgument, message, extra } };
}

/**
 * Checks the query of a bucket-level GET.
 *
 * @param query decoded query pairs (the first of repeated names counts)
 * @returns the parameters, or the error to answer with
 *
 * @example
 * ```ts
 * import { parseListParams } from "./list_request.ts";
 * const r = parseListParams([["list-type", "2"], ["prefix", "a/"], ["max-keys", "10"]]);
 * if ("params" in r) console.log(r.params.version, r.params.maxKeys); // 2 10
 * ```
 */
export function parseListParams(
  query: [string, string][],
): { params: ListParams } | { error: OssErrorSpec } {
  const get = (name: string): string | null => query.find(([k]) => k === name)?.[1] ?? null;
  const listType = get("list-type");
  if (listType !== null && listType !== "2") {
    return invalid("list-type must be 2.", "list-type", listType);
  }
  const version = listType === "2" ? 2 : 1;
  const maxKeysText = get("max-keys");
  let maxKeys = DEFAULT_MAX_KEYS;
  if (maxKeysText !== null) {
    maxKeys = /^\d{1,4}$/.test(maxKeysText) ? Number(maxKeysText) : NaN;
    if (!(maxKeys >= 1 && maxKeys <= 1000)) {
      return invalid("max-keys must be an integer from 1 to 1000.", "max-keys", maxKeysText);
    }
  }
  const encodingType = get("encoding-type");
  if (encodingType !== null && encodingType.toLowerCase() !== "url") {
    return invalid(
      "The encoding-type is invalid; only url is supported.",
      "encoding-type",
      encodingType,
    );
  }
  for (const name of ["prefix", "delimiter", "start-after", "marker"]) {
    const value = get(name);
    if (value !== null && utf8Length(value) > 1023) {
      return invalid(`${name} must be shorter than 1024 bytes.`, name, value);
    }
  }
  const startAfter = version === 2 ? get("start-after") : null;
  const continuationToken = version === 2 ? get("continuation-token") : null;
  const marker = version === 1 ? get("marker") : null;
  let after = (version === 2 ? startAfter : marker) ?? "";
  if (continuationToken !== null) {
    const decoded = decodeContinuationToken(continuationToken);
    if (decoded === null) {
      return invalid("The continuation token is invalid.", "continuation-token", continuationToken);
    }
    after = decoded;
  }
  return {
    params: {
      version,
      prefix: get("prefix") ?? "",
      delimiter: get("delimiter") ?? "",
      maxKeys,
      urlEncoded: encodingType !== null,
      startAfter,
      continuationToken,
      marker,
      fetchOwner: version === 1 || get("fetch-owner") === "true",
      after,
    },
  };
}
