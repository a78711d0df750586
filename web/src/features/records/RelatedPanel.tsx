// A record's related records: those of another object whose RELATION field points at it (a
// company's people, by person.company). Listed with links; "+ Add" makes one already linked.

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type FieldMeta, type KithRecord, type ObjectMeta } from "../../api/kith";
import { ApiError } from "../../api/client";
import { useCanWrite } from "../shell/role";
import { formatValue } from "./format";
import { newRecordValues } from "./values";
import { Problem } from "../../ui/Problem";

export interface Relatedness {
  object: ObjectMeta;
  field: FieldMeta;
}

/** Every (object, field) whose relation targets `object`; tasks and notes link by targets instead. */
export function relatedTo(object: ObjectMeta, objects: ObjectMeta[]): Relatedness[] {
  return objects
    .filter((o) => o.isActive)
    .flatMap((o) =>
      o.fields
        .filter((f) => f.type === "RELATION" && f.isActive !== false && f.relation?.target === object.nameSingular)
        .map((field) => ({ object: o, field })),
    );
}

/** A tab's name: the object's plural, with the field when one object points here twice. */
export function relatedLabel(related: Relatedness, all: Relatedness[]): string {
  const twice = all.filter((r) => r.object.id === related.object.id).length > 1;
  return twice ? `${related.object.labelPlural} (${related.field.label})` : related.object.labelPlural;
}

interface Props {
  workspace: string;
  record: KithRecord;
  related: Relatedness;
  label: string;
}

export function RelatedPanel({ workspace, record, related, label }: Props) {
  const { object, field } = related;
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [adding, setAdding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const filter = `${field.name}Id[eq]:"${record.id}"`;
  const listKey = ["records", workspace, object.namePlural, "related", field.name, record.id];
  const list = useQuery({ queryKey: listKey, queryFn: () => api.page(workspace, object.namePlural, null, { filter }, 50) });
  const labelField = object.fields.find((f) => f.name === object.labelField);

  async function add(text: string) {
    setProblem(null);
    try {
      await api.createRecord(workspace, object, { ...newRecordValues(object, text), [`${field.name}Id`]: record.id });
      setAdding(false);
      void queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }

  return (
    <section aria-label={label} className="items-panel">
      {canWrite && !adding && (
        <button type="button" className="add-item" onClick={() => setAdding(true)}>
          + Add {object.labelSingular.toLowerCase()}
        </button>
      )}
      {adding && (
        <input
          autoFocus
          aria-label={`New ${object.labelSingular.toLowerCase()}'s ${labelField?.label.toLowerCase() ?? "name"}`}
          placeholder={`${labelField?.label ?? "Name"}, then Enter`}
          onKeyDown={(e) => {
            if (e.key === "Escape") setAdding(false);
            if (e.key === "Enter" && e.currentTarget.value.trim()) void add(e.currentTarget.value);
          }}
        />
      )}
      <Problem message={problem} />
      <Problem message={list.error?.message} />
      {list.data?.records.length === 0 && <p className="muted">No {object.labelPlural.toLowerCase()} yet.</p>}
      <ul className="related-list">
        {(list.data?.records ?? []).map((r) => (
          <li key={r.id}>
            <Link href={`/w/${workspace}/${object.namePlural}/${r.id}`}>
              {(labelField && formatValue(labelField.type, r[labelField.name])) || "Untitled"}
            </Link>
          </li>
        ))}
      </ul>
      {list.data?.hasNextPage && (
        <Link href={`/w/${workspace}/${object.namePlural}?filter=${encodeURIComponent(filter)}`}>See all {object.labelPlural.toLowerCase()}</Link>
      )}
    </section>
  );
}
