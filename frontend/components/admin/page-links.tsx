import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

/**
 * "First page" and "Next page" under an admin list: `href(cursor)` builds the list's URL for a
 * cursor (`null` for the first page), so filters stay as they are.
 */
export function PageLinks({
  label,
  cursor,
  nextCursor,
  href,
}: {
  label: string;
  cursor: string | null | undefined;
  nextCursor: string | null | undefined;
  href: (cursor: string | null) => string;
}) {
  return (
    <nav aria-label={label} className="mt-6 flex justify-center gap-3">
      {cursor ? (
        <Link href={href(null)} className={buttonClass("secondary")}>
          ← First page
        </Link>
      ) : null}
      {nextCursor ? (
        <Link href={href(nextCursor)} className={buttonClass("secondary")}>
          Next page →
        </Link>
      ) : null}
    </nav>
  );
}
