//! Validation of account and workspace input. Each function returns the normalised value or a
//! message that completes a sentence starting with the field's name ("email is not an email address").

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_BYTES: usize = 1024;
const NAME_MAX_CHARS: usize = 200;
pub const EMAIL_MAX_CHARS: usize = 254;

/// Trims and lower-cases an email address and checks its shape (`local@domain.tld`).
pub fn email(raw: &str) -> Result<String, String> {
    // Counted as sent, spaces included, so that a description of the input (the OpenAPI
    // documents' `maxLength`) says exactly what is accepted.
    if raw.chars().count() > EMAIL_MAX_CHARS {
        return Err(format!("is longer than {EMAIL_MAX_CHARS} characters"));
    }
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("is required".into());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("is not an email address (no @)".into());
    };
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c));
    if well_formed {
        Ok(email)
    } else {
        Err("is not an email address".into())
    }
}

/// Trims a display name (of a person or a workspace) and checks its length.
pub fn name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("is required".into());
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(format!("is longer than {NAME_MAX_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(name.to_owned())
}

/// Checks a new password. Length is what matters (NIST SP 800-63B); composition rules are not imposed.
pub fn new_password(password: &str, email: &str) -> Result<(), String> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"));
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(format!("must be at most {PASSWORD_MAX_BYTES} bytes"));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("must not be your email address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            email("  Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@x.com",
            "ada@x..com",
            "ada@.x.com",
        ] {
            assert!(email(bad).is_err(), "{bad:?} accepted");
        }
        let longest = format!("{}@example.com", "a".repeat(254 - 12));
        assert!(email(&longest).is_ok());
        assert!(
            email(&format!(" {longest}")).is_err(),
            "the length is counted as sent"
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Ada Lovelace ").as_deref(), Ok("Ada Lovelace"));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(201)).is_err());
        assert!(name("a\u{0}b").is_err());
    }

    #[test]
    fn passwords_need_length_and_not_the_email() {
        assert!(new_password("short", "a@b.co").is_err());
        assert!(new_password("a@b.co.uk!", "a@b.co.uk!").is_err());
        assert!(new_password("correct horse battery", "a@b.co").is_ok());
        assert!(new_password(&"x".repeat(2000), "a@b.co").is_err());
    }
}
