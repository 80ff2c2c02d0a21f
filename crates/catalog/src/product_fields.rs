//! The rules for a product's fields, shared by creating and changing one: each checks one
//! field into a [`Validation`], so every invalid field is reported at once.

use crate::slug;
use contracts::catalog::ProductAttribute;
use kernel::error::Validation;
use kernel::money::{Currency, Money};
use serde::Deserialize;

/// A price as entered.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
pub(crate) struct PriceInput {
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
}

/// The most a single unit may cost (one million in major units).
const MAX_PRICE_MINOR: i64 = 100_000_000;
/// The most attributes one product may carry.
const MAX_ATTRIBUTES: usize = 30;

/// The display name, trimmed: 1 to 200 characters.
pub(crate) fn name(v: &mut Validation, raw: &str) -> String {
    let name = raw.trim().to_owned();
    v.check((1..=200).contains(&name.chars().count()), "name", "must be 1 to 200 characters");
    name
}

/// The description, trimmed: at most 5000 characters.
pub(crate) fn description(v: &mut Validation, raw: &str) -> String {
    v.check(raw.chars().count() <= 5000, "description", "must be at most 5000 characters");
    raw.trim().to_owned()
}

/// A URL name chosen by the admin.
pub(crate) fn slug(v: &mut Validation, raw: &str) -> String {
    let slug = raw.trim().to_owned();
    v.check(slug::is_valid(&slug), "slug", "must be 1 to 60 lower-case letters, digits or inner '-'");
    slug
}

/// A unit price: a known currency and 1 to 100,000,000 minor units.
pub(crate) fn price(v: &mut Validation, input: &PriceInput) -> Option<Money> {
    let currency = Currency::parse(&input.currency);
    v.check(currency.is_ok(), "price.currency", "must be a three-letter ISO 4217 code such as USD");
    let amount_ok = (1..=MAX_PRICE_MINOR).contains(&input.amount_minor);
    v.check(amount_ok, "price.amount_minor", format!("must be between 1 and {MAX_PRICE_MINOR}"));
    currency.ok().filter(|_| amount_ok).map(|currency| Money::new(input.amount_minor, currency))
}

/// The shipping weight of one unit: 1 g to 1 t.
pub(crate) fn weight(v: &mut Validation, grams: i64) -> Option<u32> {
    let weight = u32::try_from(grams).ok().filter(|w| (1..=1_000_000).contains(w));
    v.check(weight.is_some(), "weight_grams", "must be between 1 and 1000000");
    weight
}

/// Attributes, trimmed: at most 30, names 1 to 50 characters and distinct, values 1 to 200.
pub(crate) fn attributes(v: &mut Validation, raw: &[ProductAttribute]) -> Vec<ProductAttribute> {
    v.check(raw.len() <= MAX_ATTRIBUTES, "attributes", format!("at most {MAX_ATTRIBUTES}"));
    let mut seen = std::collections::HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, attribute)| {
            let name = attribute.name.trim().to_owned();
            let value = attribute.value.trim().to_owned();
            v.check(
                (1..=50).contains(&name.chars().count()),
                format!("attributes[{i}].name"),
                "must be 1 to 50 characters",
            );
            v.check(
                (1..=200).contains(&value.chars().count()),
                format!("attributes[{i}].value"),
                "must be 1 to 200 characters",
            );
            v.check(seen.insert(name.to_lowercase()), format!("attributes[{i}].name"), "is given twice");
            ProductAttribute { name, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_trimmed_and_their_names_distinct() {
        let mut v = Validation::new();
        let raw = vec![
            ProductAttribute { name: " Colour ".into(), value: " red ".into() },
            ProductAttribute { name: "colour".into(), value: "blue".into() },
        ];
        let kept = attributes(&mut v, &raw);
        assert_eq!(kept[0], ProductAttribute { name: "Colour".into(), value: "red".into() });
        let error = v.finish().unwrap_err();
        assert!(error.detail().contains("attributes[1].name"), "{}", error.detail());
    }

    #[test]
    fn a_price_needs_a_known_currency_and_a_positive_amount() {
        let mut v = Validation::new();
        assert_eq!(
            price(&mut v, &PriceInput { amount_minor: 1200, currency: "USD".into() }),
            Some(Money::new(1200, Currency::USD))
        );
        assert!(price(&mut v, &PriceInput { amount_minor: 0, currency: "USD".into() }).is_none());
        assert!(price(&mut v, &PriceInput { amount_minor: 10, currency: "usd".into() }).is_none());
        assert!(v.finish().is_err());
    }
}
