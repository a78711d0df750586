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

/** The pages with one record passed through `change` (the same data when none is there). */
function patchPages(data: InfiniteData<Page> | undefined, id: string, change: (record: KithRecord) => KithRecord) {
  // Lists' keys also hold their counts, which a change of values leaves as they are.
  if (!data || !Array.isArray(data.pages)) return data;
  let touched = false;
  const pages = data.pages.map((page) => ({
    ...page,
    records: page.records.map((record) => {
      if (record.id !== id) return record;
      touched = true;
      return change(record);
    }),
  }));
  return touched ? { ...data, pages } : data;
}

/** Sets values of one record wherever the tables of `plural` hold it: an edit made here shows
 *  at once, and is put back the same way if the server refuses it. */
export function patchRows(queries: QueryClient, workspace: string, plural: string, id: string, values: Partial<KithRecord>) {
  queries.setQueriesData<InfiniteData<Page>>({ queryKey: ["records", workspace, plural] }, (data) =>
    patchPages(data, id, (record) => ({ ...record, ...values })),
  );
}

/** Whether a change moves a relation whose record the row embeds (`companyId` beside
 *  `company`): the new one's name is not in the change, so the row is fetched again. */
function movesEmbedded(record: KithRecord, change: LiveChange): boolean {
  return Object.keys(change.changes ?? {}).some((key) => {
    const shown = key.endsWith("Id") ? record[key.slice(0, -2)] : undefined;
    return typeof shown === "object" && shown !== null && (shown as { id?: unknown }).id !== change.changes?.[key]?.after;
  });
}

export function applyChange(queries: QueryClient, workspace: string, change: LiveChange) {
  const plural = change.object.namePlural;
  const lists = { queryKey: ["records", workspace, plural] };
  if (change.kind === "updated") {
    let stale = false;
    queries.setQueriesData<InfiniteData<Page>>(lists, (data) =>
      patchPages(data, change.recordId, (record) => {
        stale ||= movesEmbedded(record, change);
        return patched(record, change);
      }),
    );
    if (stale) void queries.invalidateQueries(lists);
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
