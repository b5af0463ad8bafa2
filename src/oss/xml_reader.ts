/**
 * A small, strict XML reader for the answers OSS sends (no dependency): elements, attributes,
 * character data, CDATA, comments and processing instructions; the five predefined entities and
 * character references (`&#NN;`, `&#xNN;`). Anything else is refused with a `SyntaxError`: a
 * DOCTYPE (so no entity expansion), an unknown entity, a stray `&` or `<`, mismatched or unclosed
 * tags, characters XML does not allow, content after the root element.
 *
 * Character references may name any code point but U+0000, surrogates and U+FFFE/U+FFFF (as
 * XML 1.1 allows), so a key with control characters survives a round trip. Line ends in character
 * data are normalized to `\n` as XML requires (a `\r` must be sent as `&#13;`).
 *
 * @module
 */

/** One element of a parsed document. */
export interface XmlElement {
  /** The tag name as written (prefix included). */
  readonly name: string;
  /** Attribute values by name, entities decoded. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements, in document order. */
  readonly children: readonly XmlElement[];
  /** The element's own character data (text and CDATA between its children), decoded. */
  readonly text: string;
}

interface Building {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  parts: string[];
}

const MAX_DEPTH = 256;
const NAME_RE = /[A-Za-z_:\u00C0-\uFFFD][-.0-9A-Za-z_:\u00B7\u00C0-\uFFFD]*/y;
// deno-lint-ignore no-control-regex
const BAD_CHAR_RE = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PREDEFINED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function fail(message: string, at: number): never {
  throw new SyntaxError(`malformed XML: ${message} at offset ${at}`);
}

function charReference(ref: string, at: number): string {
  const hex = ref.startsWith("#x");
  const digits = ref.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
    fail(`bad character reference &${ref};`, at);
  }
  const code = parseInt(digits, hex ? 16 : 10);
  if (
    code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe ||
    code === 0xffff
  ) {
    fail(`character reference &${ref}; names no allowed character`, at);
  }
  return String.fromCodePoint(code);
}

/**
 * Decodes raw character data: checks the characters, normalizes line ends, resolves entities.
 *
 * @param raw the text as it appears in the document
 * @param at its offset, for messages
 * @param attribute attribute-value rules (`<` refused, whitespace becomes spaces)
 */
function decodeCharacterData(raw: string, at: number, attribute: boolean): string {
  if (BAD_CHAR_RE.test(raw) || LONE_SURROGATE_RE.test(raw)) {
    fail("a character XML does not allow", at);
  }
  let text = raw.replace(/\r\n?/g, "\n");
  if (attribute) {
    if (text.includes("<")) fail("'<' in an attribute value", at);
    text = text.replace(/[\t\n]/g, " ");
  } else if (text.includes("]]>")) {
    fail("']]>' in character data", at);
  }
  let amp = text.indexOf("&");
  if (amp < 0) return text;
  let out = "";
  let from = 0;
  while (amp >= 0) {
    const semi = text.indexOf(";", amp);
    if (semi < 0) fail("'&' that starts no entity", at);
    const ref = text.slice(amp + 1, semi);
    let value: string | undefined;
    if (ref.startsWith("#")) value = charReference(ref, at);
    else value = Object.hasOwn(PREDEFINED, ref) ? PREDEFINED[ref] : undefined;
    if (value === undefined) fail(`unknown entity &${ref.slice(0, 20)};`, at);
    out += text.slice(from, amp) + value;
    from = semi + 1;
    amp = text.indexOf("&", from);
  }
  return out + text.slice(from);
}

class Reader {
  readonly #src: string;
  #pos = 0;

  constructor(source: string) {
    this.#src = source;
  }

