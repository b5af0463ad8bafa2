/**
 * The text of `--help` and the one-line usage shown with argument errors.
 *
 * @module
 */
import { DEFAULTS } from "../download/options.ts";
import { EXIT_CODE_TABLE } from "./exit_codes.ts";
import { formatBytes } from "./format_units.ts";
import { DEFAULT_MAX_BUFFER_BYTES } from "../stream/stream_options.ts";

/**
 * The one-line usage of the download command.
 *
 * @example
 * ```ts
 * import { USAGE } from "./help_text.ts";
 * console.log(USAGE);
 * ```
 */
export const USAGE = "usage: ossdl [get] <source> <destination> [options]  (ossdl --help for more)";

/**
 * The full help, given how the program was started (e.g. `deno run -A cli.ts`).
 *
 * @example
 * ```ts
 * import { helpText } from "./help_text.ts";
 * console.log(helpText("ossdl", "0.1.0"));
 * ```
 */
export function helpText(program: string, version: string): string {
  const connectSeconds = DEFAULTS.connectTimeoutMs / 1000;
  const idleSeconds = DEFAULTS.idleTimeoutMs / 1000;
  const codes = EXIT_CODE_TABLE.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`);
  return `ossdl ${version}: resumable, parallel, CRC-64-verified downloads from Alibaba Cloud OSS

Usage:
  ${program} [get] <source> <destination> [options]
  ${program} get -r oss://BUCKET/PREFIX <directory> [--include GLOB]... [--exclude GLOB]... [options]
  ${program} verify <source> <file> [--endpoint URL] [--region ID] [--version-id ID] [--json] ...
  ${program} serve [--root DIR] [--port N] [--host ADDR] [--region ID] [--access-key-id ID --access-key-secret S [--security-token T]] [--faults FILE.json] [--read-only]
  ${program} crc64 <file>
  ${program} status <checkpoint | destination | directory>
  ${program} demo [--size SIZE] [destination]

get: download <source> to <destination> (a file, or a directory to keep the key's name;
  missing directories are created, and a name that would leave the directory is refused).
  <source> is oss://BUCKET/KEY, or an http(s) URL (presigned, public, or any server with Range).
  Kill it at any moment and run the same command again: it resumes from the last durable byte.
  The file appears only when complete and its CRC-64 matches the server's.

  --endpoint URL            OSS endpoint, e.g. oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000
                            (default: derived from --region)
  --region ID               region id, e.g. cn-hangzhou (needed for V4 signing)
  --signature-version V     v1 or v4 (default: v4)
  --path-style              path-style addressing (default: off; automatic for IPs and localhost)
  --version-id ID           download this version of the object
  --profile NAME            take the credentials of profile NAME from the config files (see
                            Credentials below)
  --config-file PATH        ossutil's config file (default: ~/.ossutilconfig)
  --ecs-role[=NAME]         use the ECS instance's RAM role (its name is asked for when not given)
  --access-key-id ID, --access-key-secret SECRET, --security-token TOKEN
                            explicit keys; other users of the machine can see a command line, so
                            prefer the environment or a config file
  --range START-END         only bytes START..END, inclusive offsets as in HTTP; END optional
                            (default: the whole object)
  --part-size SIZE          bytes per part (default: ${formatBytes(DEFAULTS.partSize)})
  --concurrency N           parts fetched at once, 1-256 (default: ${DEFAULTS.concurrency})
  --checkpoint PATH         the journal (default: <destination>.ossdl-journal)
  --no-resume               ignore an existing journal and start over (default: resume)
  --force                   download even when the destination already holds the object (same
                            size and CRC-64 as the server's); without it nothing is fetched then
  --no-fsync                no fsync at all (data, journal, directories): faster, and safe
                            against a killed process, but a power cut may lose the download's
                            progress or the finished file. Never a wrong file: kept bytes are
                            read back against the journal and every result is checked against
                            the server's CRC-64, so the next run fetches what a power cut lost
                            (get -r reads back, by CRC-64, the files it recorded without fsync)
                            (default: every byte is on disk before it is journaled or reported)
  --connect-timeout SECONDS give up on a request whose response has not begun in time; it is
                            retried (decimals allowed; default: ${connectSeconds})
  --idle-timeout SECONDS    abort a body that delivers no byte for this long and continue from
                            the last byte received (decimals allowed; default: ${idleSeconds})
  --limit-rate SIZE         at most SIZE bytes per second for the whole process, all parts (and
                            all objects of get -r) together, e.g. 20MiB (default: no limit)
  --traffic-limit BITS      send OSS's x-oss-traffic-limit: the server limits each connection
                            to BITS bit/s, 819200 (100 KiB/s) to 838860800 (100 MiB/s); oss://
                            sources only (for a URL, sign the URL with it)
  -q, --quiet               print nothing on success
  --json                    print JSON lines on stdout: progress (at most 4/s), notices, and a
                            final record with "done": true
  --debug                   print stack traces of errors, and which credentials source is used
  -h, --help                show this help
  --version                 print the version

get -r, --recursive: every object under a key prefix into <directory> (created when missing).
  The local path is the key without the prefix's part up to its last "/" (oss://b/data/2024/
  puts data/2024/x/y.bin at <directory>/x/y.bin). Run it again after any interruption: complete,
  unchanged objects are skipped (a manifest in <directory> records them), big ones resume from
  their journals, changed ones are fetched again. Keys that cannot be a safe relative path, and
  paths two keys would share, are reported as failed and never written. Exit 12 when some objects
  failed (the others are complete).
  --include GLOB, --exclude GLOB  on the relative path, in the order given, the last match decides
                            (default: included); * within a folder (a glob without "/" matches
                            the file name at any depth), ** across folders, ? one character;
                            only *.txt: --exclude '*' --include '*.txt'
  --jobs N                  objects at once, 1-1024 (default: 64; small objects mostly wait
                            for the disk); at most 2 of them big (above one part); all share
                            one cap of 16 open connections
  --checksum                also keep files that have no manifest record (put there by another
                            tool) when their CRC-64 equals the server's
  --shard K/N               only the keys whose stable hash falls in share K of N (K = 0..N-1):
                            N machines split one prefix with no coordination
  --force                   download every object again
  --json                    one record per object ("type":"object", status done|skipped|failed),
                            progress records, and a final record with "done": true

get <source> -: write the object's bytes to stdout, in order (for | tar x, | zstd -d,
  | sha256sum). Parts are fetched in parallel ahead of the writer, in a window of about
  concurrency x part size (never more than ${
    formatBytes(DEFAULT_MAX_BUFFER_BYTES)
  } plus one part); a slow reader slows the
  download instead of filling memory. No journal (--checkpoint, --no-resume, --force and -r are
  refused); --range works, so an interrupted stream can go on with --range START-. Progress,
  notices and --json records go to stderr. The CRC-64 is checked at the end, before the last
  part is written: on a mismatch the exit status is 6, and the bytes already written were wrong
  and cannot be unsent (discard what the reader made of them). A reader that closes the pipe
  (| head -c 10) ends ossdl quietly with status 141.

  Proxies: HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs (lower-case names win), with
  NO_PROXY exceptions (comma-separated: * for all, example.com with its subdomains, .example.com
  for subdomains only, 10.0.0.0/8, host:port). --debug prints the proxy used for each host, its
  user and password shown as ***.

  SIZE is bytes, or a number with a binary unit: K, KiB, M, MiB, G, GiB, T, TiB (any case);
  every unit is binary, so 8M = 8MB = 8MiB = 8388608 bytes.

