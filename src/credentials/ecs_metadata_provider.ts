/**
 * Credentials of the ECS instance's RAM role, from the instance metadata service, hardened mode
 * (IMDSv2): `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds`, then, with
 * `X-aliyun-ecs-metadata-token`, `GET /latest/meta-data/ram/security-credentials/` for the role's
 * name when none is given and `GET .../security-credentials/<role>` for the keys. Short timeouts
 * (1 s). Used only when asked for; never probed.
 *
 * @module
 */
import type { FetchFunction } from "../oss/http_send.ts";
import { CredentialsError } from "./credentials_error.ts";
import type { CredentialsProvider } from "./credentials_provider.ts";
import { credentialsFromResponse } from "./credentials_response.ts";
import { fetchText } from "./fetch_text.ts";

/** The metadata service's address on ECS. */
export const ECS_METADATA_ENDPOINT = "http://100.100.100.200";
/**
 * The environment variable that overrides {@linkcode ECS_METADATA_ENDPOINT} (tests point it at a
 * local server).
 */
export const ECS_METADATA_ENDPOINT_ENV = "OSSDL_ECS_METADATA_ENDPOINT";

const CREDENTIALS_PATH = "/latest/meta-data/ram/security-credentials/";

/** Options of {@linkcode ecsMetadataProvider}. */
export interface EcsMetadataOptions {
  /** The role; when empty, the one role attached to the instance is asked for. */
  roleName?: string;
  /** The service's base URL. @default "http://100.100.100.200" */
  endpoint?: string;
  /** The fetch. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Timeout of each request, in ms. @default 1000 */
  timeoutMs?: number;
  /** Lifetime asked for the metadata token, in seconds. @default 21600 */
  tokenTtlSeconds?: number;
  /** What asked for the role, for `--debug` (e.g. "--ecs-role"). */
  origin?: string;
}

/**
 * A provider for the instance's RAM role.
 *
 * @example
 * ```ts ignore
 * import { ecsMetadataProvider } from "./ecs_metadata_provider.ts";
 * const p = ecsMetadataProvider({ roleName: "my-role", endpoint: "http://127.0.0.1:8081" });
 * const keys = await p.getCredentials();
 * ```
 */
export function ecsMetadataProvider(options: EcsMetadataOptions = {}): CredentialsProvider {
  const base = (options.endpoint || ECS_METADATA_ENDPOINT).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 1000;
  const common = { fetch: options.fetch, timeoutMs };
  const given = options.roleName || undefined;
  const origin = options.origin ? `, ${options.origin}` : "";
  return {
    name: `ECS RAM role ${given ?? "(the instance's)"} from ${base}${origin}`,
    refreshable: true,
    async getCredentials() {
      const token = await fetchText(`${base}/latest/api/token`, {
        ...common,
        method: "PUT",
        headers: {
          "x-aliyun-ecs-metadata-token-ttl-seconds": String(options.tokenTtlSeconds ?? 21600),
        },
      });
      if (token.status !== 200 || token.text.trim() === "") {
        throw new CredentialsError(
          `the ECS metadata service at ${base} gave no token (HTTP ${token.status})`,
          "run on an ECS instance with a RAM role, or pass credentials another way",
        );
      }
      const headers = { "x-aliyun-ecs-metadata-token": token.text.trim() };
      let role = given;
      if (role === undefined) {
        const r = await fetchText(base + CREDENTIALS_PATH, { ...common, headers });
        role = r.text.trim().split(/\s+/)[0];
        if (r.status !== 200 || !role) {
          throw new CredentialsError(
            `the ECS metadata service at ${base} names no RAM role (HTTP ${r.status})`,
            "attach a RAM role to the instance, or name it: --ecs-role=NAME",
          );
        }
      }
      const r = await fetchText(base + CREDENTIALS_PATH + encodeURIComponent(role), {
        ...common,
        headers,
      });
      if (r.status !== 200) {
        throw new CredentialsError(
          `the ECS metadata service at ${base} has no credentials for the role ${role} ` +
            `(HTTP ${r.status})`,
          "check the role's name and that it is attached to this instance",
        );
      }
      return credentialsFromResponse(r.text, `the ECS metadata service (role ${role})`);
    },
  };
}
