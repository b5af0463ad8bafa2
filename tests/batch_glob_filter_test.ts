import { test } from "node:test";
import assert from "node:assert/strict";
import { compileFilters, globToRegExp } from "../src/batch/glob_filter.ts";
import { seededRandom } from "../src/seeded_random.ts";

function check(glob: string, yes: string[], no: string[]): void {
  const re = globToRegExp(glob);
  for (const p of yes) assert.ok(re.test(p), `${glob} should match ${p} (${re})`);
  for (const p of no) assert.ok(!re.test(p), `${glob} should not match ${p} (${re})`);
}

test("glob: * stays within a segment and matches the whole path", () => {
  check("*", ["a", "a.txt", ".hidden", "*"], ["a/b", "/"]);
  check("*.txt", ["a.txt", ".txt", "x.y.txt"], ["a/b.txt", "a.txt.gz", "a.TXT", "xtxt"]);
  check("a*", ["a", "ab", "a.txt"], ["ba", "a/b"]);
  check("a/*", ["a/b", "a/b.c"], ["a", "a/b/c", "b/a/c", "ab/c"]);
  check("*/b", ["a/b", "xyz/b"], ["b", "a/c/b"]);
  check("a*b*c", ["abc", "aXbYc", "abbc"], ["ab", "a/bc", "ab/c"]);
  check("logs/2024-*.json", ["logs/2024-01.json"], ["logs/2024-01.json.gz", "x/logs/2024-1.json"]);
  // Matching is on the whole path, never a substring.
  check("b", ["b"], ["ab", "ba", "a/b", "b/c"]);
});

test("glob: ** as a whole segment matches zero or more segments", () => {
  check("**", ["a", "a/b", "a/b/c.txt", ".x/y"], []);
  check("**/x", ["x", "a/x", "a/b/x"], ["ax", "a/xb", "x/a"]);
  check("**/*.txt", ["a.txt", "d/a.txt", "d/e/a.txt"], ["a.txt/b", "a.bin"]);
  check("a/**", ["a/b", "a/b/c"], ["a", "b/a/c", "ab/c"]);
  check("a/**/b", ["a/b", "a/x/b", "a/x/y/b"], ["a/xb", "ab", "b", "a/b/c"]);
  check("**/logs/**", ["logs/a", "x/logs/a/b"], ["logs", "xlogs/a", "a/logsx/b"]);
  check("a/**/**/b", ["a/b", "a/x/b", "a/x/y/b"], ["a/c"]);
  // Not a whole segment: a plain *.
  check("a**b", ["ab", "aXb"], ["a/b", "aX/Yb"]);
  check("**.txt", ["a.txt"], ["d/a.txt"]);
  check("x/a**", ["x/a", "x/abc"], ["x/a/b"]);
});

test("glob: ? is one character within a segment", () => {
  check("?", ["a", "é", "\u{1F600}"], ["", "ab", "/"]);
  check("a?c", ["abc", "a.c"], ["ac", "abbc", "a/c"]);
  check("??.bin", ["ab.bin"], ["a.bin", "abc.bin"]);
  check("\u{1F600}?", ["\u{1F600}x", "\u{1F600}\u{1F601}"], ["\u{1F600}"]);
});

test("glob: character classes", () => {
  check("[abc].txt", ["a.txt", "c.txt"], ["d.txt", "ab.txt", "/.txt"]);
  check("[a-c]", ["a", "b", "c"], ["d", "A", "-"]);
  check("[!a-c]", ["d", "A", "-", "é"], ["a", "b", "/", ""]);
  check("[^a-c]", ["d"], ["a"]);
  check("[]]", ["]"], ["a"]);
  check("[]a]", ["]", "a"], ["b"]);
  check("[!]]", ["a"], ["]"]);
  check("[a-]", ["a", "-"], ["b"]);
  check("[-a]", ["a", "-"], ["b"]);
  check("[\\]x]", ["]", "x"], ["\\"]);
  check("[\\-a]", ["-", "a"], ["b"]);
  check("[.*?]", [".", "*", "?"], ["a"]);
  check("[/]", [], ["/", "a"]);
  check("a[/]b", [], ["a/b"]);
  check("[!x]", [], ["/"]);
  check("[é-ë]", ["é", "ê", "ë"], ["e", "ì"]);
  check("[\u{1F600}-\u{1F64F}]", ["\u{1F601}"], ["\u{1F650}", "a"]);
  check("[[]", ["["], ["]"]);
  check("[a^]", ["a", "^"], ["b"]);
  check("img[0-9][0-9].png", ["img07.png"], ["img7.png", "imgab.png"]);
});

