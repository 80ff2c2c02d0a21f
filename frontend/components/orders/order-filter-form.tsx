import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { statusLabel } from "@/lib/order-copy";
import { FILTER_STATUSES, type OrderFilter, isFiltered } from "@/lib/order-filter";

/**
 * Narrows an order list by status and the days placed (and, with `admin`, by customer
 * email or id and order number). A plain GET form: the filter lives in the URL, so a narrowed list can be
 * bookmarked or shared, and works before any script has loaded.
 */
export function OrderFilterForm({ action, filter, admin = false }: { action: string; filter: OrderFilter; admin?: boolean }) {
  return (
    <form
      method="get"
      action={action}
      aria-label="Filter orders"
      className="mb-6 grid gap-4 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4"
    >
      <SelectField id="status" name="status" label="Status" defaultValue={filter.status}>
        <option value="">Any status</option>
        {FILTER_STATUSES.map((status) => (
          <option key={status} value={status}>
            {statusLabel(status)}
          </option>
        ))}
      </SelectField>
      <TextField id="placed_from" name="placed_from" type="date" label="Placed from" defaultValue={filter.placedFrom} />
      <TextField id="placed_to" name="placed_to" type="date" label="Placed to" defaultValue={filter.placedTo} />
      {admin ? (
        <>
          <TextField id="number" name="number" label="Order number" placeholder="3E8119F2" defaultValue={filter.number} />
          <TextField
            id="customer_email"
            name="customer_email"
            type="email"
            label="Customer email"
            placeholder="ada@example.com"
            defaultValue={filter.customerEmail}
          />
          <TextField id="customer_id" name="customer_id" label="Customer id" defaultValue={filter.customerId} />
        </>
      ) : null}
      <div className="flex items-end gap-2">
        <button type="submit" className={buttonClass("primary")}>
          Apply
        </button>
        {isFiltered(filter) ? (
          <Link href={action} className={buttonClass("ghost")}>
            Clear
          </Link>
        ) : null}
      </div>
    </form>
  );
}
