//! URL names for products and categories: lower-case words joined by dashes.

/// The longest slug accepted.
pub(crate) const MAX_SLUG: usize = 60;

/// Whether `slug` is 1 to 60 lower-case ASCII letters, digits or inner dashes.
pub(crate) fn is_valid(slug: &str) -> bool {
    (1..=MAX_SLUG).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// A slug made from a display name ("Chef's Knife, 8\"" → "chef-s-knife-8"); `None` when
/// nothing of the name is ASCII letters or digits.
pub(crate) fn from_name(name: &str) -> Option<String> {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if slug.len() == MAX_SLUG {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') && slug.len() < MAX_SLUG - 1 {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    (!slug.is_empty()).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert!(is_valid("kitchen-and-dining"));
        assert!(!is_valid("Kitchen"));
        assert!(!is_valid("-kitchen"));
        assert!(!is_valid("kitchen-"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(MAX_SLUG + 1)));
    }

    #[test]
    fn a_name_becomes_a_valid_slug() {
        assert_eq!(from_name("Chef's Knife, 8\"").as_deref(), Some("chef-s-knife-8"));
        assert_eq!(from_name("  Über  Mug ").as_deref(), Some("ber-mug"));
        assert_eq!(from_name("日本"), None);
        let long = from_name(&"word ".repeat(40)).unwrap();
        assert!(is_valid(&long), "{long}");
    }
}
