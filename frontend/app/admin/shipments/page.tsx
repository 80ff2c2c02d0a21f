import type { Metadata } from "next";
import { ShipmentFilter } from "@/components/admin/shipment-filter";
import { SHIPMENT_STATUS_LABEL } from "@/components/admin/shipment-status-badge";
import { ShipmentTable } from "@/components/admin/shipment-table";
import { PageLinks } from "@/components/admin/page-links";
import { Alert } from "@/components/ui/alert";
import { parseShipmentListQuery, shipmentListHref } from "@/lib/admin/list-query";
import { listShipments } from "@/lib/api/server";
import type { ShipmentStatus } from "@/lib/api/types";
import { loadAsAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Shipments" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function nothingListed(status: ShipmentStatus | null): string {
  if (status === null) return "No shipments yet.";
  if (status === "created") return "Nothing is waiting to ship.";
  return `No shipments are ${SHIPMENT_STATUS_LABEL[status].toLowerCase()}.`;
}

/** Every customer's parcels, newest order first, by status; the filter and page are in the URL. */
export default async function AdminShipmentsPage({ searchParams }: Props) {
  const query = parseShipmentListQuery(await searchParams);
  const here = shipmentListHref(query);
  const { data: page, failure } = await loadAsAdmin(here, (token) => listShipments(token, query));
  return (
    <div>
      <div className="mb-6">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900">Shipments</h1>
        <p className="mt-1 text-sm text-slate-600">
          Parcels waiting to ship are handed to the carrier here, or their orders cancelled; the carrier reports the rest of their journey.
        </p>
      </div>
      <ShipmentFilter current={query.status} />
      {failure !== null || !page ? (
        <Alert tone="error" title="We couldn't load the shipments">
          {failure}
        </Alert>
      ) : (
        <>
          {page.shipments.length === 0 ? (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
              {nothingListed(query.status)}
            </p>
          ) : (
            // A new page or filter starts from the server's answer.
            <ShipmentTable key={here} initial={page.shipments} />
          )}
          <PageLinks
            label="Shipment pages"
            cursor={query.cursor}
            nextCursor={page.nextCursor}
            href={(cursor) => shipmentListHref({ ...query, cursor })}
          />
        </>
      )}
    </div>
  );
}
