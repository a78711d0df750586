//! The operations of `/api/v1/auth/*` and `/api/v1/me*` (`crate::auth`).

use super::Op;
use super::schemas::{body, closed, email, list_of, name, new_password, nullable, schema_ref};
use serde_json::json;

const SESSION_COOKIES: &str = "kith_session (HttpOnly) and kith_csrf, the session's cookies";
const CLEARED_COOKIES: &str = "kith_session and kith_csrf, cleared";

pub fn operations() -> Vec<Op> {
    vec![
        signup(),
        login(),
        Op::new(
            "POST",
            "/api/v1/auth/logout",
            "Accounts",
            "logOut",
            "End this session",
        )
        .empty("204", "Signed out")
        .header("204", "Set-Cookie", CLEARED_COOKIES),
        Op::new(
            "POST",
            "/api/v1/auth/logout-others",
            "Accounts",
            "logOutOthers",
            "End every other session of the account",
        )
        .answer(
            "200",
            "How many sessions ended",
            closed(json!({ "endedSessions": { "type": "integer", "minimum": 0 } })),
        ),
        request_password_reset(),
        confirm_password_reset(),
        Op::new("GET", "/api/v1/me", "Me", "getMe", "The signed-in account").answer(
            "200",
            "The account",
            schema_ref("Me"),
        ),
        update_me(),
        delete_me(),
        change_password(),
        Op::new(
            "PUT",
            "/api/v1/me/avatar",
            "Me",
            "putAvatar",
            "Set the avatar",
        )
        .image_body()
        .empty("204", "Stored"),
        Op::new("GET", "/api/v1/me/avatar", "Me", "getAvatar", "The avatar")
            .raw_answer("200", super::schemas::image_answer())
            .refuses("404", "the account has no avatar"),
        Op::new(
            "DELETE",
            "/api/v1/me/avatar",
            "Me",
            "deleteAvatar",
            "Remove the avatar",
        )
        .empty("204", "Removed (or there was none)"),
        logins(),
        Op::new(
            "GET",
            "/api/v1/me/export",
            "Me",
            "exportMe",
            "Everything Kith holds about the account, as one JSON file",
        )
        .answer(
            "200",
            "An attachment: the account (its avatar as a data URL), each workspace with the role, the API tokens it made, its favourites and its own saved views, the sign-in history, the connected apps, and the mails sent to it (without their bodies, which hold sign-in links)",
            json!({ "type": "object", "required": ["exportedAt", "account", "workspaces", "signIns", "connectedApps", "mails"] }),
        )
        .header("200", "Content-Disposition", "attachment; filename=\"kith-account-YYYY-MM-DD.json\""),
    ]
    .into_iter()
    .chain(two_factor())
    .collect()
}

const TWO_FACTOR_LIMIT: &str = "too many wrong codes for the account (5 in 15 minutes), or wrong passwords (as for signing in)";

fn recovery_codes() -> serde_json::Value {
    closed(json!({ "recoveryCodes": recovery_codes_schema() }))
}

fn recovery_codes_schema() -> serde_json::Value {
    json!({
        "type": "array", "minItems": 10, "maxItems": 10,
        "items": { "type": "string", "pattern": "^[a-z2-7]{5}-[a-z2-7]{5}$" },
        "description": "Each signs in once in place of a code; shown only now",
    })
}

fn current_password_body() -> serde_json::Value {
    body(
        json!({ "currentPassword": { "type": "string", "minLength": 1 } }),
        &["currentPassword"],
    )
}

