/**
 * ossdl: resumable, parallel, CRC-64-verified downloads of very large objects from Alibaba Cloud
 * OSS, for Deno and Bun.
 *
 * ```ts ignore
 * import { download } from "@ossdl/ossdl";
 * const result = await download({
 *   source: "oss://my-bucket/big/file.zip",
 *   destination: "./file.zip",
 *   region: "cn-hangzhou",
 * });
 * console.log(result.verified ? "verified" : result.verification);
 * ```
 *
 * @module
 */
export { download } from "./src/download/download.ts";
export {
  DEFAULTS,
  type DownloadCredentials,
  type DownloadNotice,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type DownloadSource,
  type Durability,
} from "./src/download/options.ts";
export {
  AbortedError,
  DownloadLockedError,
  FileSystemError,
  type FileSystemErrorCode,
  IntegrityError,
  JournalDamagedError,
  NetworkError,
  ObjectChangedError,
  OssdlError,
  type OssdlErrorCode,
  type OssErrorDetails,
  OssServiceError,
  ProtocolError,
  RetriesExhaustedError,
} from "./src/errors.ts";
export { crc64, type Crc64Hasher, createCrc64 } from "./src/crc64/crc64.ts";
export { combineCrc64 } from "./src/crc64/combine.ts";
export { type PresignOptions, presignUrl } from "./src/oss/presign_url.ts";
export type { SignatureVersion } from "./src/oss/sign_request.ts";
export { Credentials, type CredentialsInput, type EnvLookup } from "./src/oss/credentials.ts";
export {
  type CredentialsProvider,
  isCredentialsProvider,
  staticProvider,
} from "./src/credentials/credentials_provider.ts";
export {
  CredentialsRefresher,
  type CredentialsRefresherOptions,
  refreshTime,
} from "./src/credentials/credentials_refresher.ts";
export { CredentialsError } from "./src/credentials/credentials_error.ts";
export type { CredentialLookupOptions } from "./src/credentials/credential_lookup.ts";
export {
  ECS_METADATA_ENDPOINT,
  ECS_METADATA_ENDPOINT_ENV,
} from "./src/credentials/ecs_metadata_provider.ts";
export type { RequestOptions } from "./src/oss/request_options.ts";
export type { FetchFunction } from "./src/oss/http_send.ts";
export type { RetryPolicy, WithRetriesOptions } from "./src/oss/retry.ts";
export type { AddressingStyle, EndpointOptions } from "./src/oss/endpoint.ts";
export type { OssObjectName } from "./src/oss/oss_url.ts";
export type {
  BlockWriter,
  BlockWriterOptions,
  FileInfo,
  FileSystem,
  OpenOptions,
  PositionalFile,
  WrittenBlock,
} from "./src/fs/file_system.ts";
export { defaultFileSystem } from "./src/fs/default_file_system.ts";
export {
  verifyFile,
  type VerifyFileOptions,
  type VerifyFileResult,
} from "./src/verify/verify_file.ts";
export { Crc64UnavailableError } from "./src/verify/crc64_unavailable_error.ts";
export { fileNameFromSource, UnsafeFileNameError } from "./src/download/destination_path.ts";
export { NodeFileSystem } from "./src/fs/node_file_system.ts";
export { DenoFileSystem } from "./src/fs/deno_file_system.ts";
export { ConnectionSlots } from "./src/download/connection_slots.ts";
export {
  downloadPrefix,
  type ObjectOutcome,
  PREFIX_DEFAULTS,
  type PrefixDownloadOptions,
  type PrefixDownloadResult,
  type PrefixProgress,
} from "./src/batch/download_prefix.ts";
export type { FilterRule } from "./src/batch/glob_filter.ts";
export type { Shard } from "./src/batch/shard.ts";
export { type ListedObject, listObjects, type ListObjectsOptions } from "./src/oss/list_objects.ts";
export { type OssPrefix, parseOssPrefix } from "./src/oss/parse_oss_prefix.ts";
export { downloadStream } from "./src/stream/download_stream.ts";
export {
  DEFAULT_MAX_BUFFER_BYTES,
  type DownloadStreamOptions,
  type DownloadStreamResult,
} from "./src/stream/stream_options.ts";
export { StreamIntegrityError } from "./src/stream/stream_integrity_error.ts";
export { RateLimiter, type RateLimiterOptions } from "./src/throttle/rate_limiter.ts";
export { throttledFetch } from "./src/throttle/throttled_fetch.ts";
export { MAX_TRAFFIC_LIMIT, MIN_TRAFFIC_LIMIT } from "./src/throttle/traffic_limit.ts";
export {
  type ProxyChoice,
  proxyForUrl,
  type ProxySettings,
  proxySettingsFromEnv,
} from "./src/proxy/proxy_settings.ts";
export { redactProxyUrl } from "./src/proxy/redact_proxy_url.ts";
export { proxyFetch } from "./src/runtime/proxy_fetch.ts";
