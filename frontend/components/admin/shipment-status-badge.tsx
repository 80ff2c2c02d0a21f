import type { ShipmentStatus } from "@/lib/api/types";

/** The admin's words: a created shipment is work waiting to be done. */
export const SHIPMENT_STATUS_LABEL: Record<ShipmentStatus, string> = {
  created: "To ship",
  shipped: "Shipped",
  in_transit: "In transit",
  delivered: "Delivered",
  cancelled: "Cancelled",
  returning: "Returning",
  returned: "Returned",
};

const styles: Record<ShipmentStatus, string> = {
  created: "bg-amber-50 text-amber-900 ring-amber-200",
  shipped: "bg-sky-50 text-sky-800 ring-sky-200",
  in_transit: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  delivered: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  cancelled: "bg-slate-100 text-slate-700 ring-slate-300",
  returning: "bg-orange-50 text-orange-900 ring-orange-200",
  returned: "bg-slate-100 text-slate-700 ring-slate-300",
};

export function ShipmentStatusBadge({ status }: { status: ShipmentStatus }) {
  return (
    <span
      data-testid="shipment-status"
      data-status={status}
      className={`inline-flex w-fit items-center whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${styles[status]}`}
    >
      {SHIPMENT_STATUS_LABEL[status]}
    </span>
  );
}
