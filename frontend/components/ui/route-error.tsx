"use client";

import Link from "next/link";
import { useEffect } from "react";
import { errorMessage } from "@/lib/api/problem";
import { buttonClass } from "./button";

/**
 * Body of every route's error.tsx. Errors from server components arrive
 * without their message in production, so the text falls back to a plain
 * sentence and the digest is shown for support.
 */
export function RouteError({
  error,
  retry,
  title = "Something went wrong",
}: {
  error: unknown;
  retry: () => void;
  title?: string;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest =
    typeof error === "object" && error !== null && "digest" in error
      ? String((error as { digest: unknown }).digest)
      : null;
  return (
    <div className="container-page py-16">
      <div className="mx-auto max-w-lg rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
        <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
        <p role="alert" className="mt-3 text-slate-600">
          {digest ? "We couldn't load this page. Please try again in a moment." : errorMessage(error)}
        </p>
        {digest ? <p className="mt-2 text-xs text-slate-500">Reference: {digest}</p> : null}
        <div className="mt-6 flex justify-center gap-3">
          <button type="button" onClick={() => retry()} className={buttonClass("primary")}>
            Try again
          </button>
          <Link href="/" className={buttonClass("secondary")}>
            Back to the shop
          </Link>
        </div>
      </div>
    </div>
  );
}