fn two_factor() -> Vec<Op> {
    vec![
        Op::new("GET", "/api/v1/me/two-factor", "Me", "getTwoFactor", "Two-factor sign-in: on, being set up or off")
            .answer(
                "200",
                "The state of two-factor sign-in",
                closed(json!({
                    "enabled": { "type": "boolean" },
                    "settingUp": { "type": "boolean", "description": "A secret was made and no code has confirmed it yet" },
                    "recoveryCodesLeft": { "type": "integer", "minimum": 0 },
                })),
            ),
        Op::new("POST", "/api/v1/me/two-factor/setup", "Me", "setUpTwoFactor", "Make a secret for an authenticator app")
            .describe("Two-factor sign-in is not on until POST /api/v1/me/two-factor/enable gets a right code. Calling this again replaces a secret not yet confirmed.")
            .json_body(current_password_body())
            .answer(
                "200",
                "The secret, base32 as apps take it typed in, and as an otpauth:// link for a QR code (TOTP: SHA-1, 6 digits, 30 seconds)",
                closed(json!({
                    "secret": { "type": "string", "pattern": "^[A-Z2-7]+$" },
                    "otpauthUri": { "type": "string", "pattern": "^otpauth://totp/" },
                })),
            )
            .refuses("403", "currentPassword is wrong")
            .refuses("409", "two-factor sign-in is already on")
            .refuses("429", TWO_FACTOR_LIMIT),
        Op::new("POST", "/api/v1/me/two-factor/enable", "Me", "enableTwoFactor", "Turn two-factor sign-in on with the app's first code")
            .json_body(body(
                json!({ "code": { "type": "string", "description": "The 6 digits the app shows now" } }),
                &["code"],
            ))
            .answer(
                "200",
                "On: the ten recovery codes, and how many of the account's other sessions ended (they signed in without a code)",
                closed(json!({
                    "recoveryCodes": recovery_codes_schema(),
                    "endedSessions": { "type": "integer", "minimum": 0 },
                })),
            )
            .refuses("403", "the code is not the one the app shows now (details name code)")
            .refuses("409", "nothing is being set up, or it is already on")
            .refuses("429", TWO_FACTOR_LIMIT),
        Op::new("POST", "/api/v1/me/two-factor/recovery-codes", "Me", "newRecoveryCodes", "Replace the recovery codes")
            .json_body(current_password_body())
            .answer("200", "Ten new recovery codes; the earlier ones no longer work", recovery_codes())
            .refuses("403", "currentPassword is wrong")
            .refuses("409", "two-factor sign-in is off")
            .refuses("429", TWO_FACTOR_LIMIT),
        Op::new("POST", "/api/v1/me/two-factor/disable", "Me", "disableTwoFactor", "Turn two-factor sign-in off")
            .json_body(current_password_body())
            .empty("204", "Off: the secret and the recovery codes are forgotten")
            .refuses("403", "currentPassword is wrong")
            .refuses("409", "a workspace the account is in requires two-factor sign-in (named)")
            .refuses("429", TWO_FACTOR_LIMIT),
    ]
}

fn signup() -> Op {
    let invite_token = json!({
        "type": ["string", "null"],
        "description": "The code of an invitation to the same email address: the account joins its workspace",
    });
    Op::new("POST", "/api/v1/auth/signup", "Accounts", "signUp", "Create an account and sign in")
        .anonymous()
        .describe("Open until the first account exists, then by invitation, unless KITH_SIGNUP says open, invite or closed.")
        .json_body(body(
            json!({
                "name": name(),
                "email": email(),
                "password": new_password("the email address"),
                "inviteToken": invite_token,
            }),
            &["name", "email", "password"],
        ))
        .answer("201", "The new account, signed in", schema_ref("Me"))
        .header("201", "Set-Cookie", SESSION_COOKIES)
        .refuses("403", "sign-up is closed, or needs an invitation, on this server; or the email is not the one the invitation was sent to")
        .refuses("404", "the invitation has expired, was revoked or was already used")
        .refuses("409", "an account with this email already exists")
}

fn login() -> Op {
    Op::new("POST", "/api/v1/auth/login", "Accounts", "logIn", "Sign in")
        .anonymous()
        .json_body(body(
            json!({
                "email": { "type": "string", "description": "Compared trimmed and lower-cased" },
                "password": { "type": "string" },
                "code": {
                    "type": ["string", "null"],
                    "description": "For an account with two-factor sign-in: the authenticator app's 6-digit code, or a recovery code",
                },
            }),
            &["email", "password"],
        ))
        .answer("200", "The account, signed in", schema_ref("Me"))
        .header("200", "Set-Cookie", SESSION_COOKIES)
        .refuses(
            "401",
            "wrong email or password (the same answer whether the account exists or not); with the right password, two_factor_required when the account needs a code and none was sent, or a wrong or already used code",
        )
        .refuses("429", "too many failed attempts for the account (10 in 15 minutes) or from the address (100), or too many wrong two-factor codes (5 in 15 minutes); attempts after the third failed password are slowed")
}

