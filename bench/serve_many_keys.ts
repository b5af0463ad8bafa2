/**
 * Serve an in-memory emulator holding COUNT tiny objects (1 byte each) in bucket `many`, keys
 * `k/d<NNNN>/f<NNNNNNN>` (1,000 per folder, put in key order), for the listing-memory benchmark of
 * `bench/many_objects.sh`. Prints `{"url", "keys", "putSeconds"}` once every key is stored, then
 * runs until killed.
 *
 * Usage: `deno run -A bench/serve_many_keys.ts COUNT [PORT]`
 *
 * @module
 */
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { ARGS } from "./_util.ts";

const count = Number(ARGS[0] ?? 1_000_000);
const port = Number(ARGS[1] ?? 0);
if (!Number.isSafeInteger(count) || count < 1) {
  throw new Error("usage: serve_many_keys.ts COUNT [PORT]");
}

const emulator = new OssEmulator({ maxLogEntries: 1000 });
const t0 = performance.now();
const bytes = new Uint8Array([0x78]);
for (let i = 0; i < count; i++) {
  const dir = String(Math.floor(i / 1000)).padStart(4, "0");
  await emulator.put("many", `k/d${dir}/f${String(i).padStart(7, "0")}`, bytes);
}
const putSeconds = (performance.now() - t0) / 1000;
const server = await serveEmulator((request) => emulator.handle(request), { port });
console.log(JSON.stringify({ url: server.url, keys: count, putSeconds }));
