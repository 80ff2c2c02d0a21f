import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AdminOrderCancel } from "@/components/admin/admin-order-cancel";
import { PaymentPanel } from "@/components/admin/payment-panel";
import { SagaHistory } from "@/components/admin/saga-history";
import { ShipmentStatusBadge } from "@/components/admin/shipment-status-badge";
import { OrderStatusBadge } from "@/components/orders/order-status-badge";
import { OrderTimeline } from "@/components/orders/order-timeline";
import { Alert } from "@/components/ui/alert";
import { ApiError } from "@/lib/api/problem";
import { getOrder, getPayment, getSagaDetail, getShipment } from "@/lib/api/server";
import { redirectIfUnauthorized, requireAdmin } from "@/lib/auth-guard";
import { formatDateTime, pluralize, shortId } from "@/lib/format";
import { formatMoney } from "@/lib/money";
import { canCancel, returnsToSender } from "@/lib/order-cancel";

export const metadata: Metadata = { title: "Order" };

/**
 * One order for the shop's staff: what it holds and came to, its history in moments, its
 * payment (held, then captured when the parcel leaves, with refunds of part or the rest of
 * the capture), a cancellation until its parcel is delivered (returned to sender once it
 * has left), where its parcel stands, and
 * its sagas step by step, the cancellation's first when there is one (each with a retry
 * when it waits for attention). The customer's own page, with the parcel's
 * tracking and cancellation, is one link away.
 */
export default async function AdminOrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const path = `/admin/orders/${encodeURIComponent(id)}`;
  const { token } = await requireAdmin(path);
  let order;
  let saga;
  let cancellationSaga;
  let payment;
  let shipment;
  try {
    order = await getOrder(token, id);
    // The place-order saga's id is the order's.
    saga = order ? await getSagaDetail(token, order.id) : null;
    cancellationSaga = order?.cancellationSagaId ? await getSagaDetail(token, order.cancellationSagaId) : null;
    payment = order?.paymentId ? await getPayment(token, order.paymentId) : null;
    shipment = order?.shipmentId ? await getShipment(token, order.shipmentId) : null;
  } catch (e) {
    redirectIfUnauthorized(e, path);
    if (!(e instanceof ApiError)) throw e;
    return (
      <Alert tone="error" title="We couldn't load this order">
        {e.detail}
      </Alert>
    );
  }
  if (!order) notFound();
  return (
    <div className="space-y-6">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div>
          <p className="text-sm text-slate-500">
            <Link href="/admin/orders" className="hover:underline">
              Orders
            </Link>{" "}
            / #{shortId(order.id)}
          </p>
          <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900">Order #{shortId(order.id)}</h1>
          <p className="mt-1 text-sm text-slate-600">
            Placed {formatDateTime(order.placedAt)} · {pluralize(order.itemCount, "item")} · {formatMoney(order.total)} ·{" "}
            <Link href={`/admin/orders?customer_id=${encodeURIComponent(order.customerId)}`} className="hover:underline">
              customer {shortId(order.customerId)}
            </Link>
          </p>
        </div>
        <div className="flex items-center gap-3">
          {canCancel(order, shipment ?? null, "admin") ? (
            <AdminOrderCancel orderId={order.id} returnToSender={returnsToSender(shipment ?? null)} />
          ) : null}
          <OrderStatusBadge status={order.status} />
          {shipment ? <ShipmentStatusBadge status={shipment.status} /> : null}
          <Link href={`/orders/${order.id}`} className="text-sm font-medium text-brand-700 hover:underline">
            Customer&apos;s view
          </Link>
        </div>
      </div>
      {order.cancellationRefused ? (
        <Alert tone="info" title="A cancellation was refused">
          {order.cancellationRefused}
        </Alert>
      ) : null}
      {order.cancellation ? (
        <Alert tone="warning" title={`Cancelled: ${order.cancellation.code}`}>
          {order.cancellation.message}
        </Alert>
      ) : null}
      <div className="grid gap-6 xl:grid-cols-[20rem_1fr]">
        <div className="space-y-6">
          {payment ? <PaymentPanel initial={payment} /> : null}
          <section aria-labelledby="history-title" className="h-fit rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 id="history-title" className="mb-4 text-lg font-semibold text-slate-900">
              History
            </h2>
            <OrderTimeline orderId={order.id} version={`${order.status}:${order.updatedAt}`} />
          </section>
        </div>
        <div className="space-y-6">
          {/* Keyed by their last change, so each starts again from what the page read anew. */}
          {cancellationSaga ? (
            <SagaHistory key={cancellationSaga.saga.updated_at} initial={cancellationSaga} title="Cancellation saga history" />
          ) : null}
          {saga ? (
            <SagaHistory key={saga.saga.updated_at} initial={saga} />
          ) : (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
              This order has no saga history.
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
