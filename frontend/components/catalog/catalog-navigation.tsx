"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ComponentProps, createContext, useCallback, useContext, useMemo, useTransition } from "react";
import { type CatalogQuery, catalogHref } from "@/lib/catalog/query";

interface CatalogNavigation {
  /** Shows another search-and-browse state; the back button returns from it. */
  go: (query: CatalogQuery) => void;
  goTo: (href: string) => void;
  /** True from a change until the new results have rendered. */
  pending: boolean;
}

const Context = createContext<CatalogNavigation | null>(null);

/**
 * Every change to the catalog's state (a search, a filter, the sort, a page) pushes its URL
 * inside one transition, so the results on screen stay until the next ones are ready and
 * the page can show, in one place, that they are on their way.
 */
export function CatalogNavigationProvider({ children }: { children: React.ReactNode }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const goTo = useCallback((href: string) => startTransition(() => router.push(href)), [router]);
  const value = useMemo(
    () => ({ go: (query: CatalogQuery) => goTo(catalogHref(query)), goTo, pending }),
    [goTo, pending],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useCatalogNavigation(): CatalogNavigation {
  const navigation = useContext(Context);
  if (!navigation) throw new Error("useCatalogNavigation needs a CatalogNavigationProvider above it");
  return navigation;
}

/**
 * A link to another state of the catalog. It stays a real link (it can be opened in a new
 * tab, copied, prefetched); a plain click goes through the catalog's shared transition.
 */
export function CatalogLink({ href, onClick, ...props }: ComponentProps<typeof Link> & { href: string }) {
  const { goTo } = useCatalogNavigation();
  return (
    <Link
      href={href}
      onClick={(event) => {
        onClick?.(event);
        const plain = event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
        if (event.defaultPrevented || !plain) return;
        event.preventDefault();
        goTo(href);
      }}
      {...props}
    />
  );
}

/** The results: dimmed and marked busy while the next ones load. */
export function PendingRegion({ children, className = "" }: { children: React.ReactNode; className?: string }) {
  const { pending } = useCatalogNavigation();
  return (
    <div
      aria-busy={pending || undefined}
      data-pending={pending || undefined}
      className={`transition-opacity duration-200 ${pending ? "opacity-50" : ""} ${className}`}
    >
      {children}
    </div>
  );
}
