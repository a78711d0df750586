import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, type FieldMeta, type KithRecord } from "../../api/kith";
import { formatValue } from "./format";

interface Props {
  workspace: string;
  plural: string;
}

/** Field types shown as columns in this list; the record page shows the rest. */
const LISTED = new Set(["TEXT", "FULL_NAME", "EMAILS", "PHONES", "LINKS", "SELECT", "CURRENCY", "NUMBER", "NUMERIC", "DATE", "DATE_TIME", "BOOLEAN", "RATING"]);
const MAX_COLUMNS = 6;

/** An object's records, a page at a time by cursor. */
export function RecordList({ workspace, plural }: Props) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const object = objects.data?.find((o) => o.namePlural === plural);
  const pages = useInfiniteQuery({
    queryKey: ["records", workspace, plural],
    queryFn: ({ pageParam }) => api.page(workspace, plural, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
  });
  if (objects.isSuccess && !object) {
    return <p role="alert">This workspace has no object called {plural}.</p>;
  }
  const columns = object ? listedColumns(object.fields, object.labelField) : [];
  const records: KithRecord[] = pages.data?.pages.flatMap((page) => page.records) ?? [];
  return (
    <section aria-labelledby="list-title">
      <header className="list-header">
        <h1 id="list-title">{object?.labelPlural ?? plural}</h1>
      </header>
      {pages.error && <p role="alert">{pages.error.message}</p>}
      {pages.isSuccess && records.length === 0 ? (
        <p className="empty">No {object?.labelPlural.toLowerCase() ?? plural} yet.</p>
      ) : (
        <table className="records" aria-busy={pages.isPending}>
          <thead>
            <tr>
              {columns.map((field) => (
                <th key={field.id} scope="col">
                  {field.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={record.id}>
                {columns.map((field) => (
                  <td key={field.id}>{formatValue(field.type, record[field.name])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          Show more
        </button>
      )}
    </section>
  );
}

function listedColumns(fields: FieldMeta[], labelField: string): FieldMeta[] {
  const label = fields.filter((f) => f.name === labelField);
  const rest = fields.filter((f) => f.name !== labelField && f.isActive !== false && LISTED.has(f.type));
  return [...label, ...rest].slice(0, MAX_COLUMNS);
}
