import { useEffect, useState } from "react";
import { Command } from "cmdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api, type ObjectMeta } from "../../api/kith";
import { applyTheme, type Theme } from "../../ui/theme";

interface Props {
  workspace: string;
  open: boolean;
  setOpen: (open: boolean) => void;
}

/** Opens the palette on Ctrl+K / Cmd+K from anywhere in the workspace. */
export function usePaletteShortcut(setOpen: (update: (open: boolean) => boolean) => void) {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key.toLowerCase() === "k" && (event.metaKey || event.ctrlKey)) {
        event.preventDefault();
        setOpen((open) => !open);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [setOpen]);
}

/** Searches every object as one types, and runs the app's actions. */
export function Palette({ workspace, open, setOpen }: Props) {
  const [, navigate] = useLocation();
  const queries = useQueryClient();
  const [text, setText] = useState("");
  const typed = useDebounced(text.trim(), 120);
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const hits = useQuery({
    queryKey: ["search", workspace, typed],
    queryFn: ({ signal }) => api.search(workspace, typed, signal),
    enabled: open && typed.length > 0,
    staleTime: 5_000,
  });
  // Only the answers for what the box says now: while the debounce waits, the last query's
  // hits would be listed first and taken by Enter (typing "new person" just after "babb"
  // opened Babbage & Co).
  const shown = typed === text.trim() ? hits.data : undefined;
  const active = (objects.data ?? []).filter((o) => o.isActive);
  const bySingular = new Map(active.map((o) => [o.nameSingular, o]));
  const matches = (label: string) => label.toLowerCase().includes(text.trim().toLowerCase());

  function go(path: string) {
    setOpen(false);
    setText("");
    navigate(path);
  }

  async function theme(choice: Theme) {
    setOpen(false);
    applyTheme(choice);
    queries.setQueryData(["me"], await api.setTheme(choice));
  }

  const actions: { label: string; run: () => void }[] = [
    ...active.map((o: ObjectMeta) => ({ label: `New ${o.labelSingular.toLowerCase()}`, run: () => go(`/w/${workspace}/${o.namePlural}?new`) })),
    ...active.map((o: ObjectMeta) => ({ label: `Go to ${o.labelPlural}`, run: () => go(`/w/${workspace}/${o.namePlural}`) })),
    ...(["light", "dark", "system"] as const).map((choice) => ({ label: `Theme: ${choice}`, run: () => void theme(choice) })),
  ].filter((action) => matches(action.label));

  return (
    <Command.Dialog
      open={open}
      onOpenChange={setOpen}
      label="Search and commands"
      shouldFilter={false}
      className="palette"
      overlayClassName="palette-overlay"
      contentClassName="palette-content"
    >
      <Command.Input value={text} onValueChange={setText} placeholder="Search records or type a command…" />
      <Command.List>
        {typed && shown?.length === 0 && actions.length === 0 && (
          <Command.Empty>Nothing found for “{typed}”.</Command.Empty>
        )}
        {shown && shown.length > 0 && (
          <Command.Group heading="Records">
            {shown.map((hit) => {
              const object = bySingular.get(hit.objectNameSingular);
              return (
                <Command.Item
                  key={`${hit.objectNameSingular}/${hit.recordId}`}
                  value={`${hit.objectNameSingular}/${hit.recordId}`}
                  onSelect={() => object && go(`/w/${workspace}/${object.namePlural}/${hit.recordId}`)}
                >
                  {hit.label} <span className="muted">{object?.labelSingular ?? hit.objectNameSingular}</span>
                </Command.Item>
              );
            })}
          </Command.Group>
        )}
        {actions.length > 0 && (
          <Command.Group heading="Actions">
            {actions.slice(0, 12).map((action) => (
              <Command.Item key={action.label} value={action.label} onSelect={action.run}>
                {action.label}
              </Command.Item>
            ))}
          </Command.Group>
        )}
      </Command.List>
    </Command.Dialog>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
