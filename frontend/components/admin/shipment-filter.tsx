import { SHIPMENT_STATUSES, shipmentListHref } from "@/lib/admin/list-query";
import type { ShipmentStatus } from "@/lib/api/types";
import { FilterLinks } from "./filter-links";
import { SHIPMENT_STATUS_LABEL } from "./shipment-status-badge";

/** One link per status (and All). */
export function ShipmentFilter({ current }: { current: ShipmentStatus | null }) {
  return (
    <FilterLinks
      label="Shipment status"
      links={[null, ...SHIPMENT_STATUSES].map((status) => ({
        href: shipmentListHref({ status, cursor: null }),
        label: status ? SHIPMENT_STATUS_LABEL[status] : "All",
        current: status === current,
      }))}
    />
  );
}
