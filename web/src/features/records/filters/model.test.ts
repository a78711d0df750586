import { describe as group, expect, it } from "vitest";
import type { FieldMeta } from "../../../api/kith";
import { fields } from "./fixtures";
import {
  describe,
  describeGroup,
  filterTargets,
  isComplete,
  microsToUnits,
  operatorsFor,
  parseFilter,
  toFilter,
  unitsToMicros,
  type Condition,
  type FilterGroup,
} from "./model";


const ID = "0b6c4a9e-3f1d-4c2b-9a8e-1d2c3b4a5f60";

const only = (condition: Condition): FilterGroup => ({ join: "and", items: [condition] });
const c = (field: string, operator: Condition["operator"], value: Condition["value"] = null): Condition => ({
  field,
  operator,
  value,
});

/** One condition per operator of every family, with a value where it takes one. */
const everyOperator: Condition[] = [
  c("title", "is", 'say "hi" \\ (ok), [1]'),
  c("title", "isNot", "Acme"),
  c("title", "contains", "acme"),
  c("title", "notContains", "acme"),
  c("title", "startsWith", "Ac"),
  c("title", "isEmpty"),
  c("title", "isNotEmpty"),
  c("emails", "contains", "@acme.com"),
  c("address.addressCity", "is", "Paris"),
  c("name", "contains", "ada"),
  c("name", "notContains", "ada"),
  c("name", "startsWith", "Lo"),
  c("name", "isEmpty"),
  c("name", "isNotEmpty"),
  ...(["eq", "neq", "gt", "gte", "lt", "lte"] as const).map((op) => c("employees", op, "50")),
  c("employees", "isEmpty"),
  c("employees", "isNotEmpty"),
  c("probability", "gte", "0.25"),
  c("amount", "gte", "1000"),
  c("amount", "lt", "0.5"),
  c("amount", "isEmpty"),
  c("closeDate", "is", "2026-12-01"),
  c("closeDate", "before", "2026-12-01"),
  c("closeDate", "after", "2026-12-01"),
  c("closeDate", "isEmpty"),
  c("dueAt", "is", "2026-03-29"), // a day with a daylight-saving change in Europe
  c("dueAt", "before", "2026-12-01"),
  c("dueAt", "after", "2026-12-31"),
  c("dueAt", "isNotEmpty"),
  c("stage", "isAnyOf", ["PROPOSAL"]),
  c("stage", "isAnyOf", ["NEW", "WON"]),
  c("stage", "isNoneOf", ["WON"]),
  c("stage", "isEmpty"),
  c("stage", "isNotEmpty"),
  c("tags", "hasAnyOf", ["VIP", "PARTNER"]),
  c("tags", "hasNoneOf", ["VIP"]),
  c("icp", "isTrue"),
  c("icp", "isFalse"),
  c("score", "gte", "RATING_3"),
  c("score", "eq", "RATING_5"),
  c("score", "isEmpty"),
  c("company", "is", ID),
  c("company", "isEmpty"),
  c("company", "isNotEmpty"),
];

group("toFilter → parseFilter", () => {
  it.each(everyOperator.map((condition) => [`${condition.field} ${condition.operator}`, condition]))(
    "gives back %s",
    (_, condition) => {
      const text = toFilter(only(condition), fields);
      expect(text).toBeDefined();
      expect(parseFilter(text as string, fields)).toEqual(only(condition));
    },
  );

  it("gives back every operator together, and nested groups both ways", () => {
    const all: FilterGroup = { join: "and", items: everyOperator };
    expect(parseFilter(toFilter(all, fields) as string, fields)).toEqual(all);
    const nested: FilterGroup = {
      join: "or",
      items: [
        c("stage", "isAnyOf", ["WON"]),
        { join: "and", items: [c("amount", "gte", "1000"), c("title", "notContains", "test")] },
      ],
    };
    expect(parseFilter(toFilter(nested, fields) as string, fields)).toEqual(nested);
  });

  it("keeps a lone group a group", () => {
    const tree: FilterGroup = {
      join: "and",
      items: [{ join: "or", items: [c("employees", "gt", "10"), c("icp", "isTrue")] }],
    };
    expect(toFilter(tree, fields)).toBe("and(or(employees[gt]:10,icp[eq]:true))");
    expect(parseFilter(toFilter(tree, fields) as string, fields)).toEqual(tree);
  });

  it("keeps a group of one a group, so that more can join it", () => {
    const tree: FilterGroup = { join: "and", items: [c("icp", "isTrue"), { join: "or", items: [c("employees", "gt", "10")] }] };
    expect(toFilter(tree, fields)).toBe("and(icp[eq]:true,or(employees[gt]:10))");
    expect(parseFilter(toFilter(tree, fields) as string, fields)).toEqual(tree);
  });

  it("does not merge two date-time chips that together cover one day", () => {
    const two: FilterGroup = { join: "and", items: [c("dueAt", "after", "2026-11-30"), c("dueAt", "before", "2026-12-02")] };
    expect(parseFilter(toFilter(two, fields) as string, fields)).toEqual(two);
  });
});

