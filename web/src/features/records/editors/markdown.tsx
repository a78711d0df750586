// A small Markdown renderer for notes and task bodies. It builds React elements, never HTML
// strings: whatever a note holds (`<script>`, `<img onerror>`) comes out as text, because React
// escapes text. Links are kept only for http, https and mailto; anything else stays as written.

import { Fragment, type ReactNode } from "react";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The address of a link when it is one we let a person click, else undefined. */
export function safeHref(href: string): string | undefined {
  try {
    const url = new URL(href.trim());
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined; // relative or malformed: not a link
  }
}

type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "code"; text: string }
  | { kind: "list"; ordered: boolean; start: number; items: string[] }
  | { kind: "paragraph"; text: string };

const HEADING = /^(#{1,3})\s+(.*)$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const FENCE = /^\s*```/;

/** Splits the text into blocks, line by line. */
export function blocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (FENCE.test(line)) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !FENCE.test(lines[i] ?? "")) body.push(lines[i++] ?? "");
      i += 1; // the closing fence (or the end of an unclosed block)
      out.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push({ kind: "heading", level: (heading[1] ?? "#").length as 1 | 2 | 3, text: heading[2] ?? "" });
      i += 1;
      continue;
    }
    const list = listAt(lines, i);
    if (list) {
      out.push(list.block);
      i = list.next;
      continue;
    }
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const text: string[] = [];
    while (i < lines.length && startsParagraphLine(lines[i] ?? "")) text.push((lines[i++] ?? "").trim());
    out.push({ kind: "paragraph", text: text.join(" ") });
  }
  return out;
}

function startsParagraphLine(line: string): boolean {
  return Boolean(line.trim()) && !FENCE.test(line) && !HEADING.test(line) && !BULLET.test(line) && !NUMBERED.test(line);
}

/** A run of list items of one kind starting at line `i`. */
function listAt(lines: string[], i: number): { block: Block; next: number } | undefined {
  const first = lines[i] ?? "";
  const numbered = NUMBERED.exec(first);
  const pattern = numbered ? NUMBERED : BULLET.test(first) ? BULLET : undefined;
  if (!pattern) return undefined;
  const items: string[] = [];
  let next = i;
  for (let match = pattern.exec(lines[next] ?? ""); match; match = pattern.exec(lines[next] ?? "")) {
    items.push(match[match.length - 1] ?? "");
    next += 1;
  }
  const start = numbered ? Number(numbered[1]) : 1;
  return { block: { kind: "list", ordered: Boolean(numbered), start, items }, next };
}

const LINK = /^\[([^\]]*)\]\(([^)\s]+)\)/;

/** Inline marks: `code`, **bold**, *italic* or _italic_, [text](address). */
export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let plain = "";
  let i = 0;
  const flush = () => {
    if (plain) out.push(plain);
    plain = "";
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const mark = markAt(rest, out.length);
    if (mark) {
      flush();
      out.push(mark.node);
      i += mark.length;
    } else {
      plain += text[i];
      i += 1;
    }
  }
  flush();
  return out;
}

function markAt(rest: string, key: number): { node: ReactNode; length: number } | undefined {
  if (rest.startsWith("`")) {
    const end = rest.indexOf("`", 1);
    if (end > 1) return { node: <code key={key}>{rest.slice(1, end)}</code>, length: end + 1 };
  }
  for (const [open, make] of [
    ["**", (inner: ReactNode[]) => <strong key={key}>{inner}</strong>],
    ["__", (inner: ReactNode[]) => <strong key={key}>{inner}</strong>],
    ["*", (inner: ReactNode[]) => <em key={key}>{inner}</em>],
    ["_", (inner: ReactNode[]) => <em key={key}>{inner}</em>],
  ] as const) {
    if (!rest.startsWith(open)) continue;
    const end = rest.indexOf(open, open.length);
    // `* item` or `2 * 3` are not emphasis: the mark must touch its text.
    if (end > open.length && !/\s/.test(rest[open.length] ?? " ")) {
      return { node: make(inline(rest.slice(open.length, end))), length: end + open.length };
    }
  }
  const link = LINK.exec(rest);
  if (link) {
    const href = safeHref(link[2] ?? "");
    if (!href) return undefined; // an unsafe link is shown as the text it was written as
    const node = (
      <a key={key} href={href} rel="noopener noreferrer" target="_blank">
        {inline(link[1] ?? "")}
      </a>
    );
    return { node, length: link[0].length };
  }
  return undefined;
}

/** The whole text as React elements. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      {blocks(text).map((block, i) => (
        <Fragment key={i}>{renderBlock(block)}</Fragment>
      ))}
    </div>
  );
}

function renderBlock(block: Block): ReactNode {
  switch (block.kind) {
    case "heading": {
      const Heading = (["h3", "h4", "h5"] as const)[block.level - 1] ?? "h5";
      // Headings sit inside a page that has its own h1/h2: shifted down two levels.
      return <Heading>{inline(block.text)}</Heading>;
    }
    case "code":
      return (
        <pre>
          <code>{block.text}</code>
        </pre>
      );
    case "list": {
      const items = block.items.map((item, i) => <li key={i}>{inline(item)}</li>);
      return block.ordered ? <ol start={block.start === 1 ? undefined : block.start}>{items}</ol> : <ul>{items}</ul>;
    }
    case "paragraph":
      return <p>{inline(block.text)}</p>;
  }
}
