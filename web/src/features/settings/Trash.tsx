import { useState } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { formatValue } from "../records/format";
import { Empty, Loading, OutcomeLine, QueryProblem, formatTime, useOutcome } from "./common";
import type { SectionProps } from "./Settings";

/** An object's records in the trash, the latest deleted first, each one restorable. */
export function Trash({ workspace }: SectionProps) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const [plural, setPlural] = useState<string | null>(null);
  if (objects.isPending) return <Loading what="objects" />;
  if (objects.error) return <QueryProblem error={objects.error} />;
  const shown = objects.data.filter((o) => o.isActive);
  const object = shown.find((o) => o.namePlural === plural) ?? shown[0];
  return (
    <div className="settings-stack">
      <label className="field settings-narrow">
        <span>Object</span>
        <select value={object?.namePlural ?? ""} onChange={(e) => setPlural(e.target.value)}>
          {shown.map((o) => (
            <option key={o.id} value={o.namePlural}>
              {o.labelPlural}
            </option>
          ))}
        </select>
      </label>
      {object && <TrashList key={object.id} workspace={workspace} object={object} />}
    </div>
  );
}

function TrashList({ workspace, object }: { workspace: string; object: ObjectMeta }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const key = ["trash", workspace, object.namePlural];
  const trash = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api.trash(workspace, object.namePlural, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.hasNextPage ? page.endCursor : undefined),
    // Records go to the trash from anywhere (tables, other people, agents): always look again.
    refetchOnMount: "always",
  });
  const label = object.fields.find((f) => f.name === object.labelField);
  const title = (record: KithRecord) => (label ? formatValue(label.type, record[label.name]) : "") || "Untitled";

  async function restore(record: KithRecord) {
    const done = await outcome.run(() => api.restoreRecord(workspace, object.namePlural, record.id), `${title(record)} was restored.`);
    if (!done) return;
    await queries.invalidateQueries({ queryKey: key });
    // Its list and count should show it again.
    await queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
  }

  if (trash.isPending) return <Loading what="the trash" />;
  if (trash.error) return <QueryProblem error={trash.error} />;
  const records = trash.data.pages.flatMap((p) => p.records);
  return (
    <>
      <OutcomeLine outcome={outcome} />
      {records.length === 0 ? (
        <Empty>No {object.labelPlural.toLowerCase()} in the trash. Deleted ones wait here until restored.</Empty>
      ) : (
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">{label?.label ?? "Record"}</th>
              <th scope="col">Deleted</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={record.id}>
                <td>{title(record)}</td>
                <td>{formatTime(record.deletedAt as string | null)}</td>
                <td className="settings-row-actions">
                  <button type="button" onClick={() => void restore(record)} aria-label={`Restore ${title(record)}`}>
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {trash.hasNextPage && (
        <button type="button" onClick={() => void trash.fetchNextPage()} disabled={trash.isFetchingNextPage}>
          {trash.isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      )}
    </>
  );
}
