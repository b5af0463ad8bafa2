import assert from "node:assert/strict";
import { test } from "node:test";
import { main } from "../src/cli/main.ts";
import { parseCommand } from "../src/cli/parse_command.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import { fakeIo } from "./cli_fake_io.ts";

test("--help explains --limit-rate, --traffic-limit, stdout mode and proxies", async () => {
  const f = fakeIo(["--help"]);
  assert.equal(await main(f.io), 0);
  const help = f.out();
  assert.match(help, /--limit-rate SIZE .*whole process/);
  assert.match(help, /--traffic-limit BITS .*x-oss-traffic-limit/);
  assert.match(help, /get <source> -: write the object's bytes to stdout/);
  assert.match(help, /bytes already written were wrong\s+and cannot be unsent/);
  assert.match(help, /status 141/);
  assert.match(help, /HTTPS_PROXY[^]*NO_PROXY/);
});

test("get SOURCE -: the destination - is stdout; file-only options are usage errors", () => {
  const c = parseCommand(["oss://b/k", "-", "--range", "10-"]);
  assert.equal(c.kind === "get" && c.destination, "-");
  for (const extra of [["--checkpoint", "j"], ["--no-resume"], ["--force"]]) {
    assert.throws(() => parseCommand(["oss://b/k", "-", ...extra]), UsageError, extra[0]);
  }
  assert.throws(() => parseCommand(["get", "-r", "oss://b/p/", "-"]), /--recursive cannot be used/);
  // Without the new options a command is exactly what it was.
  const plain = parseCommand(["oss://b/k", "out"]);
  assert.ok(!("limitRate" in plain) && !("trafficLimit" in plain));
});