group("toFilter", () => {
  const filter = (condition: Condition) => toFilter(only(condition), fields);

  it("quotes text, escaping quotes and backslashes", () => {
    expect(filter(c("title", "is", 'say "hi" \\ now'))).toBe('title[eq]:"say \\"hi\\" \\\\ now"');
    expect(filter(c("title", "contains", "acme"))).toBe('title[ilike]:"%acme%"');
    expect(filter(c("title", "startsWith", "Ac"))).toBe('title[ilike]:"Ac%"');
  });

  it("counts records with no value as not matching a negative", () => {
    expect(filter(c("title", "notContains", "acme"))).toBe('or(title[is]:NULL,not(title[ilike]:"%acme%"))');
    expect(filter(c("stage", "isNoneOf", ["NEW", "WON"]))).toBe("or(stage[is]:NULL,not(stage[in]:[NEW,WON]))");
    expect(filter(c("tags", "hasNoneOf", ["VIP"]))).toBe("not(tags[containsAny]:[VIP])");
    expect(filter(c("icp", "isFalse"))).toBe("icp[neq]:true");
  });

  it("treats a cleared text (empty string) as empty", () => {
    expect(filter(c("title", "isEmpty"))).toBe('or(title[is]:NULL,title[eq]:"")');
    expect(filter(c("title", "isNotEmpty"))).toBe('not(or(title[is]:NULL,title[eq]:""))');
  });

  it("goes through the parts of composite fields", () => {
    expect(filter(c("emails", "is", "a@b.co"))).toBe('emails.primaryEmail[eq]:"a@b.co"');
    expect(filter(c("address.addressCity", "is", "Paris"))).toBe('address.addressCity[eq]:"Paris"');
    expect(filter(c("name", "contains", "ada"))).toBe('or(name.firstName[ilike]:"%ada%",name.lastName[ilike]:"%ada%")');
    expect(filter(c("name", "isEmpty"))).toBe(
      'and(or(name.firstName[is]:NULL,name.firstName[eq]:""),or(name.lastName[is]:NULL,name.lastName[eq]:""))',
    );
  });

  it("sends currency amounts in micros, exactly", () => {
    expect(filter(c("amount", "gte", "1000"))).toBe("amount.amountMicros[gte]:1000000000");
    expect(filter(c("amount", "lt", "12.345678"))).toBe("amount.amountMicros[lt]:12345678");
    // Past 2^53 micros, where a float would round: 9007199254740993 is not a double.
    expect(filter(c("amount", "eq", "9007199254.740993"))).toBe("amount.amountMicros[eq]:9007199254740993");
  });

  it("writes numbers, dates, ratings and relations bare", () => {
    expect(filter(c("employees", "gte", "50"))).toBe("employees[gte]:50");
    expect(filter(c("closeDate", "before", "2026-12-01"))).toBe("closeDate[lt]:2026-12-01");
    expect(filter(c("score", "gte", "RATING_3"))).toBe("score[gte]:RATING_3");
    expect(filter(c("company", "is", ID))).toBe(`companyId[eq]:${ID}`);
    expect(filter(c("company", "isEmpty"))).toBe("companyId[is]:NULL");
  });

  it("quotes option values that are not plain words", () => {
    expect(filter(c("stage", "isAnyOf", ["PROPOSAL", "ODD, ONE", "NULL"]))).toBe('stage[in]:[PROPOSAL,"ODD, ONE","NULL"]');
  });

  it("turns a date-time day into the reader's day", () => {
    const midnight = (y: number, m: number, d: number) => new Date(y, m - 1, d).toISOString();
    const lastMs = new Date(new Date(2026, 11, 2).getTime() - 1).toISOString();
    expect(filter(c("dueAt", "is", "2026-12-01"))).toBe(`and(dueAt[gte]:${midnight(2026, 12, 1)},dueAt[lte]:${lastMs})`);
    expect(filter(c("dueAt", "before", "2026-12-01"))).toBe(`dueAt[lt]:${midnight(2026, 12, 1)}`);
    expect(filter(c("dueAt", "after", "2026-12-01"))).toBe(`dueAt[gte]:${midnight(2026, 12, 2)}`);
  });

  it("nests groups with and( / or( and leaves out what is not complete", () => {
    const tree: FilterGroup = {
      join: "and",
      items: [
        c("stage", "isAnyOf", ["PROPOSAL"]),
        c("title", "contains", null),
        c("employees", "gte", "many"),
        c("employees", "gte", "1.5"), // a whole-number field
        { join: "or", items: [c("employees", "gte", "50"), c("amount", "gt", "1000")] },
        { join: "or", items: [c("icp", "isTrue"), c("stage", "isAnyOf", [])] },
      ],
    };
    expect(toFilter(tree, fields)).toBe(
      "and(stage[in]:[PROPOSAL],or(employees[gte]:50,amount.amountMicros[gt]:1000000000),or(icp[eq]:true))",
    );
    expect(toFilter({ join: "or", items: [c("title", "is", "")] }, fields)).toBeUndefined();
    expect(toFilter({ join: "or", items: [] }, fields)).toBeUndefined();
  });

  it("uses the top-level join", () => {
    const tree: FilterGroup = { join: "or", items: [c("icp", "isTrue"), c("employees", "isEmpty")] };
    expect(toFilter(tree, fields)).toBe("or(icp[eq]:true,employees[is]:NULL)");
  });
});

