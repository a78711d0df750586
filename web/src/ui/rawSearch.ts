import { useRouter } from "wouter";

/** The address's query as the browser has it, without the `?`. wouter's `useSearch` passes it
 *  through `decodeURI`, which turns `%25` into `%`: a parameter holding a `%` (an OAuth
 *  client's `state`, a `next` address holding a query) would then be read as another value. */
export function useRawSearch(): string {
  const router = useRouter();
  const search = router.searchHook(router);
  return search.startsWith("?") ? search.slice(1) : search;
}
