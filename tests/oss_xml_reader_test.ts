import { test } from "node:test";
import assert from "node:assert/strict";
import { childElement, childElements, parseXml } from "../src/oss/xml_reader.ts";

test("xml: elements, attributes, text, CDATA, comments and instructions", () => {
  const root = parseXml(
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n' +
      `<R xmlns="http://x/" a='1 &amp; 2'>\n  <K>a b</K><?pi x?><!-- in -->` +
      "<E/><K><![CDATA[<raw> & ]]></K>tail</R>\n<!-- after -->\n",
  );
  assert.equal(root.name, "R");
  assert.deepEqual(root.attributes, { xmlns: "http://x/", a: "1 & 2" });
  assert.deepEqual(childElements(root, "K").map((k) => k.text), ["a b", "<raw> & "]);
  assert.equal(childElement(root, "E")?.text, "");
  assert.equal(childElement(root, "Missing"), undefined);
  assert.equal(root.text, "\n  tail");
  assert.throws(() => childElement(root, "K"), SyntaxError);
});

test("xml: the predefined entities and character references", () => {
  const root = parseXml(
    "<K>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;&#1;&#13;&#10;\t\r\nx\ry</K>",
  );
  assert.equal(root.text, "&<>\"'AB\u{1F600}\x01\r\n\t\nx\ny");
});

test("xml: keys of every kind survive as text", () => {
  for (const key of ["a b+c", "100%", "x&y<z>", "é/日本/\u{1F600}", " lead and trail ", "q\"'"]) {
    const escaped = key.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    assert.equal(parseXml(`<K>${escaped}</K>`).text, key);
  }
});

test("xml: malformed documents are refused with SyntaxError", () => {
  const bad = [
    "",
    "text",
    "<A>",
    "<A></B>",
    "<A><B></A></B>",
    "<A>x</A><B/>",
    "<A>x</A>junk",
    "<A>&unknown;</A>",
    "<A>a & b</A>",
    "<A>&#0;</A>",
    "<A>&#xD800;</A>",
    "<A>&#x110000;</A>",
    "<A>&#xZZ;</A>",
    "<A>\x01</A>",
    "<A>]]></A>",
    "<!DOCTYPE A [<!ENTITY x 'y'>]><A>&x;</A>",
    "<A><!ENTITY x 'y'></A>",
    "<A b=1/>",
    "<A b='1' b='2'/>",
    "<A b='<'/>",
    "<A b='1'c='2'/>",
    "<A><!-- x -- y --></A>",
    "<A><![CDATA[x</A>",
    "<A/><?xml version='1.0'?>",
    "<1A/>",
    "<A",
  ];
  for (const xml of bad) {
    assert.throws(() => parseXml(xml), SyntaxError, JSON.stringify(xml));
  }
});

test("xml: deep nesting is refused, a long flat document is fine", () => {
  assert.throws(() => parseXml("<a>".repeat(300) + "</a>".repeat(300)), SyntaxError);
  const many = "<R>" + "<C><K>k</K><S>1</S></C>".repeat(20000) + "</R>";
  assert.equal(parseXml(many).children.length, 20000);
});