group("parseFilter", () => {
  it("reads an empty filter as no conditions", () => {
    expect(parseFilter("  ", fields)).toEqual({ join: "and", items: [] });
  });

  it("reads hand-written filters that mean what the builder writes", () => {
    expect(parseFilter('title[ilike]:"%acme%" , employees[gte]:50', fields)).toEqual({
      join: "and",
      items: [c("title", "contains", "acme"), c("employees", "gte", "50")],
    });
    expect(parseFilter('stage[in]:["PROPOSAL"]', fields)).toEqual(only(c("stage", "isAnyOf", ["PROPOSAL"])));
    expect(parseFilter("title[eq]:Acme", fields)).toEqual(only(c("title", "is", "Acme")));
  });

  it("gives null for what chips cannot show", () => {
    for (const text of [
      "title[eq]:", // the server refuses it
      'title[eq]:"open',
      "title[equals]:1",
      "nothing[eq]:1", // no such field
      "old[eq]:x", // an inactive field
      "secret[eq]:x", // cannot be filtered
      "name[eq]:Ada", // a full name has parts
      "title[like]:A%", // an operator the builder has no chip for
      "not(employees[gt]:5)",
      "title[is]:\"NULL\"", // `is` takes the bare word
      'title[ilike]:"acme"', // no % around it: neither contains nor starts with
      "dueAt[lt]:2026-12-01T10:30:00Z", // not the reader's midnight
      "amount.amountMicros[gte]:1.5",
      "employees[gte]:50,",
      "a(b)",
    ]) {
      expect(parseFilter(text, fields), text).toBeNull();
    }
  });
});

