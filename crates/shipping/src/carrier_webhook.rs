//! Slice: the carrier tells the shop where a parcel is. Each update is signed —
//! `Carrier-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{body}">` with a shared secret,
//! `Carrier-Timestamp: <unix seconds>` — and checked before its body is even parsed: a stale
//! timestamp (over 300 s either way) or a signature no current secret made is refused. Two
//! secrets are accepted while one replaces the other. Carriers resend; an update whose
//! `event_id` was applied before is answered 200 again and changes nothing.

use crate::Shipping;
use crate::lifecycle::{Move, advance};
use crate::ship_shipment::TRACKING_NUMBER;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use kernel::error::{ApiError, Validation, problems};
use kernel::event_store::{Metadata, StoreError, retry_on_conflict};
use kernel::http::Json;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Header with the update's signatures (`v1=<hex>`, comma-separated when several).
pub const SIGNATURE_HEADER: &str = "carrier-signature";
/// Header with the moment the update was signed, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "carrier-timestamp";
/// How far a signature's timestamp may be from the shop's clock, either way.
const TOLERANCE_SECONDS: i64 = 300;
/// What carrier event ids are claimed as, so each update applies once.
const CARRIER_EVENT: &str = "carrier-event";

pub(crate) fn routes() -> OpenApiRouter<Shipping> {
    OpenApiRouter::new().routes(routes!(carrier_update))
}

/// The `Carrier-Signature` value for `body` signed at `timestamp` (Unix seconds) with
/// `secret`: what the carrier sends, and what the simulated carrier and tests send.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether `headers` carry a fresh signature of `body` by one of `secrets` (compared in
/// constant time), as of `now` (Unix seconds).
fn verify(secrets: &[String], headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let timestamp = header(TIMESTAMP_HEADER)
        .and_then(|value| value.trim().parse::<i64>().ok())
        .ok_or_else(|| ApiError::unauthorized("Carrier-Timestamp is missing or not Unix seconds"))?;
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(ApiError::unauthorized(format!(
            "Carrier-Timestamp is more than {TOLERANCE_SECONDS} s from the shop's clock; sign the update afresh"
        )));
    }
    let signatures = header(SIGNATURE_HEADER).ok_or_else(|| ApiError::unauthorized("Carrier-Signature is missing"))?;
    let signed_by_a_secret = signatures
        .split(',')
        .filter_map(|signature| signature.trim().strip_prefix("v1="))
        .filter_map(|hex_digest| hex::decode(hex_digest).ok())
        .any(|digest| secrets.iter().any(|secret| mac(secret, timestamp, body).verify_slice(&digest).is_ok()));
    if !signed_by_a_secret {
        return Err(ApiError::unauthorized("Carrier-Signature does not match the update"));
    }
    Ok(())
}

/// Where the carrier says the parcel is.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum CarrierStatus {
    /// Scanned on its way.
    InTransit,
    /// At the customer's door.
    Delivered,
    /// Back at the warehouse (only a parcel called back by a return to sender).
    Returned,
}

/// The body of a carrier update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CarrierUpdate {
    /// The carrier's id of this update (1 to 100 characters): a resent update carries the same.
    event_id: String,
    /// The parcel.
    tracking_number: String,
    status: CarrierStatus,
    /// Where it was scanned (in transit, also on the way back; at most 100 characters).
    location: Option<String>,
}

/// What the shop did with an update.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct CarrierAck {
    /// The parcel's shipment.
    shipment_id: Uuid,
    /// `false` when this `event_id` had been applied before: nothing changed now.
    applied: bool,
}

/// Receive a signed update from the carrier. Refused with 401 unless signed by a current
/// secret within 300 s; an unknown tracking number is 422, a move the parcel cannot make
/// (delivered twice, in transit before it shipped, delivered while being returned, returned
/// when no return was asked for) 409, and nothing changes on any refusal.
#[utoipa::path(post, path = "/webhooks/carrier", tag = "shipping",
    params(("carrier-signature" = String, Header, description = "v1=<hex HMAC-SHA256 of \"{timestamp}.{body}\">"),
        ("carrier-timestamp" = i64, Header, description = "When it was signed, in Unix seconds")),
    request_body = CarrierUpdate,
    responses((status = 200, description = "Applied, or applied before", body = CarrierAck),
        problems::MalformedRequest, problems::NotSignedIn, problems::Conflict, problems::InvalidRequest))]
