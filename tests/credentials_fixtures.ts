// Shared helpers for the credentials tests (not a test file): a temporary HOME with config files,
// and local credentials-URI and ECS-metadata servers on 127.0.0.1. Nothing here connects anywhere
// else: loopbackFetch refuses any other address.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ServedHandler, serveEmulator } from "../src/emulator/serve.ts";
import type { StsKeys } from "../src/emulator/sts_keys.ts";

/** A fetch that only ever reaches 127.0.0.1 (anything else is a test bug, and fails). */
export const loopbackFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = new Request(input, init);
  const host = new URL(request.url).hostname;
  if (host !== "127.0.0.1") {
    return Promise.reject(new Error(`test tried to connect to ${host}, outside loopback`));
  }
  return fetch(request);
};

/** A temporary HOME with `files` (relative path → text); removed by `close`. */
export async function tempHome(
  files: Record<string, string> = {},
): Promise<{ home: string; path(relative: string): string; close(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), "ossdl-home-"));
  for (const [relative, text] of Object.entries(files)) {
    await mkdir(dirname(join(home, relative)), { recursive: true });
    await writeFile(join(home, relative), text);
  }
  return {
    home,
    path: (relative) => join(home, relative),
    close: () => rm(home, { recursive: true, force: true }),
  };
}

/** The JSON a credentials URI or the metadata service answers with, for a key of `sts`. */
export function issueBody(sts: StsKeys, lifetimeMs: number): string {
  const k = sts.issue(lifetimeMs);
  return JSON.stringify({
    Code: "Success",
    AccessKeyId: k.accessKeyId,
    AccessKeySecret: k.accessKeySecret,
    SecurityToken: k.securityToken,
    Expiration: k.expiration.toISOString().replace(/\.\d{3}Z$/, "Z"),
    LastUpdated: new Date().toISOString(),
  });
}

/** A credentials URI on 127.0.0.1 answering `answer()` to every GET; counts requests. */
export async function credentialsUriServer(
  answer: () => Response,
): Promise<ServedHandler & { requests: () => number }> {
  let requests = 0;
  const server = await serveEmulator(() => {
    requests++;
    return answer();
  }, { port: 0 });
  return { ...server, requests: () => requests };
}

/** What the fake ECS metadata service saw. */
export interface MetadataLog {
  tokenPuts: number;
  ttlHeader: string | null;
  gets: string[];
  tokensSeen: (string | null)[];
}

/**
 * An ECS metadata service on 127.0.0.1 (IMDSv2): `PUT /latest/api/token` gives a token that every
 * GET must carry; the role list names `role`; the role's path answers `credentials()`.
 */
export async function metadataServer(
  role: string,
  credentials: () => string,
): Promise<ServedHandler & { log: MetadataLog }> {
  const log: MetadataLog = { tokenPuts: 0, ttlHeader: null, gets: [], tokensSeen: [] };
  const token = "metadata-token-" + crypto.randomUUID();
  const server = await serveEmulator((request) => {
    const path = new URL(request.url).pathname;
    if (request.method === "PUT" && path === "/latest/api/token") {
      log.tokenPuts++;
      log.ttlHeader = request.headers.get("x-aliyun-ecs-metadata-token-ttl-seconds");
      return new Response(token);
    }
    log.gets.push(path);
    const seen = request.headers.get("x-aliyun-ecs-metadata-token");
    log.tokensSeen.push(seen);
    if (seen !== token) return new Response("unauthorized", { status: 401 });
    const base = "/latest/meta-data/ram/security-credentials/";
    if (path === base) return new Response(role);
    if (path === base + role) return new Response(credentials());
    return new Response("not found", { status: 404 });
  }, { port: 0 });
  return { ...server, log };
}
