//! Shipping's rate card: zones × weight bands × service levels, and when Standard shipping
//! is free. Shipping quotes from it and books parcels by it; Orders charges by it. It is
//! published language rather than Shipping's private model so that the price a customer is
//! quoted at checkout and the price the order charges can never disagree, without Orders
//! asking Shipping mid-request. Both read its one setting (the free-shipping threshold) from
//! the same configuration.

use kernel::money::{Currency, Money};
use serde::{Deserialize, Serialize};

/// How fast a parcel travels, and so what it costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    /// The default: cheapest, and free above the shop's threshold.
    Standard,
    /// Faster, dearer, and only for parcels up to [`EXPRESS_MAX_GRAMS`].
    Express,
}

impl ServiceLevel {
    /// Every level, cheapest first (the order quotes list them in).
    pub const ALL: [ServiceLevel; 2] = [ServiceLevel::Standard, ServiceLevel::Express];

    /// The level's name as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevel::Standard => "standard",
            ServiceLevel::Express => "express",
        }
    }

    /// The level named `name` as the API writes it, if any.
    pub fn named(name: &str) -> Option<ServiceLevel> {
        ServiceLevel::ALL.into_iter().find(|level| level.as_str() == name)
    }
}

/// Heaviest parcel Express carries.
pub const EXPRESS_MAX_GRAMS: u64 = 30_000;

/// Upper bounds of the weight bands, in grams; heavier parcels pay the last band plus a
/// price per started kilogram above it.
const BANDS_GRAMS: [u64; 3] = [1_000, 5_000, 20_000];

/// One service level's prices in a zone (US cents) and its delivery estimate.
struct Tariff {
    band_minor: [i64; 3],
    per_extra_kg_minor: i64,
    days: (u32, u32),
}

/// One shipping zone: the countries it covers and a tariff per service level.
struct Zone {
    name: &'static str,
    countries: &'static [&'static str],
    standard: Tariff,
    express: Tariff,
}

const ZONES: &[Zone] = &[
    Zone {
        name: "domestic",
        countries: &["US"],
        standard: Tariff { band_minor: [500, 800, 1_500], per_extra_kg_minor: 100, days: (3, 5) },
        express: Tariff { band_minor: [1_500, 2_200, 3_500], per_extra_kg_minor: 250, days: (1, 2) },
    },
    Zone {
        name: "europe",
        countries: &["AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO", "PL", "PT", "SE"],
        standard: Tariff { band_minor: [1_500, 2_200, 4_000], per_extra_kg_minor: 300, days: (5, 10) },
        express: Tariff { band_minor: [3_500, 4_800, 7_500], per_extra_kg_minor: 600, days: (2, 4) },
    },
    Zone {
        name: "international",
        countries: &["AU", "CA", "JP", "MX", "NZ"],
        standard: Tariff { band_minor: [2_500, 3_800, 6_500], per_extra_kg_minor: 500, days: (7, 14) },
        express: Tariff { band_minor: [5_000, 7_200, 11_000], per_extra_kg_minor: 900, days: (3, 6) },
    },
];

/// The currency the card's prices are in; orders in another currency have no option.
pub const RATE_CURRENCY: Currency = Currency::USD;

/// One way to ship a parcel, as quoted and as charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "ShippingOption")]
pub struct ShippingOption {
    /// The service level.
    pub service: ServiceLevel,
    /// The zone the destination is in.
    pub zone: String,
    /// What the customer pays for it (zero when free).
    pub price: Money,
    /// Whether the shop's free-shipping threshold made it free.
    pub free: bool,
    /// Fewest business days to delivery.
    pub min_days: u32,
    /// Most business days to delivery.
    pub max_days: u32,
}

/// The shop's rate card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCard {
    free_standard_over: Option<Money>,
}

impl RateCard {
    /// The card, with Standard shipping free for orders whose items are worth at least
    /// `free_standard_over` (never free when `None`).
    pub fn new(free_standard_over: Option<Money>) -> Self {
        RateCard { free_standard_over }
    }

