//! One text form for instants in every table, so SQLite and PostgreSQL sort them alike.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats an instant as RFC 3339 UTC with microseconds (`2026-01-02T03:04:05.000006Z`);
/// the fixed width makes lexical order equal time order in SQL.
pub fn format(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses what [`format`] wrote.
pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formatted_instants_sort_in_time_order() {
        let early = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let late = early + chrono::Duration::microseconds(7);
        assert!(format(early) < format(late));
        assert_eq!(parse(&format(late)).unwrap(), late);
    }
}
