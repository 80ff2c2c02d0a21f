//! Validation of the place-order request.

use super::*;
use serde_json::json;

/// The shop's most units of one product per order, in these tests.
const LIMIT: u32 = 100;

fn request(body: serde_json::Value) -> PlaceOrder {
    serde_json::from_value(body).unwrap()
}

fn valid() -> serde_json::Value {
    json!({
        "lines": [{ "product_id": Uuid::now_v7(), "quantity": 2 }],
        "payment_method_id": Uuid::now_v7(),
        "shipping_address": { "name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us" }
    })
}

#[test]
fn a_valid_request_gets_an_upper_case_country() {
    let (lines, _, address, service) = request(valid()).validate(LIMIT).unwrap();
    assert_eq!(lines[0].quantity, 2);
    assert_eq!(address.country, "US");
    assert_eq!(service, ServiceLevel::Standard, "standard unless chosen");
}

#[test]
fn express_is_chosen_by_name_and_an_unknown_service_is_malformed() {
    let mut body = valid();
    body["shipping_service"] = json!("express");
    assert_eq!(request(body).validate(LIMIT).unwrap().3, ServiceLevel::Express);
    let mut body = valid();
    body["shipping_service"] = json!("overnight");
    assert!(serde_json::from_value::<PlaceOrder>(body).is_err());
}

fn usd(minor: i64) -> Money {
    Money::new(minor, kernel::money::Currency::USD)
}

#[test]
fn the_chosen_service_is_charged_from_the_rate_card() {
    let card = RateCard::new(Some(usd(10_000)));
    let express = chosen_shipping(&card, "US", 500, usd(2_000), ServiceLevel::Express).unwrap().unwrap();
    assert_eq!((express.price, express.free), (usd(1_500), false));
    let free = chosen_shipping(&card, "US", 500, usd(10_000), ServiceLevel::Standard).unwrap().unwrap();
    assert_eq!((free.price, free.free), (usd(0), true));
}

#[test]
fn no_zone_is_left_to_the_saga_and_an_impossible_service_is_refused_now() {
    let card = RateCard::new(None);
    assert_eq!(chosen_shipping(&card, "AQ", 500, usd(2_000), ServiceLevel::Express).unwrap(), None);
    let heavy = chosen_shipping(&card, "US", 40_000, usd(2_000), ServiceLevel::Express).unwrap_err();
    assert!(heavy.detail().contains("shipping_service"), "{}", heavy.detail());
}

#[test]
fn zero_and_negative_quantities_are_rejected() {
    for quantity in [0, -3, 101] {
        let mut body = valid();
        body["lines"][0]["quantity"] = json!(quantity);
        let error = request(body).validate(LIMIT).unwrap_err();
        assert!(error.detail().contains("lines[0].quantity"), "{quantity}: {}", error.detail());
    }
}

#[test]
fn an_empty_order_is_rejected() {
    let mut body = valid();
    body["lines"] = json!([]);
    assert!(request(body).validate(LIMIT).unwrap_err().detail().contains("lines"));
}

#[test]
fn a_repeated_product_is_rejected() {
    let mut body = valid();
    let line = body["lines"][0].clone();
    body["lines"] = json!([line.clone(), line]);
    assert!(request(body).validate(LIMIT).unwrap_err().detail().contains("lines[1].product_id"));
}

#[test]
fn every_bad_address_field_is_reported() {
    let mut body = valid();
    body["shipping_address"] = json!({ "name": "", "line1": " ", "city": "", "postal_code": "", "country": "USA" });
    let detail = request(body).validate(LIMIT).unwrap_err().detail().to_owned();
    for field in ["name", "line1", "city", "postal_code", "country"] {
        assert!(detail.contains(&format!("shipping_address.{field}")), "{field}: {detail}");
    }
}