test("glob: escapes and characters that mean something in a RegExp", () => {
  check("\\*", ["*"], ["a"]);
  check("a\\?", ["a?"], ["ab"]);
  check("\\[a]", ["[a]"], ["a"]);
  check("a.b", ["a.b"], ["axb"]);
  check("a+b(c)|{d}$^", ["a+b(c)|{d}$^"], ["aab(c)|{d}$^"]);
  check("a\\b", ["ab"], ["a\\b"]);
  check("é/日本/\u{1F600}.txt", ["é/日本/\u{1F600}.txt"], ["e/日本/\u{1F600}.txt"]);
});

test("glob: bad patterns are TypeErrors naming the pattern", () => {
  for (
    const [glob, why] of [
      ["[abc", /"\[abc": a \[ is not closed by \]/],
      ["a[", /not closed/],
      ["[]", /not closed/],
      ["[!]", /not closed/],
      ["[a\\", /not closed/],
      ["[a-\\", /not closed/],
      ["x\\", /ends with an escaping \\/],
      ["[z-a]", /the range z-a is reversed/],
      ["", /empty glob pattern/],
    ] as Array<[string, RegExp]>
  ) {
    assert.throws(() => globToRegExp(glob), (e) => e instanceof TypeError && why.test(e.message));
    assert.throws(() => compileFilters([{ include: glob }]), TypeError);
  }
});

test("filters: the last matching rule decides, and no match means included", () => {
  assert.equal(compileFilters([])("a/b"), true);
  // Only includes: nothing is excluded (aws s3 cp semantics).
  const onlyInclude = compileFilters([{ include: "*.txt" }]);
  assert.equal(onlyInclude("a.txt"), true);
  assert.equal(onlyInclude("a.bin"), true);
  // Exclude everything, then include: only those.
  const onlyText = compileFilters([{ exclude: "**" }, { include: "**/*.txt" }]);
  assert.equal(onlyText("a.txt"), true);
  assert.equal(onlyText("d/e/a.txt"), true);
  assert.equal(onlyText("a.bin"), false);
  assert.equal(onlyText("d/a.bin"), false);
  // The order matters: an include before the exclude is overridden.
  const reversed = compileFilters([{ include: "**/*.txt" }, { exclude: "**" }]);
  assert.equal(reversed("a.txt"), false);
  // Later rules refine earlier ones.
  const refined = compileFilters([
    { exclude: "**" },
    { include: "logs/**" },
    { exclude: "logs/tmp/**" },
    { include: "logs/tmp/keep.txt" },
  ]);
  assert.equal(refined("logs/a"), true);
  assert.equal(refined("logs/tmp/a"), false);
  assert.equal(refined("logs/tmp/keep.txt"), true);
  assert.equal(refined("other"), false);
  // The lead's case: everything out, one directory back in.
  const sub = compileFilters([{ exclude: "*" }, { include: "sub/**" }]);
  assert.equal(sub("a.bin"), false);
  assert.equal(sub("sub/b.bin"), true);
  assert.equal(sub("sub/x/c.bin"), true);
  assert.equal(sub("other/sub/c.bin"), false);
});

