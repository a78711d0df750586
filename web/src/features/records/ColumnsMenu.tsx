import type { ObjectMeta } from "../../api/kith";
import { usePopover } from "../../ui/popover";
import { listable, moveColumn, toggleColumn, type Column } from "./columns";

interface Props {
  object: ObjectMeta;
  columns: Column[];
  onChange: (columns: Column[]) => void;
}

/** The header's "Fields" menu: show or hide each field as a column, and move shown ones. */
export function ColumnsMenu({ object, columns, onChange }: Props) {
  const { open, wrapper, button, toggle } = usePopover();
  const shown = new Set(columns.map((c) => c.field.name));
  const hidden = listable(object).filter((f) => !shown.has(f.name));

  return (
    <div className="columns-menu" ref={wrapper}>
      <button ref={button} type="button" aria-expanded={open} onClick={toggle}>
        Fields
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label="Fields shown">
          <ul className="column-list">
            {columns.map(({ field }, index) => (
              <li key={field.id}>
                <label>
                  <input
                    type="checkbox"
                    checked
                    disabled={index === 0}
                    onChange={() => onChange(toggleColumn(columns, field))}
                  />{" "}
                  {field.label}
                </label>
                {index > 0 && (
                  <span className="column-moves">
                    <button type="button" aria-label={`Move ${field.label} up`} disabled={index === 1} onClick={() => onChange(moveColumn(columns, field.name, -1))}>
                      ↑
                    </button>
                    <button type="button" aria-label={`Move ${field.label} down`} disabled={index === columns.length - 1} onClick={() => onChange(moveColumn(columns, field.name, 1))}>
                      ↓
                    </button>
                  </span>
                )}
              </li>
            ))}
            {hidden.map((field) => (
              <li key={field.id}>
                <label>
                  <input type="checkbox" checked={false} onChange={() => onChange(toggleColumn(columns, field))} /> {field.label}
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
