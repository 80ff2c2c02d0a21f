//! The built-in carrier's price list: a base price per zone plus a price per started
//! kilogram. A country in no zone cannot be shipped to.

use kernel::money::{Currency, Money};

/// One shipping zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Zone {
    pub(crate) name: &'static str,
    countries: &'static [&'static str],
    base_minor: i64,
    per_kg_minor: i64,
}

const ZONES: &[Zone] = &[
    Zone { name: "domestic", countries: &["US"], base_minor: 500, per_kg_minor: 100 },
    Zone {
        name: "europe",
        countries: &["AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO", "PL", "PT", "SE"],
        base_minor: 1500,
        per_kg_minor: 300,
    },
    Zone { name: "international", countries: &["AU", "CA", "JP", "MX", "NZ"], base_minor: 2500, per_kg_minor: 500 },
];

/// A price for one parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quote {
    pub(crate) zone: &'static str,
    pub(crate) cost: Money,
}

/// Prices a parcel of `weight_grams` to `country`; `None` when no zone covers it.
pub(crate) fn quote(country: &str, weight_grams: u64) -> Option<Quote> {
    let zone = ZONES.iter().find(|zone| zone.countries.contains(&country))?;
    let kilograms = i64::try_from(weight_grams.div_ceil(1000)).unwrap_or(i64::MAX).max(1);
    let cost = zone.base_minor.saturating_add(zone.per_kg_minor.saturating_mul(kilograms));
    Some(Quote { zone: zone.name, cost: Money::new(cost, Currency::USD) })
}

/// Whether `country` looks like an ISO 3166-1 alpha-2 code.
pub(crate) fn is_country_code(country: &str) -> bool {
    country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_is_base_plus_each_started_kilogram() {
        assert_eq!(quote("US", 1).unwrap().cost.amount_minor, 600);
        assert_eq!(quote("US", 1001).unwrap().cost.amount_minor, 700);
        assert_eq!(quote("DE", 2500).unwrap(), Quote { zone: "europe", cost: Money::new(2400, Currency::USD) });
    }

    #[test]
    fn a_country_outside_every_zone_cannot_be_quoted() {
        assert_eq!(quote("AQ", 100), None);
    }
}
