//! What a person types to get an account, parsed once: an invalid email, password or
//! name never reaches the users table, and every bad field is reported together.

use kernel::error::FieldError;

/// A lower-cased, trimmed email address; the users table is unique on this form, so
/// `Ada@Example.com` and `ada@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Email(String);

impl Email {
    /// Longest address accepted (the limit of an SMTP forward path).
    const MAX_LEN: usize = 254;

    /// Accepts one `@` between a non-empty local part and a domain containing a dot.
    pub(crate) fn parse(raw: &str) -> Result<Email, String> {
        let email = Self::normalize(raw);
        if email.chars().count() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        let well_formed = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if well_formed { Ok(Email(email)) } else { Err("must be an email address such as ada@example.com".to_owned()) }
    }

    /// The form lookups use, so signing in is as case-insensitive as registering.
    pub(crate) fn normalize(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// The normalised address.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password of acceptable length. Its `Debug` never shows the text, so it cannot leak
/// through a log line or a panic message.
#[derive(Clone)]
pub(crate) struct Password(String);

impl Password {
    /// Shortest password accepted.
    const MIN_CHARS: usize = 8;
    /// Longest password accepted; also bounds the work one hash costs.
    const MAX_CHARS: usize = 128;

    /// Accepts 8 to 128 characters, kept exactly as typed (spaces are part of a password).
    pub(crate) fn parse(raw: &str) -> Result<Password, String> {
        if (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&raw.chars().count()) {
            Ok(Password(raw.to_owned()))
        } else {
            Err(format!("must be {} to {} characters", Self::MIN_CHARS, Self::MAX_CHARS))
        }
    }

    /// The password, for hashing only.
    pub(crate) fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A display name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name(String);

impl Name {
    /// Longest name accepted.
    const MAX_CHARS: usize = 100;

    /// Trims and accepts 1 to 100 characters.
    pub(crate) fn parse(raw: &str) -> Result<Name, String> {
        let name = raw.trim();
        if (1..=Self::MAX_CHARS).contains(&name.chars().count()) {
            Ok(Name(name.to_owned()))
        } else {
            Err(format!("must be 1 to {} characters", Self::MAX_CHARS))
        }
    }

    /// The trimmed name.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a new account needs, each part already valid.
#[derive(Debug)]
pub(crate) struct NewUser {
    pub(crate) email: Email,
    pub(crate) password: Password,
    pub(crate) name: Name,
}

impl NewUser {
    /// Parses all three fields, reporting every invalid one rather than only the first.
    pub(crate) fn parse(email: &str, password: &str, name: &str) -> Result<NewUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut field = |name: &str, message: String| {
            errors.push(FieldError { field: name.to_owned(), message });
        };
        let email = Email::parse(email).map_err(|m| field("email", m));
        let password = Password::parse(password).map_err(|m| field("password", m));
        let name = Name::parse(name).map_err(|m| field("name", m));
        match (email, password, name) {
            (Ok(email), Ok(password), Ok(name)) => Ok(NewUser { email, password, name }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn an_email_without_an_at_sign_is_rejected() {
        assert!(Email::parse("ada.example.com").is_err());
    }

    #[test]
    fn an_email_with_two_at_signs_is_rejected() {
        assert!(Email::parse("ada@lovelace@example.com").is_err());
    }

    #[test]
    fn an_email_whose_domain_has_no_dot_is_rejected() {
        assert!(Email::parse("ada@localhost").is_err());
        assert!(Email::parse("ada@example.").is_err());
        assert!(Email::parse("ada@.com").is_err());
    }

    #[test]
    fn an_email_with_an_empty_local_part_or_inner_space_is_rejected() {
        assert!(Email::parse("@example.com").is_err());
        assert!(Email::parse("ada lovelace@example.com").is_err());
    }

    #[test]
    fn an_email_longer_than_254_characters_is_rejected() {
        let domain = format!("{}.com", "a".repeat(250));
        assert!(Email::parse(&format!("ada@{domain}")).is_err());
        assert!(Email::parse(&format!("a@{}.com", "b".repeat(248))).is_ok());
    }

    #[test]
    fn passwords_of_8_to_128_characters_are_accepted() {
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(Password::parse("ééééééé").is_err(), "7 characters, 14 bytes");
        assert!(Password::parse(&"é".repeat(128)).is_ok());
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("correct horse").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(Name::parse("  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"n".repeat(101)).is_err());
        assert!(Name::parse(&"n".repeat(100)).is_ok());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let errors = NewUser::parse("nope", "short", " ").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password", "name"]);
    }

    #[test]
    fn a_valid_registration_parses() {
        let user = NewUser::parse("Ada@Example.com", "correct horse", "Ada").unwrap();
        assert_eq!((user.email.as_str(), user.name.as_str()), ("ada@example.com", "Ada"));
    }
}