Credentials (for oss:// sources; presigned URLs need none): the first of these that has them
  is used, and --debug names it. Secrets are never printed.
  1. options: --access-key-id/--access-key-secret[/--security-token], --ecs-role[=NAME], or
     --profile NAME (looked up in the files of 4, 5 and 6, in that order)
  2. OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN; then ALIBABA_CLOUD_ACCESS_KEY_ID,
     ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN
  3. ALIBABA_CLOUD_CREDENTIALS_URI: a URL answering {"AccessKeyId", "AccessKeySecret",
     "SecurityToken", "Expiration"}
  4. the Alibaba Cloud CLI's ~/.aliyun/config.json (ALIBABA_CLOUD_CONFIG_FILE): profile
     ALIBABA_CLOUD_PROFILE, else its current one; modes AK, StsToken, EcsRamRole
  5. ~/.alibabacloud/credentials (ALIBABA_CLOUD_CREDENTIALS_FILE): section ALIBABA_CLOUD_PROFILE,
     else [default]; type = access_key or ecs_ram_role
  6. ossutil's ~/.ossutilconfig (--config-file), 1.x or 2.x; its endpoint and region are used
     when neither --endpoint nor --region is given
  7. the ECS instance's RAM role named by ALIBABA_CLOUD_ECS_METADATA (only when asked for, here,
     by a profile, or by --ecs-role; the metadata address 100.100.100.200 can be replaced with
     OSSDL_ECS_METADATA_ENDPOINT)
  8. none: anonymous requests
  Keys that expire (3, 7) are fetched again before they do, so downloads outlive them.