    /// The shipping zone `country` is in, if any.
    pub fn zone_of(country: &str) -> Option<&'static str> {
        zone(country).map(|zone| zone.name)
    }

    /// What the carrier charges the shop for `service` to `country` (no free shipping);
    /// `None` when the service does not go there or cannot carry the weight.
    pub fn carrier_price(country: &str, weight_grams: u64, service: ServiceLevel) -> Option<Money> {
        let zone = zone(country)?;
        if service == ServiceLevel::Express && weight_grams > EXPRESS_MAX_GRAMS {
            return None;
        }
        let tariff = match service {
            ServiceLevel::Standard => &zone.standard,
            ServiceLevel::Express => &zone.express,
        };
        let band = BANDS_GRAMS.iter().position(|&limit| weight_grams <= limit);
        let minor = match band {
            Some(band) => tariff.band_minor[band],
            None => {
                let above = weight_grams.saturating_sub(BANDS_GRAMS[BANDS_GRAMS.len() - 1]).div_ceil(1_000);
                let extra = tariff.per_extra_kg_minor.saturating_mul(i64::try_from(above).unwrap_or(i64::MAX));
                tariff.band_minor[BANDS_GRAMS.len() - 1].saturating_add(extra)
            }
        };
        Some(Money::new(minor, RATE_CURRENCY))
    }

    /// Every way to ship `weight_grams` to `country` for an order whose items are worth
    /// `items_value`, cheapest service first; empty when nothing goes there.
    pub fn options(&self, country: &str, weight_grams: u64, items_value: Money) -> Vec<ShippingOption> {
        let Some(zone) = zone(country) else { return Vec::new() };
        if items_value.currency != RATE_CURRENCY {
            return Vec::new();
        }
        ServiceLevel::ALL
            .into_iter()
            .filter_map(|service| {
                let price = Self::carrier_price(country, weight_grams, service)?;
                let free = service == ServiceLevel::Standard
                    && self.free_standard_over.is_some_and(|threshold| {
                        threshold.currency == items_value.currency && items_value.amount_minor >= threshold.amount_minor
                    });
                let tariff = if service == ServiceLevel::Standard { &zone.standard } else { &zone.express };
                Some(ShippingOption {
                    service,
                    zone: zone.name.to_owned(),
                    price: if free { Money::zero(RATE_CURRENCY) } else { price },
                    free,
                    min_days: tariff.days.0,
                    max_days: tariff.days.1,
                })
            })
            .collect()
    }
}

fn zone(country: &str) -> Option<&'static Zone> {
    ZONES.iter().find(|zone| zone.countries.contains(&country))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    #[test]
    fn each_weight_band_has_its_price_and_heavier_parcels_pay_per_started_kilogram() {
        let standard = |grams| RateCard::carrier_price("US", grams, ServiceLevel::Standard).unwrap().amount_minor;
        assert_eq!([standard(1), standard(1_000), standard(1_001), standard(20_000)], [500, 500, 800, 1_500]);
        assert_eq!(standard(20_001), 1_600);
        assert_eq!(standard(22_500), 1_800);
    }

    #[test]
    fn express_costs_more_and_stops_at_its_weight_limit() {
        let card = RateCard::new(None);
        let options = card.options("DE", 2_500, usd(1_000));
        assert_eq!(
            options.iter().map(|o| (o.service, o.price.amount_minor)).collect::<Vec<_>>(),
            [(ServiceLevel::Standard, 2_200), (ServiceLevel::Express, 4_800)]
        );
        assert!(options.iter().all(|o| o.zone == "europe"));
        let heavy = card.options("DE", EXPRESS_MAX_GRAMS + 1, usd(1_000));
        assert_eq!(heavy.iter().map(|o| o.service).collect::<Vec<_>>(), [ServiceLevel::Standard]);
    }

    #[test]
    fn standard_is_free_from_the_threshold_up_and_express_never_is() {
        let card = RateCard::new(Some(usd(10_000)));
        let below = card.options("US", 500, usd(9_999));
        assert!(!below[0].free && below[0].price == usd(500));
        let at = card.options("US", 500, usd(10_000));
        assert!(at[0].free && at[0].price == usd(0));
        assert_eq!(at[1].price, usd(1_500), "express is charged");
        assert!(!RateCard::new(None).options("US", 500, usd(1_000_000))[0].free, "no threshold, never free");
    }

    #[test]
    fn no_option_outside_every_zone_or_in_another_currency() {
        let card = RateCard::new(None);
        assert!(card.options("AQ", 100, usd(1_000)).is_empty());
        assert!(card.options("US", 100, Money::new(1_000, Currency::parse("EUR").unwrap())).is_empty());
        assert_eq!(RateCard::zone_of("AQ"), None);
    }
}
