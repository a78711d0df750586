// The REST API's filter grammar (crates/kith-core/src/filter.rs), read and written the way the
// server does, so the web app can turn a filter from the address back into chips:
//
//   filter     := expr ("," expr)*                  top-level commas mean and
//   expr       := ("and" | "or" | "not") "(" expr ("," expr)* ")" | comparison
//   comparison := path "[" op "]" ":" value          path is field or field.part
//   value      := "\"" chars "\"" | "[" value ("," value)* "]" | bare

export type Scalar = { quoted: boolean; text: string };
export type Value = Scalar | Scalar[];

export type Node =
  | { kind: "and" | "or"; parts: Node[] }
  | { kind: "not"; part: Node }
  | { kind: "compare"; path: string; op: string; value: Value };

export const OPS = [
  "eq", "neq", "in", "containsAny", "is", "gt", "gte", "lt", "lte", "startsWith", "endsWith", "like", "ilike",
] as const;

/** The server refuses deeper nesting; so do we, rather than recurse without end. */
const MAX_DEPTH = 32;

export const quoted = (text: string): Scalar => ({ quoted: true, text });
export const bare = (text: string): Scalar => ({ quoted: false, text });
export const compare = (path: string, op: string, value: Value): Node => ({ kind: "compare", path, op, value });
export const and = (...parts: Node[]): Node => ({ kind: "and", parts });
export const or = (...parts: Node[]): Node => ({ kind: "or", parts });
export const not = (part: Node): Node => ({ kind: "not", part });

export function render(node: Node): string {
  switch (node.kind) {
    case "and":
    case "or":
      return `${node.kind}(${node.parts.map(render).join(",")})`;
    case "not":
      return `not(${render(node.part)})`;
    case "compare":
      return `${node.path}[${node.op}]:${renderValue(node.value)}`;
  }
}

function renderValue(value: Value): string {
  if (Array.isArray(value)) return `[${value.map(renderScalar).join(",")}]`;
  return renderScalar(value);
}

function renderScalar(value: Scalar): string {
  if (!value.quoted) return value.text;
  return `"${value.text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Parses a whole filter; null for text the server would refuse. */
export function parse(text: string): Node | null {
  try {
    const reader = new Reader(text);
    const parts = [reader.expr(0)];
    while (reader.eat(",")) parts.push(reader.expr(0));
    reader.skipSpaces();
    if (!reader.atEnd()) return null;
    return parts.length === 1 ? (parts[0] as Node) : and(...parts);
  } catch (error) {
    if (error instanceof Unreadable) return null;
    throw error;
  }
}

class Unreadable extends Error {}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private rest(): string {
    return this.text.slice(this.pos);
  }

  skipSpaces(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos += 1;
  }

  eat(c: string): boolean {
    this.skipSpaces();
    if (this.text[this.pos] !== c) return false;
    this.pos += 1;
    return true;
  }

  private expect(c: string): void {
    if (!this.eat(c)) throw new Unreadable(`expected ${c} at ${this.pos}`);
  }

  private ident(): string {
    this.skipSpaces();
    const name = /^[A-Za-z0-9_]*/.exec(this.rest())?.[0] ?? "";
    this.pos += name.length;
    return name;
  }

  expr(depth: number): Node {
    if (depth > MAX_DEPTH) throw new Unreadable("too deep");
    const name = this.ident();
    if (!name) throw new Unreadable(`expected a name at ${this.pos}`);
    this.skipSpaces();
    if ((name === "and" || name === "or" || name === "not") && this.text[this.pos] === "(") {
      return this.group(name, depth);
    }
    return this.comparison(name);
  }

  private group(name: "and" | "or" | "not", depth: number): Node {
    this.expect("(");
    const parts = [this.expr(depth + 1)];
    while (this.eat(",")) parts.push(this.expr(depth + 1));
    this.expect(")");
    if (name !== "not") return { kind: name, parts };
    if (parts.length !== 1) throw new Unreadable("not( takes one condition");
    return not(parts[0] as Node);
  }

  private comparison(field: string): Node {
    let path = field;
    if (this.eat(".")) {
      const part = this.ident();
      if (!part) throw new Unreadable("expected a part");
      path = `${field}.${part}`;
    }
    this.expect("[");
    const op = this.ident();
    if (!(OPS as readonly string[]).includes(op)) throw new Unreadable(`unknown operator ${op}`);
    this.expect("]");
    this.expect(":");
    return compare(path, op, this.value());
  }

  private value(): Value {
    this.skipSpaces();
    if (this.text[this.pos] !== "[") return this.scalar();
    this.pos += 1;
    const items = [this.scalar()];
    while (this.eat(",")) items.push(this.scalar());
    this.expect("]");
    return items;
  }

  private scalar(): Scalar {
    this.skipSpaces();
    if (this.text[this.pos] === '"') return this.quotedText();
    const word = /^[^,)\]([\"]*/.exec(this.rest())?.[0] ?? "";
    const text = word.trimEnd();
    if (!text) throw new Unreadable(`expected a value at ${this.pos}`);
    this.pos += word.length;
    return bare(text);
  }

  private quotedText(): Scalar {
    let text = "";
    for (let i = this.pos + 1; i < this.text.length; i += 1) {
      const c = this.text[i] as string;
      if (c === '"') {
        this.pos = i + 1;
        return quoted(text);
      }
      if (c === "\\") {
        const escaped = this.text[i + 1];
        if (escaped !== '"' && escaped !== "\\") throw new Unreadable("only \\\" and \\\\ are escapes");
        text += escaped;
        i += 1;
      } else {
        text += c;
      }
    }
    throw new Unreadable("a quoted value is never closed");
  }
}
