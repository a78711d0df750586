// An object's icon, from the name its metadata gives (`building-skyscraper`, `user`…): a few
// lines of inline SVG in the text's colour, so nothing is fetched and both themes fit. The
// object's label beside it says the same in words.

type Shape = "building" | "person" | "target" | "check" | "note" | "view" | "dot";

/** Icon names of metadata (Tabler's, as Twenty uses) to the shapes drawn here. */
function shapeOf(name: string): Shape {
  if (name === "view") return "view";
  if (name.startsWith("building")) return "building";
  if (name.startsWith("user")) return "person";
  if (name.startsWith("target")) return "target";
  if (name.includes("check")) return "check";
  if (name.startsWith("note") || name.startsWith("file")) return "note";
  return "dot";
}

const PATHS: Record<Shape, string> = {
  building: "M4 21V4h10v17M14 9h6v12M7 8h1M10 8h1M7 12h1M10 12h1M7 16h1M10 16h1M2 21h20",
  person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
  target: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM12 12h.01",
  check: "M4 4h16v16H4zM8 12l3 3 5-6",
  note: "M6 3h9l4 4v14H6zM9 11h7M9 15h7",
  view: "M4 6h16M4 12h16M4 18h10",
  dot: "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
};

export function ObjectIcon({ name }: { name: string }) {
  return (
    <svg className="object-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={PATHS[shapeOf(name)]} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
