//! The record filter grammar of the REST API (Twenty's), parsed into an AST:
//!
//! ```text
//! filter     := expr ("," expr)*                         top-level commas mean and
//! expr       := group | comparison
//! group      := ("and" | "or" | "not") "(" expr ("," expr)* ")"    not takes exactly one
//! comparison := path "[" op "]" ":" value
//! path       := ident ("." ident)?                       e.g. emails.primaryEmail
//! value      := "\"" chars "\"" | "[" value ("," value)* "]" | bare
//! ```
//!
//! Values are kept as written (quoted or bare); what they mean depends on the field's type, which
//! the record engine knows. Errors carry the byte position where reading stopped.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(Comparison),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub path: FieldPath,
    pub op: Op,
    pub value: FilterValue,
    /// Where the comparison starts in the filter text, for errors found later (unknown field…).
    pub position: usize,
}

/// A field, or a part of a composite field (`name.firstName`, `amount.amountMicros`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    pub field: String,
    pub sub_field: Option<String>,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sub_field {
            Some(sub) => write!(f, "{}.{sub}", self.field),
            None => f.write_str(&self.field),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    In,
    ContainsAny,
    Is,
    Gt,
    Gte,
    Lt,
    Lte,
    StartsWith,
    EndsWith,
    Like,
    Ilike,
}

impl Op {
    pub const ALL: [Op; 13] = [
        Op::Eq,
        Op::Neq,
        Op::In,
        Op::ContainsAny,
        Op::Is,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::StartsWith,
        Op::EndsWith,
        Op::Like,
        Op::Ilike,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::In => "in",
            Op::ContainsAny => "containsAny",
            Op::Is => "is",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::StartsWith => "startsWith",
            Op::EndsWith => "endsWith",
            Op::Like => "like",
            Op::Ilike => "ilike",
        }
    }

    fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// A value as written in the filter.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// `"Acme, Inc."`: the text between the quotes, escapes resolved.
    Quoted(String),
    /// `10`, `true`, `NULL`, `2024-01-01`: everything up to the next `,` or `)`.
    Bare(String),
    /// `[a,"b"]` for `in` and `containsAny`.
    List(Vec<FilterValue>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct ParseError {
    /// Byte offset into the filter text.
    pub position: usize,
    pub message: String,
}

/// Parses a whole filter string.
pub fn parse(text: &str) -> Result<Filter, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    let mut parts = vec![parser.expr(0)?];
    while parser.eat(',') {
        parts.push(parser.expr(0)?);
    }
    parser.skip_spaces();
    if parser.pos < text.len() {
        return Err(parser.error(format!("unexpected {:?}", parser.rest_preview())));
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        Filter::And(parts)
    })
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            position: self.pos,
            message: message.into(),
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn rest_preview(&self) -> String {
        self.rest().chars().take(12).collect()
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, context: &str) -> Result<(), ParseError> {
        if self.eat(c) {
            return Ok(());
        }
        let found = match self.rest().chars().next() {
            Some(found) => format!("found {found:?}"),
            None => "the filter ended".to_owned(),
        };
        Err(self.error(format!("expected '{c}' {context}, {found}")))
    }

    fn ident(&mut self) -> &str {
        self.skip_spaces();
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn expr(&mut self, depth: usize) -> Result<Filter, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("filters nest at most {MAX_DEPTH} levels deep")));
        }
        self.skip_spaces();
        let start = self.pos;
        let name = self.ident().to_owned();
        if name.is_empty() {
            return Err(self.error(match self.rest().chars().next() {
                Some(c) => format!("expected a field name or and( / or( / not(, found {c:?}"),
                None => {
                    "expected a field name or and( / or( / not(, but the filter ended".to_owned()
                }
            }));
        }
        self.skip_spaces();
        let group = matches!(name.as_str(), "and" | "or" | "not") && self.rest().starts_with('(');
        if group {
            return self.group(&name, start, depth);
        }
        self.comparison(name, start)
    }

    fn group(&mut self, name: &str, start: usize, depth: usize) -> Result<Filter, ParseError> {
        self.expect('(', &format!("after {name}"))?;
        let mut parts = vec![self.expr(depth + 1)?];
        while self.eat(',') {
            parts.push(self.expr(depth + 1)?);
        }
        self.expect(')', &format!("to close {name}("))?;
        Ok(match name {
            "and" => Filter::And(parts),
            "or" => Filter::Or(parts),
            _ if parts.len() == 1 => Filter::Not(Box::new(parts.remove(0))),
            _ => {
                return Err(ParseError {
                    position: start,
                    message: "not( takes exactly one condition".into(),
                });
            }
        })
    }

    fn comparison(&mut self, field: String, position: usize) -> Result<Filter, ParseError> {
        let sub_field = if self.eat('.') {
            let sub = self.ident().to_owned();
            if sub.is_empty() {
                return Err(self.error(format!("expected a sub-field name after {field}.")));
            }
            Some(sub)
        } else {
            None
        };
        let path = FieldPath { field, sub_field };
        self.expect('[', &format!("after {path} (write {path}[eq]:value)"))?;
        self.skip_spaces();
        let op_start = self.pos;
        let op_name = self.ident().to_owned();
        let op = Op::parse(&op_name).ok_or_else(|| ParseError {
            position: op_start,
            message: format!(
                "unknown operator {op_name:?}; use one of {}",
                Op::ALL.map(Op::as_str).join(", ")
            ),
        })?;
        self.expect(']', &format!("after the operator {op_name}"))?;
        self.expect(':', &format!("after {path}[{op_name}]"))?;
        let value = self.value(true)?;
        Ok(Filter::Compare(Comparison {
            path,
            op,
            value,
            position,
        }))
    }

    fn value(&mut self, lists_allowed: bool) -> Result<FilterValue, ParseError> {
        self.skip_spaces();
        if self.rest().starts_with('"') {
            return self.quoted();
        }
        if self.rest().starts_with('[') {
            if !lists_allowed {
                return Err(self.error("lists cannot contain lists"));
            }
            self.pos += 1;
            let mut items = vec![self.value(false)?];
            while self.eat(',') {
                items.push(self.value(false)?);
            }
            self.expect(']', "to close the list")?;
            return Ok(FilterValue::List(items));
        }
        let stop = |c: char| matches!(c, ',' | ')' | ']' | '(' | '[' | '"');
        let len = self.rest().find(stop).unwrap_or(self.rest().len());
        let bare = self.rest()[..len].trim_end().to_owned();
        if bare.is_empty() {
            return Err(self.error("expected a value"));
        }
        self.pos += len;
        Ok(FilterValue::Bare(bare))
    }

    fn quoted(&mut self) -> Result<FilterValue, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += offset + 1;
                    return Ok(FilterValue::Quoted(value));
                }
                '\\' => match chars.next() {
                    Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                    _ => {
                        return Err(ParseError {
                            position: self.pos + offset,
                            message: "in quoted values only \\\" and \\\\ are escapes".into(),
                        });
                    }
                },
                other => value.push(other),
            }
        }
        Err(ParseError {
            position: start,
            message: "this quoted value is never closed".into(),
        })
    }
}

