/**
 * Serve `ROOT` (`<root>/<bucket>/<key>`) with the project's emulator on `PORT`, like
 * `cli.ts serve --root ROOT --port PORT`; used by bench/run.sh when the CLI is not available.
 * Runs until killed.
 *
 * Usage: `deno run -A bench/serve_emulator.ts ROOT PORT`
 *
 * @module
 */
import { serveDirectory } from "../emulator.ts";
import { ARGS } from "./_util.ts";

const [root, port] = ARGS;
const server = await serveDirectory(root, { port: Number(port ?? 0) });
console.log(server.url);
