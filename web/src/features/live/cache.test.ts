import { describe, expect, it } from "vitest";
import { QueryClient, type InfiniteData } from "@tanstack/react-query";
import type { LiveChange, Page } from "../../api/kith";
import { applyChange, describeChange } from "./cache";

const change = (kind: string, changes: LiveChange["changes"] = null): LiveChange => ({
  id: "e1",
  object: { nameSingular: "company", namePlural: "companies" },
  recordId: "r2",
  kind,
  actor: { source: "API", name: "Deploy bot" },
  changes,
  happenedAt: "2026-12-01T10:00:00Z",
});

function withList() {
  const queries = new QueryClient();
  const key = ["records", "w", "companies", { filter: undefined }];
  const data: InfiniteData<Page> = {
    pages: [{ records: [{ id: "r1", name: "One" }, { id: "r2", name: "Two", employees: 5 }], endCursor: null, hasNextPage: false }],
    pageParams: [null],
  };
  queries.setQueryData(key, data);
  return { queries, key };
}

describe("a live change in the cache", () => {
  it("patches the row it touches in place, leaving the others and the list as they are", () => {
    const { queries, key } = withList();
    applyChange(queries, "w", change("updated", { name: { before: "Two", after: "Deux" }, employees: { before: 5, after: 7 } }));
    const data = queries.getQueryData<InfiniteData<Page>>(key);
    expect(data?.pages[0]?.records).toEqual([{ id: "r1", name: "One" }, { id: "r2", name: "Deux", employees: 7 }]);
    expect(queries.getQueryState(key)?.isInvalidated).toBe(false);
  });

  it("has a row fetched again when a relation it shows by name moves to another record", () => {
    const { queries, key } = withList();
    const row = { id: "r2", name: "Two", accountOwnerId: "u1", accountOwner: { id: "u1", name: "Ada" } };
    queries.setQueryData(key, { pages: [{ records: [row], endCursor: null, hasNextPage: false }], pageParams: [null] });
    applyChange(queries, "w", change("updated", { name: { before: "Two", after: "Deux" } }));
    expect(queries.getQueryState(key)?.isInvalidated).toBe(false);
    applyChange(queries, "w", change("updated", { accountOwnerId: { before: "u1", after: "u2" } }));
    expect(queries.getQueryData<InfiniteData<Page>>(key)?.pages[0]?.records[0]?.accountOwnerId).toBe("u2");
    expect(queries.getQueryState(key)?.isInvalidated).toBe(true);
  });

  it("leaves a list's count as it is when values change, and has it counted again on a creation", () => {
    const { queries } = withList();
    const count = ["records", "w", "companies", "count", ""];
    queries.setQueryData(count, 131);
    applyChange(queries, "w", change("updated", { name: { before: "Two", after: "Deux" } }));
    expect(queries.getQueryData(count)).toBe(131);
    expect(queries.getQueryState(count)?.isInvalidated).toBe(false);
    applyChange(queries, "w", change("created"));
    expect(queries.getQueryState(count)?.isInvalidated).toBe(true);
  });

  it("has a list fetched again when a record is added or deleted", () => {
    const { queries, key } = withList();
    applyChange(queries, "w", change("created"));
    expect(queries.getQueryState(key)?.isInvalidated).toBe(true);
  });

  it("leaves other workspaces' and objects' lists alone", () => {
    const { queries, key } = withList();
    applyChange(queries, "other", change("deleted"));
    applyChange(queries, "w", { ...change("deleted"), object: { nameSingular: "person", namePlural: "people" } });
    expect(queries.getQueryState(key)?.isInvalidated).toBe(false);
  });

  it("says who did what", () => {
    expect(describeChange(change("updated"))).toBe("Deploy bot changed a company");
    expect(describeChange({ ...change("created"), object: { nameSingular: "salesCall", namePlural: "salesCalls" }, actor: null })).toBe(
      "Someone added a sales call",
    );
  });
});
