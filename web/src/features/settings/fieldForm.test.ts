import { describe, expect, it } from "vitest";
import { camelName, optionValues, screamingSnake } from "./fieldForm";

describe("names derived from labels", () => {
  it("gives option values in SCREAMING_SNAKE without accents or punctuation", () => {
    expect(screamingSnake("Gold tier")).toBe("GOLD_TIER");
    expect(screamingSnake("  Über-cool  (2) ")).toBe("UBER_COOL_2");
    expect(screamingSnake("!!!")).toBe("");
  });

  it("numbers repeated values and leaves empty rows empty", () => {
    expect(optionValues([{ label: "A b", color: "red" }, { label: "", color: "red" }, { label: "a-B", color: "red" }, { label: "?", color: "red" }])).toEqual([
      "A_B",
      "",
      "A_B_2",
      "OPTION",
    ]);
  });

  it("gives API names in camelCase that start with a letter", () => {
    expect(camelName("Referral code")).toBe("referralCode");
    expect(camelName("ARR (USD)")).toBe("arrUsd");
    expect(camelName("2nd email")).toBe("field2ndEmail");
  });
});
