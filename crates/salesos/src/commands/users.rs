//! `salesos users`: create and list users, join teams, set permission rules, make API keys.

use super::audit;
use crate::cli::{GlobalArgs, UsersCommand};
use crate::context::{actor, now_ms};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use salesos_model::access::{PermissionRule, PermissionSubject, Permissions, Role, User, Visibility};
use salesos_model::error::ErrorCode;
use salesos_store::{NewUser, Store};
use serde_json::json;

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id.0,
        "email": user.email,
        "name": user.name,
        "role": user.role.as_str(),
        "visibility": user.visibility.unwrap_or(user.role.default_visibility()).as_str(),
        "active": user.active,
        "created_at": user.created_at,
    })
}

/// Runs a `users` command.
pub fn run(store: &Store, global: &GlobalArgs, command: UsersCommand) -> CliResult<u8> {
    let actor = actor(store, global)?;
    match command {
        UsersCommand::Create { email, name, role, visibility, teams } => {
            actor.require_admin()?;
            let role = Role::parse(&role).ok_or_else(|| {
                CliError::invalid(format!("unknown role {role:?}: use admin, manager, member or read-only")).with_field("role")
            })?;
            let visibility = visibility
                .map(|v| {
                    Visibility::parse(&v).ok_or_else(|| {
                        CliError::invalid(format!("unknown visibility {v:?}: use own, team or all")).with_field("visibility")
                    })
                })
                .transpose()?;
            if !salesos_model::keys::is_login_email(email.trim()) {
                return Err(CliError::invalid(format!("{email:?} is not an email address")).with_field("email"));
            }
            let name = if name.trim().is_empty() { email.split('@').next().unwrap_or_default().to_string() } else { name };
            let user = store
                .create_user(&NewUser { org_id: actor.org.id, email, name, role, visibility, password_hash: None }, now_ms())?;
            for team_name in &teams {
                let existing = store.list_teams(actor.org.id)?.into_iter().find(|t| &t.name == team_name);
                let team = match existing {
                    Some(team) => team,
                    None => store.create_team(actor.org.id, team_name)?,
                };
                store.add_team_member(actor.org.id, team.id, user.id)?;
            }
            audit(store, &actor, "users.create", None, 1, json!({"user": user.id.0, "role": role.as_str()}))?;
            if global.json {
                let mut value = user_json(&user);
                value["teams"] = json!(teams);
                print_json(&value);
            } else {
                say(format!("Created user {} (id {}, {}).", user.email, user.id, user.role.as_str()));
            }
            Ok(0)
        }
        UsersCommand::List => {
            let users = store.list_users(actor.org.id)?;
            if global.json {
                print_json(&json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() }));
            } else {
                for user in &users {
                    say(format!("{}\t{}\t{}\t{}", user.id, user.email, user.role.as_str(), user.name));
                }
            }
            Ok(0)
        }
        UsersCommand::ApiKey { user, name } => {
            actor.require_admin()?;
            let target = store.find_user(actor.org.id, &user)?;
            let key = salesos_app::keys::new_secret("sk_")?;
            let prefix: String = key.chars().take(10).collect();
            let stored = store.create_api_key(&target, &name, &prefix, &salesos_app::keys::hash_secret(&key), now_ms())?;
            audit(store, &actor, "api_keys.create", None, 1, json!({"user": target.id.0, "key": stored.id}))?;
            if global.json {
                print_json(
                    &json!({"id": stored.id, "user": target.email, "name": stored.name, "prefix": stored.prefix, "api_key": key}),
                );
            } else {
                say(format!("API key for {} (shown once, store it now):", target.email));
                say(&key);
            }
            Ok(0)
        }
        UsersCommand::Grant { target, permissions, role, user } => {
            actor.require_admin()?;
            let (object, field) = match target.split_once('.') {
                Some((object, field)) => (object.to_string(), Some(field.to_string())),
                None => (target.clone(), None),
            };
            let schema = store.schema(actor.org.id)?;
            let object_def = schema
                .object(&object)
                .ok_or_else(|| CliError::new(ErrorCode::UnknownObject, format!("unknown object {object:?}")))?;
            if let Some(field) = &field {
                if object_def.field(field).is_none() {
                    return Err(CliError::new(
                        ErrorCode::UnknownField,
                        format!("unknown field {field:?} on {}", object_def.api_name),
                    )
                    .with_field(field.clone()));
                }
            }
            let perms = Permissions::parse(&permissions).ok_or_else(|| {
                CliError::invalid(format!(
                    "permissions {permissions:?}: use read, edit, import, export (comma-separated), all or none"
                ))
            })?;
            let subject = match (role, user) {
                (Some(role), _) => PermissionSubject::Role(
                    Role::parse(&role).ok_or_else(|| CliError::invalid(format!("unknown role {role:?}")).with_field("role"))?,
                ),
                (None, Some(user)) => PermissionSubject::User(store.find_user(actor.org.id, &user)?.id),
                (None, None) => return Err(CliError::invalid("give --role or --user")),
            };
            let rule = PermissionRule { subject, object: object_def.api_name.clone(), field, permissions: perms };
            store.set_permission_rule(actor.org.id, &rule)?;
            audit(
                store,
                &actor,
                "permissions.set",
                Some(&object_def.api_name),
                1,
                json!({"target": target, "permissions": perms.render()}),
            )?;
            if global.json {
                print_json(&json!({"object": rule.object, "field": rule.field, "permissions": perms.render()}));
            } else {
                say(format!("Set {target} to {}.", perms.render()));
            }
            Ok(0)
        }
    }
}
