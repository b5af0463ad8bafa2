/**
 * Test helper: load the official Node SDK `ali-oss` (a devDependency, never imported by src/) with
 * the small typed surface the interop tests use (its bundled typings lack most object methods),
 * or tell why this runtime cannot run it.
 *
 * @module
 */
import type { Readable } from "node:stream";

/** What ali-oss answers (the parts the tests read). */
export interface AliOssResult {
  res: { status: number; headers: Record<string, string> };
  status?: number;
  meta?: Record<string, string>;
  content?: Uint8Array;
  stream?: Readable;
  objects?: { name: string; size: number; etag: string }[];
  prefixes?: string[] | null;
  isTruncated?: boolean;
  nextContinuationToken?: string;
  keyCount?: number;
}

/** An ali-oss client (the methods the tests call). */
export interface AliOssClient {
  put(
    name: string,
    body: Uint8Array,
    options?: { meta?: Record<string, string>; headers?: Record<string, string>; mime?: string },
  ): Promise<AliOssResult>;
  head(name: string): Promise<AliOssResult>;
  get(name: string, options?: { headers?: Record<string, string> }): Promise<AliOssResult>;
  getStream(name: string, options?: { headers?: Record<string, string> }): Promise<AliOssResult>;
  delete(name: string): Promise<AliOssResult>;
  listV2(
    query: Record<string, string | number | undefined>,
    options?: Record<string, unknown>,
  ): Promise<AliOssResult>;
  signatureUrl(name: string, options?: { expires?: number }): string;
  signatureUrlV4(
    method: string,
    expires: number,
    request?: { headers?: Record<string, string>; queries?: Record<string, string> },
    objectName?: string,
  ): Promise<string>;
  multipartUpload(
    name: string,
    body: Uint8Array,
    options?: Record<string, unknown>,
  ): Promise<unknown>;
  urllib: {
    request(
      url: string,
      options?: Record<string, unknown>,
    ): Promise<{ status: number; data: Uint8Array }>;
  };
}

/** The options of `new OSS(...)` the tests and the README use. */
export interface AliOssOptions {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  stsToken?: string;
  sldEnable?: boolean;
  authorizationV4?: boolean;
  secure?: boolean;
  timeout?: number;
}

/** The SDK's constructor, or why it cannot be loaded here. */
export type AliOssLoad =
  | { ok: true; OSS: new (options: AliOssOptions) => AliOssClient }
  | { ok: false; reason: string };

/** The runtime running the tests: `deno`, `bun` or `node`. */
export function runtimeName(): string {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

/** Import ali-oss; a failure becomes a reason to skip on this runtime. */
export async function loadAliOss(): Promise<AliOssLoad> {
  try {
    const module = await import("ali-oss");
    const OSS = (module.default ?? module) as unknown as new (
      options: AliOssOptions,
    ) => AliOssClient;
    if (typeof OSS !== "function") return { ok: false, reason: "ali-oss has no constructor" };
    return { ok: true, OSS };
  } catch (error) {
    return {
      ok: false,
      reason: `ali-oss cannot be loaded on ${runtimeName()}: ${(error as Error).message}`,
    };
  }
}