group("describe", () => {
  const say = (condition: Condition) => describe(condition, fields, "en-GB");

  it("reads like a sentence", () => {
    expect(say(c("stage", "isAnyOf", ["PROPOSAL"]))).toBe("Stage is Proposal");
    expect(say(c("stage", "isAnyOf", ["NEW", "PROPOSAL", "WON"]))).toBe("Stage is New, Proposal or Won");
    expect(say(c("stage", "isNoneOf", ["WON"]))).toBe("Stage is not Won");
    expect(say(c("stage", "isNoneOf", ["NEW", "WON"]))).toBe("Stage is none of New, Won");
    expect(say(c("stage", "isEmpty"))).toBe("Stage is empty");
    expect(say(c("tags", "hasAnyOf", ["VIP", "PARTNER"]))).toBe("Tags has VIP or Partner");
    expect(say(c("tags", "hasNoneOf", ["VIP"]))).toBe("Tags does not have VIP");
    expect(say(c("employees", "gte", "50"))).toBe("Employees ≥ 50");
    expect(say(c("employees", "neq", "12000"))).toBe("Employees ≠ 12,000");
    expect(say(c("amount", "gte", "1000.5"))).toBe("Amount ≥ 1,000.5");
    expect(say(c("name", "contains", "acme"))).toBe("Name contains acme");
    expect(say(c("title", "notContains", "test"))).toBe("Title does not contain test");
    expect(say(c("closeDate", "before", "2026-12-01"))).toBe("Close date before 1 Dec 2026");
    expect(say(c("dueAt", "is", "2026-01-31"))).toBe("Due is 31 Jan 2026");
    expect(say(c("icp", "isTrue"))).toBe("ICP is true");
    expect(say(c("score", "gte", "RATING_3"))).toBe("Score ≥ 3");
    expect(say(c("address.addressCity", "is", "Paris"))).toBe("Address city is Paris");
    expect(say(c("company", "isNotEmpty"))).toBe("Company is not empty");
  });

  it("follows the locale", () => {
    expect(describe(c("employees", "gte", "1000"), fields, "de-DE")).toBe("Employees ≥ 1.000");
    expect(describe(c("closeDate", "after", "2026-12-01"), fields, "en-US")).toBe("Close date after Dec 1, 2026");
  });

  it("marks a value still missing, and falls back to the option's value", () => {
    expect(say(c("title", "contains", null))).toBe("Title contains …");
    expect(say(c("stage", "isAnyOf", []))).toBe("Stage is any of …");
    expect(say(c("stage", "isAnyOf", ["GONE"]))).toBe("Stage is GONE");
  });

  it("joins a group's conditions", () => {
    const tree: FilterGroup = {
      join: "or",
      items: [c("stage", "isAnyOf", ["WON"]), { join: "and", items: [c("icp", "isTrue"), c("employees", "gt", "5")] }],
    };
    expect(describeGroup(tree, fields, "en-GB")).toBe("Stage is Won or (ICP is true and Employees > 5)");
  });
});

group("fields and operators", () => {
  it("offers what can be filtered, an address by its parts", () => {
    const keys = filterTargets(fields).map((t) => t.key);
    expect(keys).toContain("address.addressCity");
    expect(keys).not.toContain("address");
    expect(keys).not.toContain("secret");
    expect(keys).not.toContain("old");
  });

  it("fits the operators to the type", () => {
    const ids = (name: string) => operatorsFor(fields.find((f) => f.name === name) as FieldMeta).map((o) => o.id);
    expect(ids("title")).toEqual(["is", "isNot", "contains", "notContains", "startsWith", "isEmpty", "isNotEmpty"]);
    expect(ids("amount")).toEqual(["eq", "neq", "gt", "gte", "lt", "lte", "isEmpty", "isNotEmpty"]);
    expect(ids("closeDate")).toEqual(["is", "before", "after", "isEmpty", "isNotEmpty"]);
    expect(ids("stage")).toEqual(["isAnyOf", "isNoneOf", "isEmpty", "isNotEmpty"]);
    expect(ids("tags")).toEqual(["hasAnyOf", "hasNoneOf"]);
    expect(ids("icp")).toEqual(["isTrue", "isFalse"]);
    expect(ids("company")).toEqual(["is", "isEmpty", "isNotEmpty"]);
    expect(ids("secret")).toEqual([]);
  });

  it("knows a complete condition", () => {
    expect(isComplete(c("title", "isEmpty"), fields)).toBe(true);
    expect(isComplete(c("title", "is", "  "), fields)).toBe(false);
    expect(isComplete(c("company", "is", "not-an-id"), fields)).toBe(false);
    expect(isComplete(c("amount", "gt", "1.0000001"), fields)).toBe(false);
  });

  it("converts currency amounts exactly", () => {
    expect(unitsToMicros("0")).toBe("0");
    expect(unitsToMicros("-0.5")).toBe("-500000");
    expect(unitsToMicros("007.25")).toBe("7250000");
    expect(microsToUnits("-500000")).toBe("-0.5");
    expect(microsToUnits("1000000000")).toBe("1000");
    expect(microsToUnits("12345678")).toBe("12.345678");
  });
});
