import Link from "next/link";
import { SHIPMENT_STATUSES, shipmentListHref } from "@/lib/admin/list-query";
import type { ShipmentStatus } from "@/lib/api/types";
import { SHIPMENT_STATUS_LABEL } from "./shipment-status-badge";

/** One link per status (and All): a single click filters, and the filter is in the URL. */
export function ShipmentFilter({ current }: { current: ShipmentStatus | null }) {
  return (
    <nav aria-label="Shipment status" className="mb-6">
      <ul className="flex flex-wrap gap-2">
        {[null, ...SHIPMENT_STATUSES].map((status) => {
          const selected = status === current;
          return (
            <li key={status ?? "all"}>
              <Link
                href={shipmentListHref({ status, cursor: null })}
                aria-current={selected ? "page" : undefined}
                className={`inline-flex rounded-full px-3.5 py-1.5 text-sm font-medium ring-1 ring-inset ${
                  selected
                    ? "bg-brand-600 text-white ring-brand-600"
                    : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50 hover:text-slate-900"
                }`}
              >
                {status ? SHIPMENT_STATUS_LABEL[status] : "All"}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
