import type { Metadata } from "next";
import Link from "next/link";
import { CatalogView } from "@/components/catalog/catalog-view";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { ApiError } from "@/lib/api/problem";
import { searchCatalog } from "@/lib/api/server";
import { catalogHref, parseCatalogQuery, withCursor } from "@/lib/catalog/query";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const query = parseCatalogQuery(await searchParams);
  return query.q ? { title: `Search: ${query.q}` } : {};
}

/** The catalog: search and browse, with every choice kept in the URL (`lib/catalog/query.ts`). */
export default async function CatalogPage({ searchParams }: Props) {
  const query = parseCatalogQuery(await searchParams);
  let results;
  try {
    results = await searchCatalog(query);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="container-page py-12">
        <Alert tone="error" title="We couldn't load the catalog">
          {e.detail}
        </Alert>
        {e.status === 400 || e.status === 422 ? (
          // A refused page cursor (stale, or from another sort) leaves the search itself intact.
          <Link href={query.cursor ? catalogHref(withCursor(query, null)) : "/"} className={buttonClass("secondary", "md", "mt-6")}>
            {query.cursor ? "Back to the first page" : "Start a new search"}
          </Link>
        ) : null}
      </div>
    );
  }
  return <CatalogView query={query} results={results} />;
}
