/**
 * The `ossdl` command line: resumable, parallel, CRC-64-verified downloads from Alibaba Cloud OSS.
 *
 * ```sh
 * deno run -A cli.ts oss://my-bucket/big/file.zip ./file.zip --region cn-hangzhou
 * bun cli.ts "https://my-bucket.oss-cn-hangzhou.aliyuncs.com/big/file.zip?x-oss-signature=..." ./file.zip
 * deno run -A cli.ts demo
 * deno run -A cli.ts --help
 * ```
 *
 * Interrupt it (Ctrl-C, SIGTERM, even SIGKILL) and run the same command again: the download
 * continues from the last durable byte. Exit codes are listed by `--help`.
 *
 * @module
 */
import type { CliIo } from "./src/cli/cli_io.ts";
import { main } from "./src/cli/main.ts";

export { main };
export type { CliIo };

if (import.meta.main) {
  const { processIo } = await import("./src/cli/runtime_io.ts");
  const io = processIo();
  await io.exit(await main(io));
}
