/**
 * `ossdl demo`: the whole job on one machine. Starts the built-in emulator on 127.0.0.1 with a
 * generated object (seeded pseudo-random bytes, signed V4 requests required), downloads it with
 * progress and verification, checks the file's CRC-64 once more, prints the result, cleans up.
 *
 * @module
 */
import { OssEmulator } from "../emulator/oss_emulator.ts";
import { serveEmulator } from "../emulator/serve.ts";
import type { CliIo } from "./cli_io.ts";
import { fileCrc64 } from "./crc64_command.ts";
import { EXIT } from "./exit_codes.ts";
import { formatBytes } from "./format_units.ts";
import type { DemoCommand } from "./parse_command.ts";
import { runDownload } from "./run_download.ts";
import { resumeCommand } from "./shell_quote.ts";
import { seededRandom } from "../seeded_random.ts";

const BUCKET = "ossdl-demo";
const KEY = "random.bin";
const SEED = 20240601;

/**
 * `size` pseudo-random bytes from `seed` ({@linkcode seededRandom}, four bytes per draw): the
 * same seed gives the same bytes.
 *
 * @example
 * ```ts
 * import { seededBytes } from "./demo_command.ts";
 * seededBytes(8, 1).length; // 8
 * ```
 */
export function seededBytes(size: number, seed: number): Uint8Array {
  const next = seededRandom(seed);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const whole = size - (size % 4);
  for (let i = 0; i < whole; i += 4) view.setUint32(i, Math.floor(next() * 2 ** 32), true);
  for (let i = whole; i < size; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

function randomSecret(): string {
  const b = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...b)).replace(/[+/=]/g, "x");
}

/**
 * Runs the demo and returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { runDemo } from "./demo_command.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * await io.exit(await runDemo({ kind: "demo", size: 1 << 26, output: "normal", debug: false }, io));
 * ```
 */
export async function runDemo(command: DemoCommand, io: CliIo): Promise<number> {
  const say = (text: string) => {
    if (command.output === "normal") io.writeErr(text + "\n");
  };
  const credentials = { accessKeyId: "ossdl-demo-key", accessKeySecret: randomSecret() };
  const emulator = new OssEmulator({ credentials });
  const put = await emulator.put(BUCKET, KEY, seededBytes(command.size, SEED), {
    lastModified: new Date(Date.UTC(2024, 5, 1)),
  });
  const server = await serveEmulator((r) => emulator.handle(r), { hostname: "127.0.0.1", port: 0 });
  let temp: string | null = null;
  try {
    say(
      `demo: the emulator serves oss://${BUCKET}/${KEY} (${formatBytes(command.size)} of ` +
        `seeded random bytes, CRC-64 ${put.crc64}) at ${server.url}, signed V4 requests only`,
    );
    if (command.destination === undefined) temp = await io.makeTempDir("ossdl-demo-");
    const destination = command.destination ?? `${temp}/${KEY}`;
    say(`demo: downloading to ${destination}`);
    const { exitCode, result } = await runDownload({
      io,
      output: command.output,
      debug: command.debug,
      resumeCommand: resumeCommand(io.program, io.args),
      secrets: [credentials.accessKeySecret],
      // The temporary directory is removed below: there is nothing left to look at.
      statusCommand: temp === null ? undefined : null,
      options: {
        source: `oss://${BUCKET}/${KEY}`,
        destination,
        endpoint: server.url,
        region: "cn-hangzhou",
        credentials,
        partSize: command.partSize,
        concurrency: command.concurrency,
      },
    });
    if (exitCode !== EXIT.OK || result === null) return exitCode;
    const check = await fileCrc64(result.destination);
    const agrees = check === put.crc64 && result.crc64 === put.crc64.toString();
    if (command.output !== "quiet" && command.output !== "json") {
      io.writeOut(
        `demo: ${agrees ? "OK" : "MISMATCH"}: ${result.destination} has ${result.bytes} bytes, ` +
          `CRC-64 ${check} (read back from disk); the object's is ${put.crc64}; ` +
          `${result.verification}\n`,
      );
    }
    if (!agrees) return EXIT.INTEGRITY;
    return EXIT.OK;
  } finally {
    await server.close();
    if (temp !== null) {
      await io.removeDir(temp);
      say(`demo: removed ${temp}`);
    }
  }
}
