//! Which URLs a webhook may post to: `http` or `https`, a host name (whose last label starts with
//! a letter) or an IPv4 address, an optional port, then printable ASCII. The check and the
//! pattern the `/api/v1` document gives are the same rule, and whatever passes it parses as a
//! URL, so a body that matches the document is never refused for its URL (a property test holds
//! all three together).

/// The rule as the `/api/v1` document writes it. ASCII classes only: `\s` and `\d` differ
/// between regex engines.
pub const URL_REGEX: &str = concat!(
    "^[hH][tT][tT][pP][sS]?://",
    "(",
    r"([A-Za-z0-9]+(-[A-Za-z0-9]+)*\.)*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*",
    "|",
    r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
    ")",
    "(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?",
    "([/?#][!-~]*)?$",
);

/// Whether `text` follows [`URL_REGEX`].
pub fn is_webhook_url(text: &str) -> bool {
    let Some(rest) = strip_scheme(text) else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if !tail.chars().all(|c| ('!'..='~').contains(&c)) {
        return false;
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    port.is_none_or(is_port) && (is_domain(host) || is_ipv4(host))
}

fn strip_scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once("://")?;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")).then_some(rest)
}

/// Letters and digits, with single hyphens between them.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_domain(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or_default();
    host.split('.').all(is_label) && last.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn is_ipv4(host: &str) -> bool {
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|octet| {
            (1..=3).contains(&octet.len())
                && octet.chars().all(|c| c.is_ascii_digit())
                && (octet.len() == 1 || !octet.starts_with('0'))
                && octet.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn is_port(port: &str) -> bool {
    (1..=5).contains(&port.len())
        && port.chars().all(|c| c.is_ascii_digit())
        && (port.len() < 5 || !port.starts_with('0'))
        && port.parse::<u32>().is_ok_and(|n| n <= 65_535)
}

#[cfg(test)]
mod tests {
    use super::{URL_REGEX, is_webhook_url};
    use proptest::prelude::*;
    use regex_automata::meta::Regex;

    /// Pieces of URLs, good and bad, glued at random.
    const PIECES: [&str; 34] = [
        "http://",
        "https://",
        "HTTPS://",
        "ftp://",
        " ",
        "\u{1c}",
        "a",
        "Z9",
        "-",
        "--",
        ".",
        "..",
        "xn--",
        "1",
        "255",
        "256",
        "01",
        "0",
        ":",
        ":80",
        ":65535",
        ":65536",
        ":099999",
        "/",
        "/p a",
        "?q=1",
        "#f",
        "@",
        "[::1]",
        "%zz",
        "é",
        "localhost",
        "example.com",
        "\\",
    ];

    fn glued() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES.to_vec()), 1..8).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn the_check_is_the_documented_pattern_and_what_passes_parses(text in glued()) {
            let pattern = Regex::new(URL_REGEX).expect("the pattern compiles");
            let accepted = is_webhook_url(&text);
            prop_assert_eq!(accepted, pattern.is_match(&text), "{:?}", text);
            if accepted {
                let url = url::Url::parse(&text);
                prop_assert!(url.as_ref().is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty())), "{:?}: {:?}", text, url);
            }
        }
    }

    #[test]
    fn receivers_of_every_usual_form_are_accepted() {
        for good in [
            "https://hooks.example.com/kith",
            "http://127.0.0.1:33418/receive?x=1",
            "HTTPS://EXAMPLE.COM",
            "http://localhost:8080/#frag",
            "https://a-b.c-d.example/path/with/%20escapes",
        ] {
            assert!(is_webhook_url(good), "{good}");
        }
        for bad in [
            " https://example.com",
            "https://",
            "https://a.1",
            "https://256.1.1.1",
            "https://example.com:65536",
            "https://exa mple.com",
            "ftp://example.com",
            "https://user@example.com",
        ] {
            assert!(!is_webhook_url(bad), "{bad}");
        }
    }
}
