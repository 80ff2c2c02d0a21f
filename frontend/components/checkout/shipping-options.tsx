import { Alert } from "@/components/ui/alert";
import { Skeleton } from "@/components/ui/skeleton";
import type { ShippingService } from "@/lib/api/types";
import { countryName } from "@/lib/countries";
import { type QuoteStatus, SERVICE_LABEL, chosenOption, deliveryEstimate, shippingPrice } from "@/lib/shipping";

/**
 * How the order travels: one radio per option the quote offers for the address, each with
 * the price the API quoted ("Free" when free) and its delivery estimate. An address nothing
 * ships to is said plainly; the order can still be placed there, and is then cancelled and
 * refunded by the shop.
 */
export function ShippingOptions({
  country,
  status,
  service,
  onChoose,
  onRetry,
  error,
}: {
  country: string;
  status: QuoteStatus;
  service: ShippingService;
  onChoose: (service: ShippingService) => void;
  onRetry: () => void;
  /** The API's refusal of the chosen service when the order was placed. */
  error?: string;
}) {
  if (status.state === "loading") {
    return (
      <div role="status" aria-busy="true" className="space-y-3">
        <span className="sr-only">Finding shipping options to {countryName(country)}…</span>
        <Skeleton className="h-14" />
        <Skeleton className="h-14" />
      </div>
    );
  }
  if (status.state === "unavailable") {
    return (
      <Alert tone="warning" title={`We don't ship to ${countryName(country)}`}>
        You can still place the order, but it will be cancelled and your payment refunded straight away. Choose
        another country to have it delivered.
      </Alert>
    );
  }
  if (status.state === "failed") {
    return (
      <Alert tone="error" title="We couldn't get the shipping options">
        {status.message}{" "}
        <button type="button" onClick={onRetry} className="font-semibold underline">
          Try again
        </button>
      </Alert>
    );
  }
  const chosen = chosenOption(status.options, service);
  return (
    <div>
      <div className="space-y-3">
        {status.options.map((option) => (
          <label
            key={option.service}
            data-testid="shipping-option"
            data-service={option.service}
            className="flex cursor-pointer items-center gap-3 rounded-xl border border-slate-300 p-4 text-sm has-checked:border-brand-500 has-checked:bg-brand-50 has-checked:ring-1 has-checked:ring-brand-500"
          >
            <input
              type="radio"
              name="shipping_service"
              value={option.service}
              checked={chosen?.service === option.service}
              onChange={() => onChoose(option.service)}
              aria-describedby={error ? "shipping_service-error" : undefined}
              className="h-4 w-4 accent-brand-600"
            />
            <span className="text-slate-800">
              <span className="font-semibold text-slate-900">{SERVICE_LABEL[option.service]}</span> —{" "}
              <span className="font-semibold text-slate-900">{shippingPrice(option)}</span> — {deliveryEstimate(option)}
            </span>
          </label>
        ))}
      </div>
      {error ? (
        <p id="shipping_service-error" className="mt-1.5 text-xs font-medium text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
