//! UUIDv7 identifier newtypes: time-ordered (good index locality, natural cursors) and
//! impossible to mix up at compile time.

/// Declares a UUIDv7 identifier newtype with parsing, display and serde support.
#[macro_export]
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(value: uuid::Uuid) -> Self {
                Self(value)
            }
        }
    };
}

/// Namespace for name-based (v5) ids the platform derives deterministically, such as
/// saga command ids and message ids, so a retry produces the same id and is deduplicated.
pub const EMPORIUM_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x0197_6d2a_7c1e_7a3b_9f00_e3b0_c442_98fc);

/// A deterministic id derived from `parts`.
pub fn derived_id(parts: &[&str]) -> uuid::Uuid {
    uuid::Uuid::new_v5(&EMPORIUM_NAMESPACE, parts.join("\u{1f}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    id_type!(
        /// An id used only by these tests.
        WidgetId
    );

    #[test]
    fn ids_are_time_ordered_and_round_trip_as_text() {
        let first = WidgetId::new();
        let second = WidgetId::new();
        assert!(first < second);
        assert_eq!(first.to_string().parse::<WidgetId>().unwrap(), first);
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["a", "b"]), derived_id(&["ab"]));
    }
}
