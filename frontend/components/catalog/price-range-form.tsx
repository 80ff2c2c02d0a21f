"use client";

import { useId, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { type CatalogQuery, centsToDollars, dollarsToCents, withChanges } from "@/lib/catalog/query";
import { useCatalogNavigation } from "./catalog-navigation";

const dollars = (cents: number | null) => (cents === null ? "" : centsToDollars(cents));

/** A price range typed in dollars; the URL (and the API) get it in cents. */
export function PriceRangeForm({ query }: { query: CatalogQuery }) {
  const id = useId();
  const { go } = useCatalogNavigation();
  const [from, setFrom] = useState(dollars(query.priceMin));
  const [to, setTo] = useState(dollars(query.priceMax));
  const [shown, setShown] = useState({ min: query.priceMin, max: query.priceMax });
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});

  // A band clicked, a filter removed or the back button: the boxes follow the URL.
  if (shown.min !== query.priceMin || shown.max !== query.priceMax) {
    setShown({ min: query.priceMin, max: query.priceMax });
    setFrom(dollars(query.priceMin));
    setTo(dollars(query.priceMax));
    setErrors({});
  }

  function apply(event: React.FormEvent) {
    event.preventDefault();
    const min = dollarsToCents(from);
    const max = dollarsToCents(to);
    const found: { from?: string; to?: string } = {};
    if (!min.ok) found.from = min.message;
    if (!max.ok) found.to = max.message;
    if (min.ok && max.ok && min.cents !== null && max.cents !== null && max.cents < min.cents) {
      found.to = "“To” must not be below “From”.";
    }
    setErrors(found);
    if (!min.ok || !max.ok || found.to || found.from) return;
    go(withChanges(query, { priceMin: min.cents === 0 ? null : min.cents, priceMax: max.cents }));
  }

  const field = (
    name: "from" | "to",
    label: string,
    value: string,
    set: (value: string) => void,
  ) => {
    const error = errors[name];
    return (
      <div className="min-w-0 flex-1">
        <label htmlFor={`${id}-${name}`} className="mb-1 block text-xs font-medium text-slate-600">
          <span className="sr-only">Price </span>
          {label}
        </label>
        <div className="relative">
          <span aria-hidden="true" className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-sm text-slate-500">
            $
          </span>
          <input
            id={`${id}-${name}`}
            name={`price_${name}`}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={value}
            onChange={(e) => set(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-${name}-error` : undefined}
            className={`block w-full rounded-lg border bg-white py-2 pl-6 pr-2 text-sm text-slate-900 shadow-sm focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-200 ${
              error ? "border-red-400" : "border-slate-300"
            }`}
          />
        </div>
      </div>
    );
  };

  return (
    <form onSubmit={apply} noValidate aria-label="Price range" className="space-y-2">
      <div className="flex items-end gap-2">
        {field("from", "From", from, setFrom)}
        {field("to", "To", to, setTo)}
      </div>
      {errors.from ? (
        <p id={`${id}-from-error`} className="text-xs font-medium text-red-700">
          {errors.from}
        </p>
      ) : null}
      {errors.to ? (
        <p id={`${id}-to-error`} className="text-xs font-medium text-red-700">
          {errors.to}
        </p>
      ) : null}
      <button type="submit" className={buttonClass("secondary", "sm", "w-full")}>
        Apply price
      </button>
    </form>
  );
}
