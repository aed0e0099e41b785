// GitHub's paging header, as its REST API writes it: the same URL with page+1 as `next`, the last page as `last`.

/** `{ link: '<…&page=2>; rel="next", <…&page=5>; rel="last"' }` while there is a next page, else no header. */
export function gitHubLink(requested: URL, page: number, total: number, perPage: number): Record<string, string> {
  const last = Math.max(1, Math.ceil(total / perPage));
  if (page >= last) return {};
  const at = (n: number) => {
    const url = new URL(requested);
    url.searchParams.set('page', String(n));
    return url.href;
  };
  return { link: `<${at(page + 1)}>; rel="next", <${at(last)}>; rel="last"` };
}