fn request_password_reset() -> Op {
    Op::new(
        "POST",
        "/api/v1/auth/password-reset",
        "Accounts",
        "requestPasswordReset",
        "Mail a password reset link",
    )
    .anonymous()
    .describe("Answers the same whether or not an account has the address; at most 5 mails an hour go to one account, each valid for an hour.")
    .json_body(body(json!({ "email": email() }), &["email"]))
    .answer("202", "If an account has the address, a link is on its way", schema_ref("Message"))
}

fn confirm_password_reset() -> Op {
    let mut password = new_password("only spaces");
    // Compared with no address at all, so a password of spaces alone is refused.
    password["pattern"] = json!(format!("[^{}]", super::schemas::SPACE));
    Op::new(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        "Accounts",
        "confirmPasswordReset",
        "Choose a new password with a reset code",
    )
    .anonymous()
    .json_body(body(
        json!({ "token": { "type": "string", "description": "The code of the mailed link" }, "password": password }),
        &["token", "password"],
    ))
    .answer(
        "200",
        "Password changed; every session of the account ended",
        schema_ref("Message"),
    )
    .refuses(
        "404",
        "the code is unknown, has expired or was already used",
    )
}

fn update_me() -> Op {
    let theme = json!({ "type": ["string", "null"], "enum": ["light", "dark", "system", null] });
    let mut schema = body(
        json!({
            "name": nullable(name()),
            "email": nullable(email()),
            "theme": theme,
            "currentPassword": { "type": ["string", "null"], "description": "Needed to change the email address" },
        }),
        &[],
    );
    // The email is how the account is recovered: changing it takes the password.
    schema["if"] =
        json!({ "required": ["email"], "properties": { "email": { "type": "string" } } });
    schema["then"] = json!({ "required": ["currentPassword"], "properties": { "currentPassword": { "type": "string", "minLength": 1 } } });
    Op::new(
        "PATCH",
        "/api/v1/me",
        "Me",
        "updateMe",
        "Change the name, email address or theme",
    )
    .describe(
        "Only the fields sent (and not null) change. A new email address needs currentPassword.",
    )
    .json_body(schema)
    .answer("200", "The account as changed", schema_ref("Me"))
    .refuses("403", "currentPassword is wrong")
    .refuses("409", "another account has the email address")
    .refuses("429", "too many wrong passwords (as for signing in)")
}

fn delete_me() -> Op {
    Op::new("DELETE", "/api/v1/me", "Me", "deleteMe", "Delete the account for good")
        .describe("With its sessions, sign-in history, memberships, avatar and the mail queued to it; this browser is signed out.")
        .json_body(body(
            json!({ "currentPassword": { "type": "string", "minLength": 1 } }),
            &["currentPassword"],
        ))
        .empty("204", "Deleted")
        .header("204", "Set-Cookie", CLEARED_COOKIES)
        .refuses("403", "currentPassword is wrong")
        .refuses("409", "the account is the only owner of a workspace (named): transfer ownership or delete it first")
        .refuses("429", "too many wrong passwords (as for signing in)")
}

fn change_password() -> Op {
    Op::new(
        "POST",
        "/api/v1/me/password",
        "Me",
        "changePassword",
        "Change the password",
    )
    .json_body(body(
        json!({
            "currentPassword": { "type": "string" },
            "newPassword": new_password("the account's email address"),
        }),
        &["currentPassword", "newPassword"],
    ))
    .empty("204", "Changed; every other session ended")
    .refuses("403", "currentPassword is wrong")
    .refuses("429", "too many wrong passwords (as for signing in)")
}

fn logins() -> Op {
    Op::new(
        "GET",
        "/api/v1/me/logins",
        "Me",
        "listLogins",
        "The account's sign-in history",
    )
    .query(
        "limit",
        json!({ "type": "integer", "minimum": 1, "maximum": 500, "default": 50 }),
        "How many, newest first",
    )
    .answer(
        "200",
        "Sign-ups, sign-ins, failed attempts and password changes, newest first (kept 90 days)",
        list_of("LoginEvent"),
    )
    .refuses("400", "limit is not a whole number from 1 to 500")
}
