// A field's value as text for a table cell, by field type, in the reader's locale.

type Composite = Record<string, unknown>;

function isObject(value: unknown): value is Composite {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function formatValue(type: string, value: unknown, locale?: string): string {
  if (value === null || value === undefined) return "";
  switch (type) {
    case "FULL_NAME":
      return isObject(value) ? [value.firstName, value.lastName].filter(Boolean).join(" ") : "";
    case "EMAILS":
      return isObject(value) ? String(value.primaryEmail ?? "") : "";
    case "PHONES":
      return isObject(value)
        ? [value.primaryPhoneCallingCode, value.primaryPhoneNumber].filter(Boolean).join(" ")
        : "";
    case "LINKS":
      return isObject(value) ? String(value.primaryLinkUrl ?? "") : "";
    case "CURRENCY": {
      if (!isObject(value) || typeof value.amountMicros !== "number") return "";
      const code = typeof value.currencyCode === "string" && value.currencyCode ? value.currencyCode : undefined;
      const amount = value.amountMicros / 1_000_000;
      return code
        ? new Intl.NumberFormat(locale, { style: "currency", currency: code }).format(amount)
        : new Intl.NumberFormat(locale).format(amount);
    }
    case "NUMBER":
    case "NUMERIC":
      return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : String(value);
    case "DATE":
      return typeof value === "string"
        ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${value}T00:00:00Z`))
        : "";
    case "DATE_TIME":
      return typeof value === "string"
        ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value))
        : "";
    case "BOOLEAN":
      return value ? "Yes" : "No";
    case "RICH_TEXT":
      // Markdown by its first line with text, as a one-line cell can show it.
      return typeof value === "string" ? (value.split("\n").find((line) => line.trim())?.trim() ?? "") : "";
    case "MULTI_SELECT":
      return Array.isArray(value) ? value.map(String).join(", ") : "";
    case "RATING": {
      const stars = typeof value === "string" ? Number(value.replace("RATING_", "")) : 0;
      return stars > 0 ? `${"★".repeat(stars)}${"☆".repeat(Math.max(0, 5 - stars))}` : "";
    }
    default:
      return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }
}
