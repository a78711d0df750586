//! The sign-in, consent and problem pages of the authorization endpoint: server-made HTML with
//! every value escaped, styles inline and no script at all.

use super::Grant;
use super::authorize::AuthorizeParams;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kith_core::Role;
use kith_store::{OAuthClient, User, Workspace};
use std::fmt::Write as _;

/// Pages that may only be shown in a top-level window. No `form-action`: browsers apply it to
/// the redirect that follows a consent, which goes to the client's own address.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}\
main{max-width:26rem;margin:8vh auto;background:#fff;border:1px solid #d8dde3;border-radius:10px;padding:1.75rem}\
h1{font-size:1.25rem;margin:0 0 .75rem}p{margin:.5rem 0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}\
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #c4cad1;border-radius:6px;font:inherit}\
fieldset{border:0;padding:0;margin:.75rem 0}.choice{font-weight:400;display:flex;gap:.5rem;align-items:baseline}\
.buttons{display:flex;gap:.75rem;margin-top:1.25rem}button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #c4cad1;background:#fff;cursor:pointer}\
button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}.problem{color:#b42318}.muted{color:#59636e;font-size:.9rem}\
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}main{background:#161b22;border-color:#30363d}\
input[type=email],input[type=password],select,button{background:#0d1117;color:#e6edf3;border-color:#30363d}.muted{color:#9198a1}}";

/// Escapes text for an HTML text node or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn document(title: &str, body: &str, status: StatusCode) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · Kith</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// A request that cannot go on, explained to the person.
pub fn problem(message: &str) -> Response {
    let body = format!(
        "<h1>This connection cannot go on</h1><p class=\"problem\">{}</p>",
        escape(message)
    );
    document("Connection refused", &body, StatusCode::BAD_REQUEST)
}

/// The authorization request's parameters, as name and value, for hidden fields and links.
pub fn param_pairs(params: &AuthorizeParams) -> Vec<(&'static str, &str)> {
    [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
        ("state", &params.state),
        ("scope", &params.scope),
        ("resource", &params.resource),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.as_deref().map(|value| (name, value)))
    .collect()
}

fn hidden_params(params: &AuthorizeParams) -> String {
    let mut out = String::new();
    for (name, value) in param_pairs(params) {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        );
    }
    out
}

fn problem_line(problem: Option<&str>) -> String {
    problem
        .map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default()
}

/// Signing in before consenting.
pub fn sign_in(
    params: &AuthorizeParams,
    client: &OAuthClient,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let body = format!(
        "<h1>Sign in to connect {client}</h1>\
         <p class=\"muted\">{client} asks to work in your Kith workspace. Sign in first; you choose what it may do next.</p>\
         {problem}\
         <form method=\"post\" action=\"{action}\">{hidden}\
         <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus>\
         <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <div class=\"buttons\"><button class=\"primary\" type=\"submit\">Sign in</button></div></form>",
        client = escape(&client.name),
        problem = problem_line(problem),
        action = super::LOGIN_PATH,
        hidden = hidden_params(params),
    );
    document("Sign in", &body, status)
}

/// What the consent form shows.
pub struct Consent<'a> {
    pub params: &'a AuthorizeParams,
    pub client: &'a OAuthClient,
    pub redirect_uri: &'a str,
    pub requested: Grant,
    pub person: &'a User,
    pub csrf: &'a str,
    pub workspaces: &'a [(Workspace, Role)],
    pub problem: Option<&'a str>,
}

/// Asking the person which workspace and what the client may do there.
pub fn consent(consent: &Consent<'_>) -> Response {
    let client = escape(&consent.client.name);
    let destination = url::Url::parse(consent.redirect_uri)
        .ok()
        .map(|url| match url.host_str() {
            Some(host) => format!("{}://{host}", url.scheme()),
            None => format!("{}:", url.scheme()),
        })
        .unwrap_or_default();
    if consent.workspaces.is_empty() {
        let body = format!(
            "<h1>Connect {client}</h1><p class=\"problem\">You, {}, are not a member of any workspace yet, so there is nothing to connect {client} to.</p>",
            escape(&consent.person.email)
        );
        return document("Connect an app", &body, StatusCode::OK);
    }
    let mut workspaces = String::new();
    for (workspace, role) in consent.workspaces {
        let _ = write!(
            workspaces,
            "<option value=\"{}\">{} ({})</option>",
            workspace.id,
            escape(&workspace.name),
            role.as_str()
        );
    }
    let mut grants = String::new();
    for grant in Grant::ALL {
        let checked = if grant == consent.requested {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            grants,
            "<label class=\"choice\"><input type=\"radio\" name=\"grant\" value=\"{}\"{checked}> {}</label>",
            grant.name(),
            grant.describe()
        );
    }
    let body = format!(
        "<h1>Connect {client} to Kith</h1>\
         <p>{client} will act as you, {person}, within what you allow here and never beyond your own role. \
         You can disconnect it at any time.</p>\
         <p class=\"muted\">After you answer, you go back to {destination}.</p>{problem}\
         <form method=\"post\" action=\"{action}\">{hidden}\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"workspace\">Workspace</label><select id=\"workspace\" name=\"workspace\">{workspaces}</select>\
         <fieldset><legend><strong>{client} may</strong></legend>{grants}</fieldset>\
         <div class=\"buttons\"><button class=\"primary\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div></form>",
        person = escape(&consent.person.email),
        destination = escape(&destination),
        problem = problem_line(consent.problem),
        action = super::AUTHORIZE_PATH,
        hidden = hidden_params(consent.params),
        csrf = escape(consent.csrf),
    );
    document("Connect an app", &body, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