async fn carrier_update(
    State(shipping): State<Shipping>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CarrierAck>, ApiError> {
    verify(&shipping.carrier_secrets, &headers, &body, shipping.store.clock().now().timestamp())?;
    let update: CarrierUpdate = serde_json::from_slice(&body)
        .map_err(|error| ApiError::bad_request(format!("the update could not be read: {error}")))?;
    let mut v = Validation::new();
    v.check((1..=100).contains(&update.event_id.chars().count()), "event_id", "must be 1 to 100 characters");
    let location = update.location.unwrap_or_default().trim().to_owned();
    v.check(location.chars().count() <= 100, "location", "must be at most 100 characters");
    v.finish()?;
    let step = match update.status {
        CarrierStatus::InTransit => Move::Scan { location },
        CarrierStatus::Delivered => Move::Deliver,
        CarrierStatus::Returned => Move::Return,
    };
    let tracking_number = update.tracking_number.trim().to_ascii_uppercase();
    let metadata = Metadata { actor: Some("carrier".to_owned()), ..Metadata::default() };
    let answer =
        retry_on_conflict(|| async {
            let mut uow = shipping.store.begin().await?;
            let Some(order_id) = uow.unique_owner(TRACKING_NUMBER, &tracking_number).await? else {
                let unknown = ApiError::rejected(
                    "unknown_tracking_number",
                    format!("no parcel has tracking number {tracking_number}"),
                );
                return Ok(Err(unknown));
            };
            if uow.claim_unique(CARRIER_EVENT, &update.event_id, order_id).await?.is_err() {
                let shipment_id = crate::events::shipment_id(order_id);
                return Ok(Ok((CarrierAck { shipment_id, applied: false }, None)));
            }
            let moved = advance(&mut uow, order_id, step.clone(), &metadata).await?;
            if moved.is_ok() {
                uow.commit().await?;
            }
            Ok::<_, StoreError>(moved.map(|(shipment, position)| {
                (CarrierAck { shipment_id: shipment.shipment_id, applied: true }, position)
            }))
        })
        .await??;
    let (ack, position) = answer;
    shipping.settle(position).await;
    Ok(Json(ack))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP_HEADER, timestamp.to_string().parse().unwrap());
        headers.insert(SIGNATURE_HEADER, sign(secret, timestamp, body).parse().unwrap());
        headers
    }

    const NOW: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"event_id":"e1","tracking_number":"PW1","status":"delivered"}"#;

    #[test]
    fn only_a_fresh_signature_by_a_current_secret_of_this_very_body_passes() {
        let secrets = ["old-secret".to_owned(), "new-secret".to_owned()];
        assert!(verify(&secrets, &signed("old-secret", NOW, BODY), BODY, NOW).is_ok());
        assert!(verify(&secrets, &signed("new-secret", NOW - 300, BODY), BODY, NOW).is_ok(), "rotation");
        let refused = [
            verify(&secrets, &signed("other", NOW, BODY), BODY, NOW),
            verify(&secrets, &signed("new-secret", NOW - 301, BODY), BODY, NOW),
            verify(&secrets, &signed("new-secret", NOW + 301, BODY), BODY, NOW),
            verify(&secrets, &signed("new-secret", NOW, BODY), b"{}", NOW),
            verify(&secrets, &HeaderMap::new(), BODY, NOW),
        ];
        for (case, refused) in refused.into_iter().enumerate() {
            assert_eq!(refused.map_err(|e| e.status()), Err(axum::http::StatusCode::UNAUTHORIZED), "case {case}");
        }
    }

    #[test]
    fn a_timestamp_at_the_ends_of_the_number_line_is_stale_not_a_crash() {
        // Found by schemathesis: `carrier-timestamp: -9223372036854775808` overflowed.
        for timestamp in [i64::MIN, i64::MAX] {
            let refused = verify(&["s".to_owned()], &signed("s", timestamp, BODY), BODY, NOW);
            assert_eq!(refused.map_err(|e| e.status()), Err(axum::http::StatusCode::UNAUTHORIZED));
        }
    }

    #[test]
    fn one_good_signature_among_several_is_enough() {
        let mut headers = signed("new-secret", NOW, BODY);
        let both = format!("v1=00ff, {}", sign("new-secret", NOW, BODY));
        headers.insert(SIGNATURE_HEADER, both.parse().unwrap());
        assert!(verify(&["new-secret".to_owned()], &headers, BODY, NOW).is_ok());
    }
}
