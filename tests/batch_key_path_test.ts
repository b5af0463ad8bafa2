import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type KeyPath,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
  PathClaims,
  relativePathForKey,
} from "../src/batch/key_path.ts";
import { seededRandom } from "../src/seeded_random.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function pathOf(r: KeyPath): string {
  assert.ok("path" in r && !("skip" in r), `expected a path, got ${JSON.stringify(r)}`);
  return r.path;
}

function errorOf(r: KeyPath): string {
  assert.ok("error" in r, `expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

test("key path: the prefix's part up to its last / is cut", () => {
  assert.deepEqual(relativePathForKey("data/2024/x/y.bin", "data/2024/"), { path: "x/y.bin" });
  assert.deepEqual(relativePathForKey("data/2024/x/y.bin", "data/20"), { path: "2024/x/y.bin" });
  assert.deepEqual(relativePathForKey("data/2024/x/y.bin", "data/2024/x"), { path: "x/y.bin" });
  assert.deepEqual(relativePathForKey("data/2024/x/y.bin", "data/2024/x/y.bin"), {
    path: "y.bin",
  });
  assert.deepEqual(relativePathForKey("data/2024/x/y.bin", ""), { path: "data/2024/x/y.bin" });
  assert.deepEqual(relativePathForKey("top.txt", ""), { path: "top.txt" });
  assert.deepEqual(relativePathForKey("top.txt", "to"), { path: "top.txt" });
  assert.deepEqual(relativePathForKey("a/b", "a/"), { path: "b" });
  // Names that look odd but are plain names.
  for (const name of [".ossdl", "x.ossdl", "x.ossdl-part.bin", "ossdl-part", "x.ossdl-1"]) {
    assert.deepEqual(relativePathForKey(`p/${name}`, "p/"), { path: name }, name);
  }
  for (
    const name of ["...", ".hidden", "..x", "x..", "a b", "é/ü/日本.txt", "-", "~", "a:b", "*"]
  ) {
    assert.deepEqual(relativePathForKey(`p/${name}`, "p/"), { path: name }, name);
  }
  assert.deepEqual(relativePathForKey("p/\u{1F600}.png", "p/"), { path: "\u{1F600}.png" });
});

test("key path: directory markers are skipped with their directory", () => {
  assert.deepEqual(relativePathForKey("data/2024/", "data/2024/"), { skip: "directory", path: "" });
  assert.deepEqual(relativePathForKey("data/2024/x/", "data/2024/"), {
    skip: "directory",
    path: "x",
  });
  assert.deepEqual(relativePathForKey("data/2024/x/y/", "data/20"), {
    skip: "directory",
    path: "2024/x/y",
  });
  assert.deepEqual(relativePathForKey("data/", ""), { skip: "directory", path: "data" });
  assert.deepEqual(relativePathForKey("data/", "data/"), { skip: "directory", path: "" });
  // An unsafe directory marker is refused like a file.
  assert.match(errorOf(relativePathForKey("p/../", "p/")), /"\.\." segment/);
  assert.match(errorOf(relativePathForKey("p/a//", "p/")), /empty segment/);
  assert.match(errorOf(relativePathForKey("p//", "p/")), /absolute/);
  assert.match(errorOf(relativePathForKey("/", "")), /absolute/);
});

test("key path: everything that could leave the directory is refused, with a reason", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["other/x", "data/", /does not start with the prefix "data\/"/],
    ["dat", "data", /does not start with the prefix/],
    ["", "", /path is empty/],
    ["p/..", "p/", /"\.\." segment/],
    ["p/../x", "p/", /"\.\." segment/],
    ["p/a/../../x", "p/", /"\.\." segment/],
    ["../x", "", /"\.\." segment/],
    ["..", "", /"\.\." segment/],
    ["p/.", "p/", /"\." segment/],
    ["p/./x", "p/", /"\." segment/],
    ["p/a//b", "p/", /empty segment/],
    ["p//x", "p/", /absolute/],
    ["/etc/passwd", "", /absolute/],
    ["p/a\\b", "p/", /backslash/],
    ["p/..\\..\\x", "p/", /backslash/],
    ["p/C:\\x", "p/", /backslash/],
    ["p/a\u0000b", "p/", /control character/],
    ["p/a\nb", "p/", /control character/],
    ["p/a\u001fb", "p/", /control character/],
    ["p/a\u007fb", "p/", /control character/],
    ["p/a\u0085b", "p/", /control character/],
    ["p/a\u009fb", "p/", /control character/],
    ["p/a\ud800b", "p/", /lone surrogate/],
    ["p/.ossdl-manifest", "p/", /ends like ossdl's own files/],
    ["p/.ossdl-manifest.tmp", "p/", /ends like ossdl's own files/],
    ["p/x.ossdl-part", "p/", /ends like ossdl's own files/],
    ["p/x.ossdl-journal", "p/", /ends like ossdl's own files/],
    ["p/x.ossdl-journal.compact", "p/", /ends like ossdl's own files/],
    ["p/x.OSSDL-LOCK", "p/", /ends like ossdl's own files/],
    ["p/x.ossdl-part/y", "p/", /ends like ossdl's own files/],
    ["p/a\udc00", "p/", /lone surrogate/],
  ];
  for (const [key, prefix, reason] of cases) {
    const message = errorOf(relativePathForKey(key, prefix));
    assert.match(message, reason, `${JSON.stringify(key)}: ${message}`);
    assert.match(message, /^the key ".*" is not downloaded: /s);
    // The message shows no raw control character (it goes to a terminal).
    assert.ok(!CONTROL.test(message), JSON.stringify(message));
  }
  // The prefix itself may hold anything: only the part below it is checked.
  assert.deepEqual(relativePathForKey("a/../b/x", "a/../b/"), { path: "x" });
  assert.deepEqual(relativePathForKey("//x", "//"), { path: "x" });
});

test("key path: name and path length limits count UTF-8 bytes", () => {
  const name255 = "a".repeat(MAX_SEGMENT_BYTES);
  assert.equal(pathOf(relativePathForKey(`p/${name255}`, "p/")), name255);
  assert.match(
    errorOf(relativePathForKey(`p/${name255}a`, "p/")),
    /is 256 bytes long, more than 255/,
  );
  // 85 three-byte characters: 255 bytes; 86: 258.
  assert.equal(pathOf(relativePathForKey(`p/${"日".repeat(85)}`, "p/")), "日".repeat(85));
  assert.match(errorOf(relativePathForKey(`p/${"日".repeat(86)}`, "p/")), /258 bytes/);
  // 63 four-byte emoji (two UTF-16 units each): 252 bytes; 64: 256.
  assert.ok("path" in relativePathForKey(`p/${"\u{1F600}".repeat(63)}`, "p/"));
  assert.match(errorOf(relativePathForKey(`p/${"\u{1F600}".repeat(64)}`, "p/")), /256 bytes/);
  // Whole path: 16 segments of 255 bytes plus 15 slashes = 4095; one more byte is fine, two not.
  const long = Array.from({ length: 16 }, () => name255).join("/");
  assert.equal(long.length, 4095);
  assert.ok("path" in relativePathForKey(`p/${long}a`.replace(/a$/, ""), "p/"));
  assert.ok("path" in relativePathForKey(`p/${long}/b`.slice(0, 2 + MAX_PATH_BYTES), "p/"));
  assert.match(
    errorOf(relativePathForKey(`p/${long}/bc`, "p/")),
    /its path is 4098 bytes long, more than 4096/,
  );
  // Long keys are shortened in messages.
  assert.ok(errorOf(relativePathForKey(`p/${long}/bc`, "p/")).length < 400);
});

test("key path: windowsNames refuses what Windows cannot hold", () => {
  const win = { windowsNames: true };
  for (const name of ["a:b", "a<b", "a>b", 'a"b', "a|b", "a?b", "a*b", "x.", "x ", "CON", "nul"]) {
    assert.ok("path" in relativePathForKey(`p/${name}`, "p/"), name);
    assert.ok("error" in relativePathForKey(`p/${name}`, "p/", win), name);
  }
  for (const name of ["com1.txt", "LPT9", "aux.tar.gz", "d/prn"]) {
    assert.match(errorOf(relativePathForKey(`p/${name}`, "p/", win)), /Windows device name/);
  }
  for (const name of ["console", "com10", "nul_", "a.b", "x/y z"]) {
    assert.deepEqual(relativePathForKey(`p/${name}`, "p/", win), { path: name }, name);
  }
});

/** A random key made of pieces chosen to hit every rule. */
function randomKey(r: () => number): string {
  const pieces = [
    "a",
    "b",
    "x.txt",
    "/",
    "/",
    "/",
    ".",
    "..",
    "\\",
    "\u0000",
    "\n",
    "\u0085",
    "é",
    "\u{1F600}",
    "\ud800",
    "~",
    ":",
    " ",
    "",
  ];
  let key = "";
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) key += pieces[Math.floor(r() * pieces.length)];
  if (r() < 0.01) key += "z".repeat(250 + Math.floor(r() * 10));
  return key;
}

test("key path: random keys never yield a path that escapes (property, 200,000 keys)", () => {
  const r = seededRandom(20240601);
  const prefixes = ["", "p/", "p", "p/q/", "a/.."];
  let paths = 0, skips = 0, errors = 0;
  for (let i = 0; i < 200_000; i++) {
    const prefix = prefixes[i % prefixes.length];
    const key = (r() < 0.9 ? prefix : "") + randomKey(r);
    const result = relativePathForKey(key, prefix);
    if ("error" in result) {
      errors++;
      assert.equal(typeof result.error, "string");
      continue;
    }
    const path = result.path;
    const cut = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    if ("skip" in result) {
      skips++;
      assert.ok(key.endsWith("/"));
      assert.equal(key, path === "" ? cut : `${cut}${path}/`, "the directory is the key's");
      if (path === "") continue;
    } else {
      paths++;
      assert.ok(path !== "", "a file path is never empty");
      assert.equal(key, cut + path, "the path is the key below the prefix: one key, one path");
    }
    const what = JSON.stringify({ key, prefix, path });
    assert.ok(!path.startsWith("/"), `absolute: ${what}`);
    assert.ok(!path.endsWith("/"), `trailing /: ${what}`);
    assert.ok(!path.includes("\\"), `backslash: ${what}`);
    assert.ok(!CONTROL.test(path), `control: ${what}`);
    for (const segment of path.split("/")) {
      assert.ok(segment !== "" && segment !== "." && segment !== "..", `segment: ${what}`);
      assert.ok(new TextEncoder().encode(segment).length <= MAX_SEGMENT_BYTES, `long: ${what}`);
    }
    // Resolving it below a directory stays below it.
    const resolved: string[] = ["root"];
    for (const segment of path.split("/")) {
      if (segment === "..") resolved.pop();
      else if (segment !== ".") resolved.push(segment);
    }
    assert.equal(resolved[0], "root");
    assert.ok(resolved.length >= 2);
  }
  // Every outcome was exercised.
  assert.ok(paths > 10_000 && skips > 1000 && errors > 10_000, `${paths} ${skips} ${errors}`);
});

test("path claims: a file that is also a directory, in either order", () => {
  const c = new PathClaims();
  assert.equal(c.claim("a/b/c.txt", "file"), null);
  assert.equal(c.claim("a/b/d.txt", "file"), null);
  assert.equal(c.claim("a/e", "file"), null);
  assert.equal(c.claim("a/b", "file"), 'the file "a/b" is also the directory of "a/b/c.txt"');
  assert.equal(c.claim("a", "file"), 'the file "a" is also the directory of "a/b/c.txt"');
  assert.equal(c.claim("a/e/f", "file"), 'the directory "a/e" of "a/e/f" is the file "a/e"');
  assert.equal(c.claim("a/e/f/g", "file"), 'the directory "a/e" of "a/e/f/g" is the file "a/e"');
  assert.equal(c.claim("a/e", "file"), 'the path "a/e" is claimed twice');
  // A refused claim claims nothing: "a/e/f" did not make "a/e/f" a directory.
  assert.equal(c.claim("a/e/f", "file"), 'the directory "a/e" of "a/e/f" is the file "a/e"');
  assert.equal(c.files, 3);
  assert.equal(c.directories, 2); // a, a/b

  // Names that share a beginning do not collide.
  const d = new PathClaims();
  for (const p of ["a", "a-b", "a.txt", "ab/c", "a!/x", "b/a", "b/a.d/x"]) {
    assert.equal(d.claim(p, "file"), null, p);
  }
});

test("path claims: directory markers fit with directories, not with files", () => {
  const c = new PathClaims();
  assert.equal(c.claim("", "dir"), null);
  assert.equal(c.claim("x", "dir"), null);
  assert.equal(c.claim("x", "dir"), null);
  assert.equal(c.claim("x/y.bin", "file"), null);
  assert.equal(c.claim("x/z", "dir"), null);
  assert.equal(c.claim("x/z/w", "dir"), null);
  assert.equal(c.claim("x/z/w", "file"), 'the file "x/z/w" is also the directory of "x/z/w"');
  assert.equal(c.claim("x/y.bin", "dir"), 'the directory "x/y.bin" is also the file "x/y.bin"');
  assert.equal(
    c.claim("x/y.bin/q", "dir"),
    'the directory "x/y.bin" of "x/y.bin/q" is the file "x/y.bin"',
  );
  assert.equal(c.claim("x", "file"), 'the file "x" is also the directory of "x"');
  assert.equal(c.files, 1);
  assert.equal(c.directories, 3);
});

test("path claims: case and normalization folding, when asked", () => {
  const sensitive = new PathClaims();
  assert.equal(sensitive.claim("Readme.md", "file"), null);
  assert.equal(sensitive.claim("README.md", "file"), null);
  assert.equal(sensitive.claim("Dir/a", "file"), null);
  assert.equal(sensitive.claim("dir", "file"), null);

  const ci = new PathClaims({ caseInsensitive: true });
  assert.equal(ci.claim("Readme.md", "file"), null);
  assert.match(ci.claim("README.md", "file")!, /"README.md" is the same file as "Readme.md"/);
  assert.equal(ci.claim("Dir/a", "file"), null);
  assert.equal(ci.claim("DIR/b", "file"), null, "one directory, spelled two ways: no collision");
  assert.match(ci.claim("dir", "file")!, /the file "dir" is also the directory of "Dir\/a"/);
  assert.match(ci.claim("readme.md/x", "file")!, /the directory "readme.md" .* is the file/);
  assert.equal(ci.claim("Straße", "file"), null);
  assert.ok(ci.claim("STRASSE", "file") !== null, "broader folding: a false alarm, never a miss");
  assert.equal(ci.claim("É.txt", "file"), null);
  assert.ok(ci.claim("é.txt", "file") !== null);

  const nfcComposed = "caf\u00e9", nfdDecomposed = "cafe\u0301";
  const ni = new PathClaims({ normalizationInsensitive: true });
  assert.equal(ni.claim(nfcComposed, "file"), null);
  assert.match(ni.claim(nfdDecomposed, "file")!, /same file as/);
  assert.equal(ni.claim("CAFÉ", "file"), null, "case still matters");
  const plain = new PathClaims();
  assert.equal(plain.claim(nfcComposed, "file"), null);
  assert.equal(plain.claim(nfdDecomposed, "file"), null);
});

test("path claims: bad arguments are TypeErrors", () => {
  const c = new PathClaims();
  assert.throws(() => c.claim("", "file"), TypeError);
  assert.throws(() => c.claim("/a", "file"), TypeError);
  assert.throws(() => c.claim("a/", "dir"), TypeError);
  assert.throws(() => c.claim("a", "link" as "file"), TypeError);
});

test("path claims: random keys in random order, checked against a brute-force model", () => {
  const r = seededRandom(7);
  const names = ["a", "b", "A", "c.txt"];
  for (let round = 0; round < 300; round++) {
    const ci = round % 2 === 1;
    const c = new PathClaims({ caseInsensitive: ci });
    const fold = (p: string) => (ci ? p.toLowerCase() : p);
    const files: string[] = [];
    const dirs: string[] = [];
    for (let i = 0; i < 20; i++) {
      const depth = 1 + Math.floor(r() * 3);
      const path = Array.from({ length: depth }, () => names[Math.floor(r() * 4)]).join("/");
      const kind = r() < 0.8 ? "file" : "dir";
      const f = fold(path);
      const ancestors = (p: string) =>
        p.split("/").slice(0, -1).map((_, j, all) => all.slice(0, j + 1).join("/"));
      const allDirs = new Set([...dirs, ...[...files, ...dirs].flatMap(ancestors)]);
      const collides = kind === "file"
        ? files.includes(f) || allDirs.has(f) || ancestors(f).some((a) => files.includes(a))
        : files.includes(f) || ancestors(f).some((a) => files.includes(a));
      const got = c.claim(path, kind);
      assert.equal(got !== null, collides, `round ${round}: ${kind} ${path}: ${got}`);
      if (!collides) (kind === "file" ? files : dirs).push(f);
    }
  }
});

test("path claims: a million paths fit (memory is one entry per path and per directory)", () => {
  const c = new PathClaims();
  for (let i = 0; i < 1_000_000; i++) {
    const result = c.claim(`logs/${i % 1000}/${i}.json`, "file");
    if (result !== null) assert.fail(result);
  }
  assert.equal(c.files, 1_000_000);
  assert.equal(c.directories, 1001);
});
