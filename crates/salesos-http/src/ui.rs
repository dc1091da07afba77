//! Server-rendered pages for people: sign-in, the objects with their counts, and a filterable,
//! paginated table of records. Built as plain HTML strings (every value escaped) so the later
//! web app (import wizard, history, exports) can add pages beside these without a JS build.

use crate::auth::{session_of, Authed, Via, SESSION_COOKIE, SESSION_MS};
use crate::error::ApiResult;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use salesos_app::keys::{hash_secret, new_secret};
use salesos_app::records::{self, ListParams};
use salesos_model::access::Action;
use std::collections::BTreeMap;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/ui/records/{object}", get(records_page))
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)]).map(|s| s[2..].to_string()).unwrap_or_default()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1d2433;color:#fff;padding:.7rem 1.2rem;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}main{padding:1.2rem;max-width:1200px;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6eb;padding:.45rem .6rem;text-align:left;font-size:.9rem;vertical-align:top}
th{background:#eef0f4}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:.8rem}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:.9rem;text-decoration:none;color:inherit}
.card b{display:block;font-size:1.6rem}.error{background:#fde8e8;border:1px solid #f5b5b5;padding:.6rem;border-radius:4px;margin:.6rem 0}
form.inline{display:flex;gap:.5rem;margin:.8rem 0}input[type=text],input[type=email],input[type=password]{padding:.45rem;border:1px solid #c9ced8;border-radius:4px;flex:1}
button{padding:.45rem .9rem;border:0;border-radius:4px;background:#2f6fed;color:#fff;cursor:pointer}.muted{color:#6b7385}";

fn page(title: &str, user: Option<(&str, &str)>, body: &str) -> Html<String> {
    let nav = match user {
        Some((email, csrf)) => format!(
            "<span>{} <form method=post action=/logout style=display:inline><input type=hidden name=csrf_token value=\"{}\"><button>Sign out</button></form></span>",
            escape(email),
            escape(csrf)
        ),
        None => String::new(),
    };
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{} · SalesOS Data</title><style>{STYLE}</style></head>\
         <body><header><a href=/>SalesOS Data</a>{nav}</header><main>{body}</main></body></html>",
        escape(title)
    ))
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<(Authed, String)>> {
    Ok(session_of(state, headers).await?.and_then(|authed| match &authed.via {
        Via::Session { csrf, .. } => {
            let csrf = csrf.clone();
            Some((authed, csrf))
        }
        Via::ApiKey => None,
    }))
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if signed_in(&state, &headers).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(login_form(None).into_response())
}

fn login_form(error: Option<&str>) -> Html<String> {
    let error = error.map(|e| format!("<div class=error>{}</div>", escape(e))).unwrap_or_default();
    page(
        "Sign in",
        None,
        &format!(
            "<h1>Sign in</h1>{error}<form method=post action=/login style=max-width:380px;display:grid;gap:.6rem>\
             <input type=email name=email placeholder=Email required autofocus><input type=password name=password placeholder=Password required>\
             <input type=text name=org placeholder=\"Organization (if your email is in several)\"><button>Sign in</button></form>\
             <p class=muted>Programs use the API with an API key: see <a href=/docs>/docs</a>.</p>"
        ),
    )
}

async fn login(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let form: BTreeMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let org = form.get("org").cloned().filter(|o| !o.trim().is_empty());
    let store = state.store.clone();
    let now = state.now();
    let token = new_secret("")?;
    let csrf = new_secret("")?;
    let token_hash = hash_secret(&token);
    let signed = crate::api::blocking(move || {
        let candidates = store.find_users_by_email(&email)?;
        for user in candidates {
            if let Some(org_name) = &org {
                if store.find_org(org_name).ok().map(|o| o.id) != Some(user.org_id) {
                    continue;
                }
            }
            let Some(phc) = store.password_hash(user.id)? else { continue };
            if salesos_app::passwords::verify(&password, &phc) {
                store.create_session(&user, &token_hash, &csrf, now, now + SESSION_MS)?;
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    if !signed {
        return Ok((StatusCode::UNAUTHORIZED, login_form(Some("Wrong email or password."))).into_response());
    }
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}", SESSION_MS / 1000);
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let form: BTreeMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if let Some((authed, csrf)) = signed_in(&state, &headers).await? {
        if form.get("csrf_token") != Some(&csrf) {
            return Ok((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
        }
        if let Via::Session { token_hash, .. } = authed.via {
            let store = state.store.clone();
            crate::api::blocking(move || Ok(store.delete_session(&token_hash)?)).await?;
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("salesos_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"));
    Ok(response)
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let Some((authed, csrf)) = signed_in(&state, &headers).await? else { return Ok(Redirect::to("/login").into_response()) };
    let store = state.store.clone();
    let actor = authed.actor.clone();
    let cards = crate::api::blocking(move || {
        let schema = store.schema(actor.org.id)?;
        let counts = store.count_by_object(actor.org.id, &actor.principal.visibility_scope())?;
        Ok(schema
            .objects
            .iter()
            .filter(|o| actor.principal.can(&o.api_name, Action::Read))
            .map(|o| {
                format!(
                    "<a class=card href=\"/ui/records/{}\"><b>{}</b>{}</a>",
                    escape(&o.api_name),
                    counts.get(&o.id).copied().unwrap_or(0),
                    escape(&o.plural_label)
                )
            })
            .collect::<String>())
    })
    .await?;
    let body = format!("<h1>{}</h1><div class=cards>{cards}</div>", escape(&authed.actor.org.name));
    Ok(page("Objects", Some((&authed.actor.user.email, &csrf)), &body).into_response())
}

async fn records_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(object): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let Some((authed, csrf)) = signed_in(&state, &headers).await? else { return Ok(Redirect::to("/login").into_response()) };
    let query: BTreeMap<String, String> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let filter = query.get("filter").cloned().unwrap_or_default();
    let sort = query.get("sort").cloned().unwrap_or_default();
    let cursor = query.get("cursor").cloned().filter(|c| !c.is_empty());
    let store = state.store.clone();
    let actor = authed.actor.clone();
    let (title, table, next) = crate::api::blocking(move || {
        let schema = store.schema(actor.org.id)?;
        let def = records::readable_object(&schema, &actor, &object)?;
        let columns: Vec<&str> = def
            .fields
            .iter()
            .filter(|f| actor.principal.can_field(&def.api_name, &f.api_name, Action::Read))
            .map(|f| f.api_name.as_str())
            .take(7)
            .collect();
        let result = records::list(&store, &schema, &actor, def, &ListParams { filter: filter.clone(), sort: sort.clone(), limit: 50, cursor });
        let (rows, next, error) = match result {
            Ok(page) => (page.records, page.next_cursor, None),
            Err(err) => (Vec::new(), None, Some(err.body.message)),
        };
        let head: String = columns.iter().map(|c| format!("<th>{}</th>", escape(def.field(c).map(|f| f.label.as_str()).unwrap_or(c)))).collect();
        let body: String = rows
            .iter()
            .map(|r| {
                let cells: String = columns.iter().map(|c| format!("<td>{}</td>", escape(&r.fields.get(c).map(|v| v.to_string()).unwrap_or_default()))).collect();
                format!("<tr><td>{}</td>{cells}</tr>", r.id)
            })
            .collect();
        let error = error.map(|e| format!("<div class=error>{}</div>", escape(&e))).unwrap_or_default();
        let form = format!(
            "<form class=inline method=get><input type=text name=filter value=\"{}\" placeholder='Filter, e.g. email contains \"@acme\"'>\
             <input type=text name=sort value=\"{}\" placeholder=\"Sort, e.g. -created_at\" style=max-width:220px><button>Apply</button></form>",
            escape(&filter),
            escape(&sort)
        );
        let table = format!("{form}{error}<table><thead><tr><th>#</th>{head}</tr></thead><tbody>{body}</tbody></table>");
        let next = next.map(|n| format!("/ui/records/{}?filter={}&sort={}&cursor={}", escape(&def.api_name), url_encode(&filter), url_encode(&sort), url_encode(&n)));
        Ok((def.plural_label.clone(), table, next))
    })
    .await?;
    let next = next.map(|n| format!("<p><a href=\"{}\">Next page →</a></p>", escape(&n))).unwrap_or_default();
    let body = format!("<p><a href=/>← Objects</a></p><h1>{}</h1>{table}{next}", escape(&title));
    Ok(page(&title, Some((&authed.actor.user.email, &csrf)), &body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape("<a href=\"x\">O'Brien & Co</a>"), "&lt;a href=&quot;x&quot;&gt;O&#39;Brien &amp; Co&lt;/a&gt;");
        assert_eq!(url_encode("a b&c"), "a+b%26c");
    }
}