serve: serve the directory ROOT (each sub-directory is a bucket) like OSS, with ranges, CRC-64
  and signatures. --root DIR (default: .), --port N (default: 9000), --host ADDR (default:
  127.0.0.1); with --access-key-id and --access-key-secret every request must be signed
  (--region ID: V4 signatures must be for that region, as on OSS; default: any region).
  Stops on Ctrl-C or SIGTERM with exit status 0.
  Operations: GetObject (ranges, conditions), HeadObject, ListObjects and ListObjectsV2,
  PutObject (simple upload; Content-MD5 checked when sent; x-oss-meta-* kept) and DeleteObject;
  V1/V4 signatures in headers or presigned URLs, STS tokens. Writes are atomic files under ROOT,
  metadata in ROOT/.ossdl-meta; --read-only refuses them. Not implemented (501 NotImplemented):
  multipart uploads, AppendObject, CopyObject, PostObject, ACLs, tagging, bucket operations.
  --faults FILE.json        inject faults, reloaded whenever the file changes (an invalid version
                            is reported and the previous faults stay), e.g.
                            {"serverError": {"status": 503, "next": 2}, "dropAfterBytes": 1048576,
                            "throttle": {"bytesPerSecond": 1048576}, "flipByteAt": 100,
                            "stallAfterBytes": 0, "delayHeadersMs": 500, "ignoreRange": true,
                            "denyAccess": true, "changeObject": {"afterRequests": 3, "content":
                            "new"}, "seed": 1}
  --read-only               refuse PutObject and DeleteObject (default: they write to ROOT)
verify: check a local <file> against the object's x-oss-hash-crc64ecma without downloading
  it (one HEAD request, then the file is hashed). Exit 0 when they match, 6 when the size or the
  CRC-64 differs (a different size is reported without hashing), 13 when the server gives no
  CRC-64. Takes the connection and credential options of get (--endpoint, --region,
  --signature-version, --path-style, --version-id, --profile, --config-file, --ecs-role,
  --access-key-id, ...), --connect-timeout SECONDS (default 30), and -q, --quiet, --json (one
  JSON record), --debug.
crc64: print a file's CRC-64/XZ as OSS writes it in x-oss-hash-crc64ecma (decimal).
status: show what an interrupted download has done, from its checkpoint journal (offline); give
  the journal, the destination file, or a directory to show every *.ossdl-journal in it.
  --json prints it as one JSON object.
demo: serve a generated object (--size, default 64MiB) from the built-in emulator on
  127.0.0.1 and download it with progress and verification (into a temporary directory that
  is removed, or into the destination given).

Exit status:
${codes.join("\n")}
`;
}
