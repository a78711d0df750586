// Edits of a filter tree, without changing it: each returns a new tree. A place in the tree is
// the list of indexes leading to it ([2] the third item, [2, 0] the first item of that group).

import { isGroup, type Condition, type FilterGroup, type Join } from "./model";

export type Item = Condition | FilterGroup;
export type Place = number[];

export function itemAt(root: FilterGroup, place: Place): Item | undefined {
  let item: Item | undefined = root;
  for (const index of place) item = item && isGroup(item) ? item.items[index] : undefined;
  return item;
}

/** The group at `place` changed by `change`; groups left empty on the way disappear. */
function updateGroup(root: FilterGroup, place: Place, change: (group: FilterGroup) => FilterGroup): FilterGroup {
  const [index, ...rest] = place;
  if (index === undefined) return change(root);
  const items = root.items.flatMap((item, i) => {
    if (i !== index || !isGroup(item)) return [item];
    const changed = updateGroup(item, rest, change);
    return changed.items.length ? [changed] : [];
  });
  return { ...root, items };
}

const parentOf = (place: Place): [Place, number] => [place.slice(0, -1), place[place.length - 1] ?? 0];

export function replaceAt(root: FilterGroup, place: Place, item: Item): FilterGroup {
  const [parent, index] = parentOf(place);
  return updateGroup(root, parent, (group) => ({ ...group, items: group.items.map((it, i) => (i === index ? item : it)) }));
}

export function removeAt(root: FilterGroup, place: Place): FilterGroup {
  const [parent, index] = parentOf(place);
  return updateGroup(root, parent, (group) => ({ ...group, items: group.items.filter((_, i) => i !== index) }));
}

export function appendTo(root: FilterGroup, groupPlace: Place, item: Item): FilterGroup {
  return updateGroup(root, groupPlace, (group) => ({ ...group, items: [...group.items, item] }));
}

export function setJoin(root: FilterGroup, groupPlace: Place, join: Join): FilterGroup {
  return updateGroup(root, groupPlace, (group) => ({ ...group, join }));
}
