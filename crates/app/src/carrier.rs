//! The simulated carrier: sends a parcel's update to a running platform's webhook, signed as
//! the real carrier signs it, so the demo (and the browser tests) can move parcels without
//! one.

use crate::Settings;
use anyhow::Context;

/// Where the carrier says a parcel is.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ParcelStatus {
    /// Scanned on its way.
    InTransit,
    /// At the customer's door.
    Delivered,
    /// Back at the warehouse, after the shop asked for it to be returned.
    Returned,
}

/// A request that posts `body` to the carrier webhook of the platform at `api`, signed with
/// `secret` at `signed_at` (Unix seconds), as the carrier sends it.
pub fn signed_update(api: &str, secret: &str, signed_at: i64, body: String) -> reqwest::RequestBuilder {
    let signature = shipping::sign_carrier_update(secret, signed_at, body.as_bytes());
    reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks/carrier", api.trim_end_matches('/')))
        .header("content-type", "application/json")
        .header(shipping::TIMESTAMP_HEADER, signed_at.to_string())
        .header(shipping::SIGNATURE_HEADER, signature)
        .body(body)
}

/// Sends one update about parcel `tracking_number` to the webhook at `api` (the platform's
/// base URL), signed with the newest of the carrier's secrets; answers the platform's reply.
pub async fn send_update(
    settings: &Settings,
    api: &str,
    tracking_number: &str,
    status: ParcelStatus,
    location: &str,
) -> anyhow::Result<String> {
    let secrets = crate::platform::carrier_secrets(settings)?;
    let secret = secrets.last().context("the carrier has no secret to sign with")?;
    let status = match status {
        ParcelStatus::InTransit => "in_transit",
        ParcelStatus::Delivered => "delivered",
        ParcelStatus::Returned => "returned",
    };
    let body = serde_json::json!({
        "event_id": uuid::Uuid::now_v7(),
        "tracking_number": tracking_number,
        "status": status,
        "location": location,
    })
    .to_string();
    let response = signed_update(api, secret, chrono::Utc::now().timestamp(), body)
        .send()
        .await
        .with_context(|| format!("cannot reach {api}"))?;
    let code = response.status();
    let answer = response.text().await?;
    anyhow::ensure!(code.is_success(), "the platform answered {code}: {answer}");
    Ok(answer)
}
