//! Card details as parsed from a request: only valid numbers and expiries get through, and
//! nothing here can print a full number.

use chrono::{DateTime, Datelike, Utc};

/// A card number that passed the Luhn check. Its `Debug` shows only the last four digits.
pub(crate) struct CardNumber(String);

impl std::fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardNumber(****{})", self.last4())
    }
}

impl CardNumber {
    /// Parses digits, ignoring spaces and dashes.
    pub(crate) fn parse(input: &str) -> Result<Self, &'static str> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("must be 12 to 19 digits");
        }
        if !luhn_valid(&digits) {
            return Err("is not a valid card number");
        }
        Ok(CardNumber(digits))
    }

    /// The digits, for the gateway only.
    pub(crate) fn digits(&self) -> &str {
        &self.0
    }

    /// The last four digits, safe to keep and show.
    pub(crate) fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The card network, from the number's leading digits (the networks' published ranges;
    /// the longest matching range wins, as in Discover's 622126–622925 within UnionPay's 62).
    pub(crate) fn brand(&self) -> &'static str {
        let leading = |n: usize| -> u32 { self.0[..n].parse().unwrap_or(0) };
        let (two, three, four, six) = (leading(2), leading(3), leading(4), leading(6));
        if self.0.starts_with('4') {
            "visa"
        } else if (51..=55).contains(&two) || (2221..=2720).contains(&four) {
            "mastercard"
        } else if two == 34 || two == 37 {
            "amex"
        } else if four == 6011 || two == 65 || (644..=649).contains(&three) || (622_126..=622_925).contains(&six) {
            "discover"
        } else if (3528..=3589).contains(&four) {
            "jcb"
        } else if two == 36 || two == 38 || two == 39 || (300..=305).contains(&three) {
            "diners"
        } else if two == 62 {
            "unionpay"
        } else {
            "card"
        }
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a card expiring at the end of `month`/`year` is still valid at `now`.
pub(crate) fn not_expired(month: u32, year: i32, now: DateTime<Utc>) -> bool {
    (year, month) >= (now.year(), now.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn test_cards_are_valid_and_branded() {
        let card = CardNumber::parse("4242 4242 4242 4242").unwrap();
        assert_eq!((card.brand(), card.last4()), ("visa", "4242"));
        assert_eq!(CardNumber::parse("5555-5555-5555-4444").unwrap().brand(), "mastercard");
    }

    #[test]
    fn every_network_s_test_card_is_told_apart() {
        for (number, brand) in [
            ("4000056655665556", "visa"),
            ("2223003122003222", "mastercard"),
            ("5200828282828210", "mastercard"),
            ("378282246310005", "amex"),
            ("6011111111111117", "discover"),
            ("6445644564456445", "discover"),
            ("6221260000000000", "discover"),
            ("3566002020360505", "jcb"),
            ("36227206271667", "diners"),
            ("6200000000000005", "unionpay"),
            ("9999999999999995", "card"),
        ] {
            let card = CardNumber::parse(number).unwrap_or_else(|e| panic!("{number} {e}"));
            assert_eq!(card.brand(), brand, "{number}");
        }
    }

    #[test]
    fn a_number_failing_the_luhn_check_is_refused() {
        assert!(CardNumber::parse("4242424242424241").is_err());
        assert!(CardNumber::parse("4242").is_err());
        assert!(CardNumber::parse("4242x42424242424").is_err());
    }

    #[test]
    fn debug_output_never_shows_the_number() {
        let card = CardNumber::parse("4000000000000002").unwrap();
        assert_eq!(format!("{card:?}"), "CardNumber(****0002)");
    }

    #[test]
    fn a_card_is_valid_through_its_expiry_month() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        assert!(not_expired(11, 2026, now));
        assert!(!not_expired(10, 2026, now));
        assert!(not_expired(1, 2027, now));
    }
}
