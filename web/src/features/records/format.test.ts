import { describe, expect, it } from "vitest";
import { formatValue } from "./format";

describe("formatValue", () => {
  it("shows composite values by their main part", () => {
    expect(formatValue("FULL_NAME", { firstName: "Ada", lastName: "Lovelace" })).toBe("Ada Lovelace");
    expect(formatValue("EMAILS", { primaryEmail: "ada@example.com", additionalEmails: [] })).toBe("ada@example.com");
    expect(formatValue("LINKS", { primaryLinkUrl: "https://example.com" })).toBe("https://example.com");
  });

  it("formats money with its currency in the reader's locale", () => {
    expect(formatValue("CURRENCY", { amountMicros: 1_250_000_000, currencyCode: "EUR" }, "de-DE")).toBe("1.250,00\u00a0€");
    expect(formatValue("CURRENCY", { amountMicros: 1_250_000_000, currencyCode: "USD" }, "en-US")).toBe("$1,250.00");
  });

  it("shows dates on the day they name, whatever the time zone", () => {
    expect(formatValue("DATE", "2026-03-01", "en-US")).toBe("Mar 1, 2026");
  });

  it("shows Markdown by its first line with text", () => {
    expect(formatValue("RICH_TEXT", "\n  \n**Call** Ada\nthen write")).toBe("**Call** Ada");
    expect(formatValue("RICH_TEXT", "")).toBe("");
  });

  it("leaves empty values empty", () => {
    expect(formatValue("TEXT", null)).toBe("");
    expect(formatValue("CURRENCY", { amountMicros: null, currencyCode: "EUR" })).toBe("");
    expect(formatValue("BOOLEAN", false)).toBe("No");
  });

  it("lists a multi-select's values and draws a rating as stars", () => {
    expect(formatValue("MULTI_SELECT", ["GOLD", "SILVER"])).toBe("GOLD, SILVER");
    expect(formatValue("RATING", "RATING_3")).toBe("★★★☆☆");
    expect(formatValue("RATING", "nonsense")).toBe("");
  });
});
