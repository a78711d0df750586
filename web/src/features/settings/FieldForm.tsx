import { useState, type FormEvent } from "react";
import { api, type FieldMeta, type ObjectMeta } from "../../api/kith";
import { OutcomeLine, useOutcome } from "./common";
import { FIELD_TYPES, PALETTE, camelName, fieldBody, hasOptions, nextColor, optionValues, type OptionDraft } from "./fieldForm";

interface Props {
  workspace: string;
  object: ObjectMeta;
  objects: ObjectMeta[];
  cancel: () => void;
  created: (field: FieldMeta) => Promise<void>;
}

/** A new custom field of any type; select types with their options, relations with their target. */
export function FieldForm({ workspace, object, objects, cancel, created }: Props) {
  const outcome = useOutcome();
  const [label, setLabel] = useState("");
  // The API name follows the label until the person edits it.
  const [name, setName] = useState<string | null>(null);
  const [type, setType] = useState("TEXT");
  const [options, setOptions] = useState<OptionDraft[]>([{ label: "", color: nextColor(0) }]);
  const [relationTarget, setRelationTarget] = useState(objects[0]?.nameSingular ?? "company");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = fieldBody(object.id, { label, name: name ?? camelName(label), type, options, relationTarget });
    if (hasOptions(type) && body.options?.length === 0) return outcome.failed(new Error("Give the field at least one option."));
    try {
      await created(await api.createField(workspace, body));
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <form className="settings-card" onSubmit={submit} aria-label={`New field on ${object.labelPlural}`}>
      <div className="settings-inline">
        <label className="field">
          <span>Field label</span>
          <input value={label} onChange={(e) => setLabel(e.target.value)} required autoComplete="off" />
        </label>
        <label className="field">
          <span>API name</span>
          <input value={name ?? camelName(label)} onChange={(e) => setName(e.target.value)} required pattern="[a-z][A-Za-z0-9]*" title="Starts with a small letter; letters and digits only" />
        </label>
        <label className="field">
          <span>Field type</span>
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {FIELD_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {hasOptions(type) && <OptionsEditor options={options} setOptions={setOptions} />}
      {type === "RELATION" && (
        <label className="field">
          <span>Relation to</span>
          <select value={relationTarget} onChange={(e) => setRelationTarget(e.target.value)}>
            {objects.map((o) => (
              <option key={o.id} value={o.nameSingular}>
                {o.labelSingular}
              </option>
            ))}
            <option value="workspaceMember">Workspace member</option>
          </select>
        </label>
      )}
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="button" onClick={cancel}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Create field
        </button>
      </div>
    </form>
  );
}

interface EditorProps {
  options: OptionDraft[];
  setOptions: (change: (options: OptionDraft[]) => OptionDraft[]) => void;
}

/** One row per option: its label, the value derived from it, its colour. */
function OptionsEditor({ options, setOptions }: EditorProps) {
  const values = optionValues(options);
  const change = (index: number, part: Partial<OptionDraft>) =>
    setOptions((all) => all.map((o, i) => (i === index ? { ...o, ...part } : o)));
  return (
    <fieldset className="options-editor">
      <legend>Options</legend>
      <ol>
        {options.map((option, index) => (
          <li key={index}>
            <label className="field">
              <span className="visually-hidden">Option {index + 1} label</span>
              <input value={option.label} placeholder={`Option ${index + 1}`} onChange={(e) => change(index, { label: e.target.value })} />
            </label>
            <code className="muted" aria-label={`Option ${index + 1} value`}>
              {values[index] || "—"}
            </code>
            <label className="field">
              <span className="visually-hidden">Option {index + 1} colour</span>
              <select value={option.color} onChange={(e) => change(index, { color: e.target.value })} className={`chip chip-${option.color}`}>
                {PALETTE.map((color) => (
                  <option key={color} value={color}>
                    {color}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => setOptions((all) => all.filter((_, i) => i !== index))} aria-label={`Remove option ${index + 1}`} disabled={options.length === 1}>
              ×
            </button>
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => setOptions((all) => [...all, { label: "", color: nextColor(all.length) }])}>
        + Add option
      </button>
    </fieldset>
  );
}
