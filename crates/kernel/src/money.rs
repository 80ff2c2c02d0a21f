//! Money as integer minor units plus an ISO 4217 currency: exact arithmetic, no floats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code (three upper-case ASCII letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Why a currency code or an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The code is not three upper-case letters.
    #[error("currency must be a three-letter ISO 4217 code such as USD")]
    InvalidCurrency,
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit in 64 bits.
    #[error("amount overflows")]
    Overflow,
}

impl Currency {
    /// US dollars, the demo store's currency.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `EUR`.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let bytes: [u8; 3] = code.as_bytes().try_into().map_err(|_| MoneyError::InvalidCurrency)?;
        if bytes.iter().all(u8::is_ascii_uppercase) { Ok(Currency(bytes)) } else { Err(MoneyError::InvalidCurrency) }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency is ASCII by construction")
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

async_graphql::scalar!(Currency, "Currency", "An ISO 4217 currency code, such as USD.");

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money in minor units (cents for USD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct Money {
    /// Amount in the currency's minor unit.
    #[schema(example = 1999)]
    pub amount_minor: i64,
    /// The currency the amount is in (ISO 4217).
    #[schema(value_type = String, example = "USD", pattern = "^[A-Z]{3}$")]
    pub currency: Currency,
}

impl Money {
    /// An amount in minor units.
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self { amount_minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The sum, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let amount = self.amount_minor.checked_add(other.amount_minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The amount multiplied by a quantity, refusing overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        let amount = self.amount_minor.checked_mul(quantity).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }
}

impl Money {
    /// The amount in major units without the currency, as a spreadsheet reads it ("-12.50").
    pub fn decimal(&self) -> String {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_or_short_codes_are_rejected() {
        assert_eq!(Currency::parse("usd"), Err(MoneyError::InvalidCurrency));
        assert_eq!(Currency::parse("US"), Err(MoneyError::InvalidCurrency));
        assert_eq!(Currency::parse("USD").unwrap(), Currency::USD);
    }

    #[test]
    fn adding_different_currencies_is_refused() {
        let eur = Currency::parse("EUR").unwrap();
        let sum = Money::new(1, Currency::USD).checked_add(Money::new(1, eur));
        assert_eq!(sum, Err(MoneyError::CurrencyMismatch(Currency::USD, eur)));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(Money::new(i64::MAX, Currency::USD).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn money_serialises_with_a_currency_code() {
        let json = serde_json::to_value(Money::new(1999, Currency::USD)).unwrap();
        assert_eq!(json, serde_json::json!({"amount_minor": 1999, "currency": "USD"}));
        assert_eq!(Money::new(-1999, Currency::USD).to_string(), "-19.99 USD");
    }
}
