//! `salesos orgs`: create and list organizations.

use crate::cli::{GlobalArgs, OrgsCommand};
use crate::context::now_ms;
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use salesos_model::access::Role;
use salesos_model::org::{calling_code, OrgSettings, Organization, Tier};
use salesos_store::{NewUser, Store};
use serde_json::json;

fn org_json(org: &Organization) -> serde_json::Value {
    json!({
        "id": org.id.0,
        "name": org.name,
        "tier": org.settings.tier.as_str(),
        "locale": org.settings.locale,
        "time_zone": org.settings.time_zone,
        "default_phone_country": org.settings.default_phone_country,
        "default_currency": org.settings.default_currency,
        "created_at": org.created_at,
    })
}

/// Runs an `orgs` command.
pub fn run(store: &Store, global: &GlobalArgs, command: OrgsCommand) -> CliResult<u8> {
    match command {
        OrgsCommand::Create { name, tier, locale, time_zone, phone_country, currency, admin_email, admin_name } => {
            let tier = Tier::parse(&tier).ok_or_else(|| {
                CliError::invalid(format!("unknown tier {tier:?}: use starter, professional or enterprise")).with_field("tier")
            })?;
            let phone_country = phone_country.trim().to_ascii_uppercase();
            if calling_code(&phone_country).is_none() {
                return Err(CliError::invalid(format!(
                    "unsupported phone country {phone_country:?}: use an ISO 3166 alpha-2 code such as US, GB, DE"
                ))
                .with_field("phone_country"));
            }
            let currency = currency.trim().to_ascii_uppercase();
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(
                    CliError::invalid(format!("currency {currency:?} is not an ISO 4217 code like USD")).with_field("currency")
                );
            }
            if !salesos_model::schema::is_valid_api_name(&name.replace('-', "_")) {
                return Err(CliError::invalid(format!("organization name {name:?}: use lower-case letters, digits, - and _"))
                    .with_field("name"));
            }
            let settings =
                OrgSettings { tier, locale, time_zone, default_phone_country: phone_country, default_currency: currency };
            let now = now_ms();
            let admin_email = admin_email.unwrap_or_else(|| format!("admin@{name}.local"));
            if !admin_email.contains('@') {
                return Err(
                    CliError::invalid(format!("admin email {admin_email:?} is not an email address")).with_field("admin_email")
                );
            }
            let org = store.create_org(&name, &settings, now)?;
            let admin = store.create_user(
                &NewUser {
                    org_id: org.id,
                    email: admin_email,
                    name: admin_name,
                    role: Role::Admin,
                    visibility: None,
                    password_hash: None,
                },
                now,
            )?;
            if global.json {
                let mut value = org_json(&org);
                value["admin"] = json!({"id": admin.id.0, "email": admin.email});
                print_json(&value);
            } else {
                say(format!("Created organization {} (id {}) with admin {}.", org.name, org.id, admin.email));
            }
            Ok(0)
        }
        OrgsCommand::List => {
            let orgs = store.list_orgs()?;
            if global.json {
                print_json(&json!({ "organizations": orgs.iter().map(org_json).collect::<Vec<_>>() }));
            } else {
                for org in &orgs {
                    say(format!("{}\t{}\t{}", org.id, org.name, org.settings.tier.as_str()));
                }
            }
            Ok(0)
        }
    }
}
