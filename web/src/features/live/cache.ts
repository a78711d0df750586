// A live change applied to what the app holds: rows it touches are patched where they are
// (a table does not refetch its pages for another's edit); what a patch cannot fix (a new or
// deleted record in a list, a card changing columns, a timeline) is fetched again.

import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import type { KithRecord, LiveChange, Page } from "../../api/kith";

/** The record with the change's new values. */
export function patched(record: KithRecord, change: LiveChange): KithRecord {
  const next: KithRecord = { ...record };
  for (const [field, value] of Object.entries(change.changes ?? {})) {
    if (value && "after" in value) next[field] = value.after;
  }
  return next;
}

function patchPages(data: InfiniteData<Page> | undefined, change: LiveChange) {
  // Lists' keys also hold their counts, which a change of values leaves as they are.
  if (!data || !Array.isArray(data.pages)) return data;
  let touched = false;
  const pages = data.pages.map((page) => ({
    ...page,
    records: page.records.map((record) => {
      if (record.id !== change.recordId) return record;
      touched = true;
      return patched(record, change);
    }),
  }));
  return touched ? { ...data, pages } : data;
}

export function applyChange(queries: QueryClient, workspace: string, change: LiveChange) {
  const plural = change.object.namePlural;
  const lists = { queryKey: ["records", workspace, plural] };
  if (change.kind === "updated") {
    queries.setQueriesData<InfiniteData<Page>>(lists, (data) => patchPages(data, change));
  } else {
    void queries.invalidateQueries(lists);
  }
  void queries.invalidateQueries({ queryKey: ["cards", workspace, plural] });
  void queries.invalidateQueries({ queryKey: ["groups", workspace, plural] });
  void queries.invalidateQueries({ queryKey: ["record", workspace, plural, change.recordId] });
  void queries.invalidateQueries({ queryKey: ["timeline", workspace, plural, change.recordId] });
}

/** What the note under the page says of a change. */
export function describeChange(change: LiveChange): string {
  const who = change.actor?.name || "Someone";
  const what = change.object.nameSingular.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  const verb = { created: "added", updated: "changed", deleted: "deleted", restored: "restored" }[change.kind] ?? change.kind;
  return `${who} ${verb} a ${what}`;
}