  document(): XmlElement {
    const src = this.#src;
    if (src.charCodeAt(0) === 0xfeff) this.#pos = 1;
    if (/^<\?xml[\s?]/.test(src.slice(this.#pos, this.#pos + 6))) {
      const end = src.indexOf("?>", this.#pos);
      if (end < 0) fail("unterminated XML declaration", this.#pos);
      this.#pos = end + 2;
    }
    this.#misc();
    if (src[this.#pos] !== "<") fail("no root element", this.#pos);
    const root = this.#elements();
    this.#misc();
    if (this.#pos !== src.length) fail("content after the root element", this.#pos);
    return root;
  }

  /** Whitespace, comments and processing instructions outside the root element. */
  #misc(): void {
    const src = this.#src;
    while (this.#pos < src.length) {
      const c = src[this.#pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.#pos++;
      else if (src.startsWith("<!--", this.#pos)) this.#comment();
      else if (src.startsWith("<?", this.#pos)) this.#instruction();
      else if (src.startsWith("<!", this.#pos)) {
        fail("DOCTYPE and declarations are not allowed", this.#pos);
      } else return;
    }
  }

  #comment(): void {
    const start = this.#pos;
    const end = this.#src.indexOf("-->", start + 4);
    if (end < 0) fail("unterminated comment", start);
    if (this.#src.slice(start + 4, end).includes("--")) fail("'--' inside a comment", start);
    this.#pos = end + 3;
  }

  #instruction(): void {
    const start = this.#pos;
    this.#pos += 2;
    const target = this.#name();
    if (target.toLowerCase() === "xml") fail("misplaced XML declaration", start);
    const end = this.#src.indexOf("?>", this.#pos);
    if (end < 0) fail("unterminated processing instruction", start);
    this.#pos = end + 2;
  }

  #name(): string {
    NAME_RE.lastIndex = this.#pos;
    const m = NAME_RE.exec(this.#src);
    if (!m) fail("a name was expected", this.#pos);
    this.#pos += m[0].length;
    return m[0];
  }

  #whitespace(): boolean {
    const start = this.#pos;
    while (/[ \t\r\n]/.test(this.#src[this.#pos] ?? "")) this.#pos++;
    return this.#pos > start;
  }

  /** A start tag at `#pos` (on `<`); returns the element and whether it closed itself. */
  #startTag(): { element: Building; empty: boolean } {
    const src = this.#src;
    this.#pos++;
    const element: Building = { name: this.#name(), attributes: {}, children: [], parts: [] };
    while (true) {
      const spaced = this.#whitespace();
      if (src[this.#pos] === ">") {
        this.#pos++;
        return { element, empty: false };
      }
      if (src.startsWith("/>", this.#pos)) {
        this.#pos += 2;
        return { element, empty: true };
      }
      if (this.#pos >= src.length) fail(`unterminated start tag <${element.name}>`, this.#pos);
      if (!spaced) fail("whitespace expected between attributes", this.#pos);
      const at = this.#pos;
      const name = this.#name();
      this.#whitespace();
      if (src[this.#pos] !== "=") fail(`'=' expected after attribute ${name}`, this.#pos);
      this.#pos++;
      this.#whitespace();
      const quote = src[this.#pos];
      if (quote !== '"' && quote !== "'") fail("a quoted attribute value was expected", this.#pos);
      const end = src.indexOf(quote, this.#pos + 1);
      if (end < 0) fail("unterminated attribute value", this.#pos);
      if (Object.hasOwn(element.attributes, name)) fail(`duplicate attribute ${name}`, at);
      element.attributes[name] = decodeCharacterData(src.slice(this.#pos + 1, end), at, true);
      this.#pos = end + 1;
    }
  }

  /** The root element and everything inside it, without recursion. */
  #elements(): XmlElement {
    const src = this.#src;
    const first = this.#startTag();
    const finish = (b: Building): XmlElement => ({
      name: b.name,
      attributes: b.attributes,
      children: b.children,
      text: b.parts.join(""),
    });
    if (first.empty) return finish(first.element);
    const stack: Building[] = [first.element];
    while (true) {
      const top = stack[stack.length - 1];
      const lt = src.indexOf("<", this.#pos);
      if (lt < 0) fail(`unclosed element <${top.name}>`, src.length);
      if (lt > this.#pos) {
        top.parts.push(decodeCharacterData(src.slice(this.#pos, lt), this.#pos, false));
      }
      this.#pos = lt;
      if (src.startsWith("</", lt)) {
        this.#pos += 2;
        const name = this.#name();
        this.#whitespace();
        if (src[this.#pos] !== ">") fail(`'>' expected to end </${name}`, this.#pos);
        this.#pos++;
        if (name !== top.name) fail(`</${name}> closes <${top.name}>`, lt);
        stack.pop();
        const done = finish(top);
        if (stack.length === 0) return done;
        stack[stack.length - 1].children.push(done);
      } else if (src.startsWith("<!--", lt)) {
        this.#comment();
      } else if (src.startsWith("<![CDATA[", lt)) {
        const end = src.indexOf("]]>", lt + 9);
        if (end < 0) fail("unterminated CDATA section", lt);
        const raw = src.slice(lt + 9, end);
        if (BAD_CHAR_RE.test(raw) || LONE_SURROGATE_RE.test(raw)) {
          fail("a character XML does not allow", lt);
        }
        top.parts.push(raw.replace(/\r\n?/g, "\n"));
        this.#pos = end + 3;
      } else if (src.startsWith("<?", lt)) {
        this.#instruction();
      } else if (src.startsWith("<!", lt)) {
        fail("a declaration inside an element", lt);
      } else {
        const { element, empty } = this.#startTag();
        if (empty) top.children.push(finish(element));
        else {
          if (stack.length >= MAX_DEPTH) fail("elements nested too deeply", lt);
          stack.push(element);
        }
      }
    }
  }
}

/**
 * Parses a whole XML document and returns its root element.
 *
 * @param source the document text (a leading BOM is allowed)
 * @returns the root element
 * @throws {SyntaxError} when the text is not well-formed (see the module notes)
 *
 * @example
 * ```ts
 * import { parseXml } from "./xml_reader.ts";
 * const root = parseXml("<?xml version='1.0'?><R><Key>a &amp; b&#x2F;c</Key></R>");
 * root.children[0].text; // "a & b/c"
 * ```
 */
export function parseXml(source: string): XmlElement {
  return new Reader(source).document();
}

/**
 * The children of `parent` named `name`, in document order.
 *
 * @example
 * ```ts
 * import { childElements, parseXml } from "./xml_reader.ts";
 * childElements(parseXml("<R><C/><D/><C/></R>"), "C").length; // 2
 * ```
 */
export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}

/**
 * The only child of `parent` named `name`, or `undefined` when there is none.
 *
 * @throws {SyntaxError} when there are several
 *
 * @example
 * ```ts
 * import { childElement, parseXml } from "./xml_reader.ts";
 * childElement(parseXml("<R><Size>3</Size></R>"), "Size")?.text; // "3"
 * ```
 */
export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  let found: XmlElement | undefined;
  for (const c of parent.children) {
    if (c.name !== name) continue;
    if (found) {
      throw new SyntaxError(`malformed answer: more than one <${name}> in <${parent.name}>`);
    }
    found = c;
  }
  return found;
}