/// Writes a filter back in the grammar; `parse(&render(f)) == f` for any filter whose bare values
/// could have been parsed.
pub fn render(filter: &Filter) -> String {
    match filter {
        Filter::And(parts) => format!(
            "and({})",
            parts.iter().map(render).collect::<Vec<_>>().join(",")
        ),
        Filter::Or(parts) => format!(
            "or({})",
            parts.iter().map(render).collect::<Vec<_>>().join(",")
        ),
        Filter::Not(inner) => format!("not({})", render(inner)),
        Filter::Compare(c) => format!("{}[{}]:{}", c.path, c.op.as_str(), render_value(&c.value)),
    }
}

fn render_value(value: &FilterValue) -> String {
    match value {
        FilterValue::Quoted(text) => {
            format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
        }
        FilterValue::Bare(text) => text.clone(),
        FilterValue::List(items) => format!(
            "[{}]",
            items.iter().map(render_value).collect::<Vec<_>>().join(",")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, op: Op, value: FilterValue, position: usize) -> Filter {
        let (field, sub_field) = match field.split_once('.') {
            Some((f, s)) => (f.to_owned(), Some(s.to_owned())),
            None => (field.to_owned(), None),
        };
        Filter::Compare(Comparison {
            path: FieldPath { field, sub_field },
            op,
            value,
            position,
        })
    }

    #[test]
    fn parses_the_design_example() {
        let parsed =
            parse(r#"name[eq]:"Acme",or(employees[gte]:10,not(city[is]:NULL))"#).expect("valid");
        let expected = Filter::And(vec![
            cmp("name", Op::Eq, FilterValue::Quoted("Acme".into()), 0),
            Filter::Or(vec![
                cmp("employees", Op::Gte, FilterValue::Bare("10".into()), 19),
                Filter::Not(Box::new(cmp(
                    "city",
                    Op::Is,
                    FilterValue::Bare("NULL".into()),
                    41,
                ))),
            ]),
        ]);
        assert_eq!(parsed, expected);
    }

    #[test]
    fn parses_sub_fields_lists_escapes_and_spaces() {
        let parsed = parse(r#" emails.primaryEmail[in]:[ "a@b.co" , c@d.io ] "#).expect("valid");
        let expected = cmp(
            "emails.primaryEmail",
            Op::In,
            FilterValue::List(vec![
                FilterValue::Quoted("a@b.co".into()),
                FilterValue::Bare("c@d.io".into()),
            ]),
            1,
        );
        assert_eq!(parsed, expected);
        let quoted = parse(r#"name[like]:"say \"hi\", \\ (ok)""#).expect("valid");
        assert_eq!(
            quoted,
            cmp(
                "name",
                Op::Like,
                FilterValue::Quoted(r#"say "hi", \ (ok)"#.into()),
                0
            )
        );
        let date = parse("closeDate[gte]:2024-01-01T00:00:00Z").expect("valid");
        assert_eq!(
            date,
            cmp(
                "closeDate",
                Op::Gte,
                FilterValue::Bare("2024-01-01T00:00:00Z".into()),
                0
            )
        );
    }

    #[test]
    fn errors_point_at_the_position() {
        let cases = [
            ("name[equals]:1", 5, "unknown operator"),
            ("name[eq]1", 8, "expected ':'"),
            ("name:1", 4, "expected '['"),
            ("or(name[eq]:1", 13, "expected ')'"),
            (r#"name[eq]:"open"#, 9, "never closed"),
            ("name[eq]:", 9, "expected a value"),
            ("", 0, "expected a field name"),
            ("not(a[eq]:1,b[eq]:2)", 0, "exactly one"),
            ("a[eq]:1)", 7, "unexpected"),
            ("a[in]:[[1]]", 7, "lists cannot contain lists"),
            (r#"a[eq]:"x\n""#, 8, "escapes"),
        ];
        for (text, position, message) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.position, position, "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
        }
    }

    #[test]
    fn refuses_unbounded_nesting() {
        let deep = format!("{}a[eq]:1{}", "not(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).expect_err("too deep").message.contains("nest"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn ident() -> impl Strategy<Value = String> {
        "[a-zA-Z][a-zA-Z0-9_]{0,8}".prop_filter("not a group keyword", |s| {
            !matches!(s.as_str(), "and" | "or" | "not")
        })
    }

    fn scalar() -> impl Strategy<Value = FilterValue> {
        prop_oneof![
            any::<String>().prop_map(FilterValue::Quoted),
            "[a-zA-Z0-9_.:@+-]{1,12}".prop_map(FilterValue::Bare),
        ]
    }

    fn value() -> impl Strategy<Value = FilterValue> {
        prop_oneof![3 => scalar(), 1 => prop::collection::vec(scalar(), 1..4).prop_map(FilterValue::List)]
    }

    fn comparison() -> impl Strategy<Value = Filter> {
        (
            ident(),
            prop::option::of(ident()),
            prop::sample::select(Op::ALL.to_vec()),
            value(),
        )
            .prop_map(|(field, sub_field, op, value)| {
                Filter::Compare(Comparison {
                    path: FieldPath { field, sub_field },
                    op,
                    value,
                    position: 0,
                })
            })
    }

    fn filter() -> impl Strategy<Value = Filter> {
        comparison().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Filter::And),
                prop::collection::vec(inner.clone(), 1..4).prop_map(Filter::Or),
                inner.prop_map(|f| Filter::Not(Box::new(f))),
            ]
        })
    }

    /// Positions depend on the rendering; compare everything else.
    fn without_positions(filter: Filter) -> Filter {
        match filter {
            Filter::And(parts) => Filter::And(parts.into_iter().map(without_positions).collect()),
            Filter::Or(parts) => Filter::Or(parts.into_iter().map(without_positions).collect()),
            Filter::Not(inner) => Filter::Not(Box::new(without_positions(*inner))),
            Filter::Compare(c) => Filter::Compare(Comparison { position: 0, ..c }),
        }
    }

    proptest! {
        #[test]
        fn render_then_parse_gives_the_same_filter(filter in filter()) {
            let text = render(&filter);
            let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(without_positions(parsed), filter);
        }

        #[test]
        fn arbitrary_text_never_panics_and_errors_point_inside_it(text in any::<String>()) {
            if let Err(err) = parse(&text) {
                prop_assert!(err.position <= text.len());
                prop_assert!(text.is_char_boundary(err.position));
            }
        }
    }
}
