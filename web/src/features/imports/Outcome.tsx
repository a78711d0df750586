import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { importsApi, type RowAction } from "../../api/imports";

const ACTIONS: Record<RowAction, string> = {
  CREATE: "Create",
  UPDATE: "Update",
  SKIP: "Skip",
  ERROR: "Error",
};

/** The rows' outcomes (the file's first rows and every rejected one), all or the rejected only. */
export function Outcome({ workspace, plural, id, finished }: { workspace: string; plural: string; id: string; finished: string | null }) {
  const [rejectedOnly, setRejectedOnly] = useState(false);
  const rows = useQuery({
    queryKey: ["import-rows", workspace, plural, id, rejectedOnly, finished],
    queryFn: () => importsApi.rows(workspace, plural, id, rejectedOnly),
  });
  return (
    <div className="import-rows">
      <label className="check">
        <input type="checkbox" checked={rejectedOnly} onChange={(e) => setRejectedOnly(e.target.checked)} /> Errors and skipped rows only
      </label>
      {rows.data && rows.data.length === 0 && <p className="muted">{rejectedOnly ? "No row was rejected." : "No rows."}</p>}
      {rows.data && rows.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Outcome</th>
              <th scope="col">Values</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map((row) => (
              <tr key={row.row} data-action={row.action}>
                <td>{row.row}</td>
                <td>{ACTIONS[row.action]}</td>
                <td className="muted">{(row.values ?? []).filter(Boolean).slice(0, 3).join(", ")}</td>
                <td>{row.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