test("filters: by default a slash-less pattern matches file names at any depth (the aws idiom)", () => {
  const idiom = compileFilters([{ exclude: "*" }, { include: "*.txt" }]);
  assert.equal(idiom("a.txt"), true);
  assert.equal(idiom("d/e/a.txt"), true);
  assert.equal(idiom("a.bin"), false);
  assert.equal(idiom("d/a.bin"), false);
  assert.equal(idiom("d.txt/a.bin"), false, "the file name, not a directory's");
  // Patterns with a slash still match the whole path.
  const withSlash = compileFilters([{ exclude: "logs/*" }]);
  assert.equal(withSlash("logs/a"), false);
  assert.equal(withSlash("x/logs/a"), true);
  assert.equal(withSlash("logs/a/b"), true, "* does not cross /");
  const exact = compileFilters([{ exclude: "b" }]);
  assert.equal(exact("b"), false);
  assert.equal(exact("a/b"), false);
  assert.equal(exact("ab"), true);
  assert.equal(exact("b/c"), true, "a file name, not a directory");
  // A leading / anchors at the top.
  const top = compileFilters([{ exclude: "/*.log" }, { exclude: "/README" }]);
  assert.equal(top("a.log"), false);
  assert.equal(top("d/a.log"), true);
  assert.equal(top("README"), false);
  assert.equal(top("d/README"), true);
  assert.equal(compileFilters([{ exclude: "/d/*.log" }])("d/a.log"), false);
});

test("filters: matchBase false matches every pattern against the whole path", () => {
  const strict = { matchBase: false };
  const idiom = compileFilters([{ exclude: "*" }, { include: "*.txt" }], strict);
  assert.equal(idiom("a.txt"), true);
  assert.equal(idiom("a.bin"), false);
  assert.equal(idiom("d/a.bin"), true, "* does not cross /: nested files match no rule");
  assert.equal(idiom("d/a.txt"), true);
  const exact = compileFilters([{ exclude: "b" }], strict);
  assert.equal(exact("b"), false);
  assert.equal(exact("a/b"), true);
  assert.equal(compileFilters([{ exclude: "/b" }], strict)("b"), false, "leading / dropped");
});

test("filters: malformed rules are TypeErrors", () => {
  assert.throws(() => compileFilters([{}]), /rule 1 must have exactly one of include and exclude/);
  assert.throws(
    () => compileFilters([{ include: "a" }, { include: "a", exclude: "b" }]),
    /rule 2 must have exactly one/,
  );
  assert.throws(() => compileFilters([{ include: 5 as unknown as string }]), TypeError);
  assert.throws(() => compileFilters([{ include: "/" }]), /rule 1: the pattern is empty/);
  assert.throws(() => compileFilters([{ include: "" }]), /the pattern is empty/);
});

test("filters: a compiled predicate is fast on many paths", () => {
  const wanted = compileFilters([
    { exclude: "**" },
    { include: "**/*.parquet" },
    { exclude: "**/_tmp/**" },
  ]);
  let kept = 0;
  const started = performance.now();
  for (let i = 0; i < 200_000; i++) {
    if (wanted(`year=${i % 7}/month=${i % 12}/${i % 3 ? "" : "_tmp/"}part-${i}.parquet`)) kept++;
  }
  assert.equal(kept, 133_333);
  assert.ok(performance.now() - started < 5000);
});

test("glob: any pattern compiles or is a TypeError, never a RegExp SyntaxError (property)", () => {
  const r = seededRandom(11);
  const alphabet = [
    "*",
    "**",
    "?",
    "[",
    "]",
    "!",
    "^",
    "-",
    "\\",
    "/",
    "a",
    "z",
    ".",
    "(",
    "{",
    "|",
    "$",
    "é",
    "\u{1F600}",
  ];
  let compiled = 0;
  for (let i = 0; i < 20_000; i++) {
    let glob = "";
    const n = 1 + Math.floor(r() * 8);
    for (let j = 0; j < n; j++) glob += alphabet[Math.floor(r() * alphabet.length)];
    let re: RegExp;
    try {
      re = globToRegExp(glob);
    } catch (e) {
      assert.ok(e instanceof TypeError, `${JSON.stringify(glob)}: ${e}`);
      continue;
    }
    compiled++;
    // A pattern without special characters matches exactly itself.
    if (!/[*?[\\]/.test(glob)) assert.ok(re.test(glob), glob);
    // Nothing but ** (whole segment) can match across a / that the pattern does not have.
    if (!glob.includes("/") && !glob.includes("**") && !glob.includes("\\")) {
      assert.ok(!re.test("a/z"), `${glob} matched a/z`);
    }
  }
  assert.ok(compiled > 5000, `${compiled}`);
});
