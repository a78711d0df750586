//! Event names (`person.created`, `invoice.deleted`: the object's singular API name and what
//! happened to the record) and the patterns a webhook subscribes with (`*`, `*.deleted`,
//! `person.*`, `person.updated`).

use kith_core::metadata::ObjectMeta;
use kith_store::data::ChangeEvent;

/// What can happen to a record, as event names say it.
pub const ACTIONS: [&str; 4] = ["created", "updated", "deleted", "restored"];

/// The name of a test delivery's event.
pub const TEST_EVENT: &str = "webhook.test";

/// At most this many patterns a webhook.
pub const MAX_PATTERNS: usize = 50;

/// The event name of a change, or `None` for changes webhooks do not carry (links). A record
/// merged into another goes to the trash, so it is `deleted`; the record kept gets its own
/// `updated`.
pub fn event_name(event: &ChangeEvent) -> Option<String> {
    let action = match event.kind.as_str() {
        kind @ ("created" | "updated" | "deleted" | "restored") => kind,
        "merged" if event.changes.get("into").is_some() => "deleted",
        _ => return None,
    };
    Some(format!("{}.{action}", event.object.name_singular))
}

/// Whether an event name matches one of the patterns.
pub fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|pattern| matches(pattern, name))
}

fn matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some((object, action)), Some((name_object, name_action))) =
        (pattern.split_once('.'), name.split_once('.'))
    else {
        return false;
    };
    (object == "*" || object == name_object) && (action == "*" || action == name_action)
}

/// The form a pattern must have (for the OpenAPI document; [`check_form`] accepts exactly it).
pub const PATTERN_REGEX: &str =
    r"^(\*|(\*|[a-z][A-Za-z0-9]*)\.(\*|created|updated|deleted|restored))$";

/// Whether a pattern has the form `*` or `object.action`, where each side may be `*`; an
/// error says what is wrong.
pub fn check_form(pattern: &str) -> Result<(), String> {
    if pattern == "*" {
        return Ok(());
    }
    let wrong = || {
        format!(
            "{pattern:?} is not an event pattern: use *, or object.action where the object is a singular name (person) or *, and the action one of created, updated, deleted, restored or *"
        )
    };
    let (object, action) = pattern.split_once('.').ok_or_else(wrong)?;
    let object_ok = object == "*"
        || (object.starts_with(|c: char| c.is_ascii_lowercase())
            && object.chars().all(|c| c.is_ascii_alphanumeric()));
    let action_ok = action == "*" || ACTIONS.contains(&action);
    if object_ok && action_ok {
        Ok(())
    } else {
        Err(wrong())
    }
}

/// The object a well-formed pattern names, if it names one (not `*`).
pub fn named_object(pattern: &str) -> Option<&str> {
    pattern
        .split_once('.')
        .map(|(object, _)| object)
        .filter(|object| *object != "*")
}

/// Whether the catalog has an active object of this singular name.
pub fn is_object(catalog: &[ObjectMeta], singular: &str) -> bool {
    catalog
        .iter()
        .any(|o| o.is_active && o.name_singular == singular)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_object_and_action() {
        let all = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(matches_any(&all(&["*"]), "person.created"));
        assert!(matches_any(&all(&["*.deleted"]), "company.deleted"));
        assert!(!matches_any(&all(&["*.deleted"]), "company.updated"));
        assert!(matches_any(&all(&["person.*"]), "person.restored"));
        assert!(!matches_any(&all(&["person.*"]), "personal.restored"));
        assert!(matches_any(
            &all(&["company.created", "opportunity.updated"]),
            "opportunity.updated"
        ));
        assert!(!matches_any(&all(&[]), "person.created"));
    }

    #[test]
    fn the_form_check_agrees_with_the_documented_pattern() {
        let regex = regex_automata::meta::Regex::new(PATTERN_REGEX).expect("the pattern compiles");
        for pattern in [
            "*",
            "*.*",
            "person.created",
            "*.deleted",
            "invoiceLine.*",
            "person",
            "person.",
            ".created",
            "Person.created",
            "person.removed",
            "person.created.x",
            "per son.created",
            "*.created.*",
            "",
        ] {
            assert_eq!(
                check_form(pattern).is_ok(),
                regex.is_match(pattern),
                "{pattern:?}"
            );
        }
    }
}
