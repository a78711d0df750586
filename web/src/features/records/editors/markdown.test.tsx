import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/react";
import { Markdown, safeHref } from "./markdown";

afterEach(cleanup);

const html = (text: string) => render(<Markdown text={text} />).container.querySelector(".markdown")?.innerHTML;

describe("Markdown", () => {
  it("makes paragraphs of lines, split by blank lines", () => {
    expect(html("one\ntwo\n\nthree")).toBe("<p>one two</p><p>three</p>");
  });

  it("makes headings of #, ## and ### (two levels under the page's own)", () => {
    expect(html("# A\n## B\n### C\n#### D")).toBe("<h3>A</h3><h4>B</h4><h5>C</h5><p>#### D</p>");
  });

  it("marks bold, italic, inline code, nested marks", () => {
    expect(html("**bold** and *it* and _it_ and `x*y*`")).toBe(
      "<p><strong>bold</strong> and <em>it</em> and <em>it</em> and <code>x*y*</code></p>",
    );
    expect(html("**bold *and italic* too**")).toBe("<p><strong>bold <em>and italic</em> too</strong></p>");
    expect(html("**unclosed")).toBe("<p>**unclosed</p>");
    expect(html("2 * 3 * 4")).toBe("<p>2 * 3 * 4</p>");
  });

  it("keeps code blocks as written, marks and tags included", () => {
    expect(html("```\n**x**\n<b>y</b>\n```\nafter")).toBe(
      "<pre><code>**x**\n&lt;b&gt;y&lt;/b&gt;</code></pre><p>after</p>",
    );
  });

  it("makes bullet and numbered lists, keeping a numbered list's start", () => {
    expect(html("- a\n* b\n\n1. one\n2. two")).toBe("<ul><li>a</li><li>b</li></ul><ol><li>one</li><li>two</li></ol>");
    expect(html("3) three\n4) four")).toBe('<ol start="3"><li>three</li><li>four</li></ol>');
  });

  it("links http, https and mailto addresses, opened safely", () => {
    const view = render(<Markdown text="[site](https://acme.com/a?b=1) [mail](mailto:a@b.co)" />);
    const links = view.container.querySelectorAll("a");
    expect([...links].map((a) => a.getAttribute("href"))).toEqual(["https://acme.com/a?b=1", "mailto:a@b.co"]);
    expect(links[0]?.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("shows script tags and javascript: links as text", () => {
    const view = render(<Markdown text={'<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](data:text/html,hi) <img src=x onerror="alert(1)">'} />);
    expect(view.container.querySelector("script")).toBeNull();
    expect(view.container.querySelector("img")).toBeNull();
    expect(view.container.querySelector("a")).toBeNull();
    expect(view.container.textContent).toContain("<script>alert(1)</script>");
    expect(view.container.textContent).toContain("[x](javascript:alert(1))");
  });
});

describe("safeHref", () => {
  it("lets only http, https and mailto through", () => {
    expect(safeHref("http://a.co")).toBe("http://a.co/");
    expect(safeHref(" javascript:alert(1)")).toBeUndefined();
    expect(safeHref("vbscript:x")).toBeUndefined();
    expect(safeHref("/relative")).toBeUndefined();
  });
});
