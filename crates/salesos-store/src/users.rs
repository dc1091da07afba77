//! Users, teams, API keys and permission rules, and the resolution of a [`Principal`].

use crate::error::{Result, StoreError};
use crate::sql::{is_unique_violation, Row, SqlValue};
use crate::Store;
use salesos_model::access::{PermissionRule, PermissionSubject, Permissions, Principal, Role, Team, User, Visibility};
use salesos_model::ids::{OrgId, TeamId, UserId};

/// A user to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// The organization.
    pub org_id: OrgId,
    /// Login address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Visibility override.
    pub visibility: Option<Visibility>,
    /// An argon2 PHC password hash, if the user signs in with a password.
    pub password_hash: Option<String>,
}

/// A stored API key (the secret itself is never stored, only its SHA-256).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Its id.
    pub id: i64,
    /// The organization.
    pub org_id: OrgId,
    /// The user the key acts as.
    pub user_id: UserId,
    /// A name to recognize it by.
    pub name: String,
    /// The first characters of the key, shown in listings.
    pub prefix: String,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last use, ms.
    pub last_used_at: Option<i64>,
    /// Revocation time, ms.
    pub revoked_at: Option<i64>,
}

const USER_COLUMNS: &str = "id, org_id, email, name, role, visibility, active, created_at";

fn user_from_row(row: &Row) -> Result<User> {
    let role_text = row.text(4)?;
    Ok(User {
        id: UserId(row.int(0)?),
        org_id: OrgId(row.int(1)?),
        email: row.text(2)?,
        name: row.text(3)?,
        role: Role::parse(&role_text).ok_or_else(|| StoreError::Corrupt(format!("role {role_text:?}")))?,
        visibility: row.opt_text(5)?.as_deref().and_then(Visibility::parse),
        active: row.bool(6)?,
        created_at: row.int(7)?,
    })
}

const KEY_COLUMNS: &str = "id, org_id, user_id, name, prefix, created_at, last_used_at, revoked_at";

fn key_from_row(row: &Row) -> Result<ApiKey> {
    Ok(ApiKey {
        id: row.int(0)?,
        org_id: OrgId(row.int(1)?),
        user_id: UserId(row.int(2)?),
        name: row.text(3)?,
        prefix: row.text(4)?,
        created_at: row.int(5)?,
        last_used_at: row.opt_int(6)?,
        revoked_at: row.opt_int(7)?,
    })
}

impl Store {
    /// Creates a user; the email is unique per organization (compared lower-cased).
    pub fn create_user(&self, user: &NewUser, now: i64) -> Result<User> {
        let email = user.email.trim().to_lowercase();
        let result = self.write(|tx| {
            tx.insert_id(
                "INSERT INTO users (org_id, email, name, role, visibility, active, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    user.org_id.0.into(),
                    email.as_str().into(),
                    user.name.trim().into(),
                    user.role.as_str().into(),
                    user.visibility.map(|v| v.as_str()).into(),
                    true.into(),
                    user.password_hash.clone().into(),
                    now.into(),
                ],
            )
        });
        match result {
            Ok(id) => Ok(User {
                id: UserId(id),
                org_id: user.org_id,
                email,
                name: user.name.trim().into(),
                role: user.role,
                visibility: user.visibility,
                active: true,
                created_at: now,
            }),
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("user {email:?}") }),
            Err(err) => Err(err),
        }
    }

    /// Lists the users of an organization.
    pub fn list_users(&self, org: OrgId) -> Result<Vec<User>> {
        self.read(|tx| {
            tx.query(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY id"), &[org.0.into()])?
                .iter()
                .map(user_from_row)
                .collect()
        })
    }

    /// Finds a user of an organization by email or numeric id.
    pub fn find_user(&self, org: OrgId, email_or_id: &str) -> Result<User> {
        let key = email_or_id.trim();
        self.read(|tx| {
            let row = match key.parse::<i64>() {
                Ok(id) => tx.query_opt(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2"),
                    &[org.0.into(), id.into()],
                )?,
                Err(_) => tx.query_opt(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND email = $2"),
                    &[org.0.into(), key.to_lowercase().into()],
                )?,
            };
            row.as_ref().map(user_from_row).transpose()?.ok_or_else(|| StoreError::not_found(format!("user {key:?}")))
        })
    }

    /// Finds the active users with an email in any organization (for sign-in), oldest first.
    pub fn find_users_by_email(&self, email: &str) -> Result<Vec<User>> {
        self.read(|tx| {
            tx.query(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND active = $2 ORDER BY id"),
                &[email.trim().to_lowercase().into(), SqlValue::Bool(Some(true))],
            )?
            .iter()
            .map(user_from_row)
            .collect()
        })
    }

    /// Returns a user's password hash, if any.
    pub fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .query_opt("SELECT password_hash FROM users WHERE id = $1", &[user.0.into()])?
                .and_then(|r| r.opt_text(0).ok().flatten()))
        })
    }

    /// Creates a team.
    pub fn create_team(&self, org: OrgId, name: &str) -> Result<Team> {
        let name = name.trim();
        match self.write(|tx| {
            tx.insert_id("INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id", &[org.0.into(), name.into()])
        }) {
            Ok(id) => Ok(Team { id: TeamId(id), org_id: org, name: name.into() }),
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("team {name:?}") }),
            Err(err) => Err(err),
        }
    }

    /// Lists the teams of an organization.
    pub fn list_teams(&self, org: OrgId) -> Result<Vec<Team>> {
        self.read(|tx| {
            tx.query("SELECT id, name FROM teams WHERE org_id = $1 ORDER BY id", &[org.0.into()])?
                .iter()
                .map(|r| Ok(Team { id: TeamId(r.int(0)?), org_id: org, name: r.text(1)? }))
                .collect()
        })
    }

    /// Adds a user to a team (idempotent). Both must belong to the organization.
    pub fn add_team_member(&self, org: OrgId, team: TeamId, user: UserId) -> Result<()> {
        self.write(|tx| {
            let team_ok =
                tx.query_opt("SELECT 1 FROM teams WHERE id = $1 AND org_id = $2", &[team.0.into(), org.0.into()])?.is_some();
            let user_ok =
                tx.query_opt("SELECT 1 FROM users WHERE id = $1 AND org_id = $2", &[user.0.into(), org.0.into()])?.is_some();
            if !team_ok {
                return Err(StoreError::not_found(format!("team {team}")));
            }
            if !user_ok {
                return Err(StoreError::not_found(format!("user {user}")));
            }
            tx.exec(
                "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[team.0.into(), user.0.into()],
            )?;
            Ok(())
        })
    }

    /// Sets (or replaces) a permission rule.
    pub fn set_permission_rule(&self, org: OrgId, rule: &PermissionRule) -> Result<()> {
        let (kind, subject) = match &rule.subject {
            PermissionSubject::Role(role) => ("role", role.as_str().to_string()),
            PermissionSubject::User(user) => ("user", user.0.to_string()),
        };
        let field = rule.field.clone().unwrap_or_default();
        self.write(|tx| {
            tx.exec(
                "INSERT INTO permission_rules (org_id, subject_kind, subject, object, field, permissions) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (org_id, subject_kind, subject, object, field) DO UPDATE SET permissions = excluded.permissions",
                &[org.0.into(), kind.into(), subject.into(), rule.object.as_str().into(), field.into(), rule.permissions.render().into()],
            )?;
            Ok(())
        })
    }

    /// Lists an organization's permission rules.
    pub fn permission_rules(&self, org: OrgId) -> Result<Vec<PermissionRule>> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT subject_kind, subject, object, field, permissions FROM permission_rules WHERE org_id = $1 ORDER BY id",
                &[org.0.into()],
            )?;
            rows.iter()
                .map(|r| {
                    let subject = match (r.text(0)?.as_str(), r.text(1)?) {
                        ("role", role) => PermissionSubject::Role(
                            Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
                        ),
                        (_, user) => PermissionSubject::User(UserId(
                            user.parse().map_err(|_| StoreError::Corrupt(format!("user {user:?}")))?,
                        )),
                    };
                    let field = r.text(3)?;
                    let perms = r.text(4)?;
                    Ok(PermissionRule {
                        subject,
                        object: r.text(2)?,
                        field: (!field.is_empty()).then_some(field),
                        permissions: Permissions::parse(&perms)
                            .ok_or_else(|| StoreError::Corrupt(format!("permissions {perms:?}")))?,
                    })
                })
                .collect()
        })
    }

    /// Resolves the principal of a user: team mates, rules and visibility.
    pub fn principal(&self, user: &User) -> Result<Principal> {
        let mates = self.read(|tx| {
            tx.query(
                "SELECT DISTINCT m2.user_id FROM team_members m1 JOIN team_members m2 ON m1.team_id = m2.team_id WHERE m1.user_id = $1",
                &[user.id.0.into()],
            )?
            .iter()
            .map(|r| Ok(UserId(r.int(0)?)))
            .collect::<Result<Vec<_>>>()
        })?;
        let rules = self.permission_rules(user.org_id)?;
        Ok(Principal::new(user, mates, &rules))
    }

    /// Stores a new API key by its SHA-256 hash.
    pub fn create_api_key(&self, user: &User, name: &str, prefix: &str, key_hash: &str, now: i64) -> Result<ApiKey> {
        let id = self.write(|tx| {
            tx.insert_id(
                "INSERT INTO api_keys (org_id, user_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[user.org_id.0.into(), user.id.0.into(), name.into(), prefix.into(), key_hash.into(), now.into()],
            )
        })?;
        Ok(ApiKey {
            id,
            org_id: user.org_id,
            user_id: user.id,
            name: name.into(),
            prefix: prefix.into(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// Finds the active user of an unrevoked API key by the key's hash, and records its use.
    ///
    /// The use is written at most once a minute per key, so authenticating stays a read.
    pub fn authenticate_api_key(&self, key_hash: &str, now: i64) -> Result<Option<(ApiKey, User)>> {
        let found = self.read(|tx| {
            let Some(row) = tx.query_opt(
                &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"),
                &[key_hash.into()],
            )?
            else {
                return Ok(None);
            };
            let key = key_from_row(&row)?;
            let Some(user_row) = tx.query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND active = $2"),
                &[key.user_id.0.into(), SqlValue::Bool(Some(true))],
            )?
            else {
                return Ok(None);
            };
            Ok(Some((key, user_from_row(&user_row)?)))
        })?;
        if let Some((key, _)) = &found {
            if key.last_used_at.is_none_or(|last| now - last >= 60_000) {
                self.write(|tx| tx.exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", &[now.into(), key.id.into()]))?;
            }
        }
        Ok(found)
    }

    /// Lists the API keys of an organization (never the secrets).
    pub fn list_api_keys(&self, org: OrgId) -> Result<Vec<ApiKey>> {
        self.read(|tx| {
            tx.query(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE org_id = $1 ORDER BY id"), &[org.0.into()])?
                .iter()
                .map(key_from_row)
                .collect()
        })
    }

    /// Revokes an API key of an organization.
    pub fn revoke_api_key(&self, org: OrgId, key_id: i64, now: i64) -> Result<()> {
        let changed = self.write(|tx| {
            tx.exec(
                "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL",
                &[now.into(), key_id.into(), org.0.into()],
            )
        })?;
        if changed == 0 {
            return Err(StoreError::not_found(format!("active API key {key_id}")));
        }
        Ok(())
    }
}

/// A browser session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The signed-in user.
    pub user: User,
    /// The token state-changing requests must echo (CSRF protection).
    pub csrf_token: String,
    /// When the session ends, ms.
    pub expires_at: i64,
}

impl Store {
    /// Stores a session by the SHA-256 of its token.
    pub fn create_session(&self, user: &User, token_hash: &str, csrf_token: &str, now: i64, expires_at: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec("DELETE FROM sessions WHERE expires_at <= $1", &[now.into()])?;
            tx.exec(
                "INSERT INTO sessions (token_hash, user_id, org_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[token_hash.into(), user.id.0.into(), user.org_id.0.into(), csrf_token.into(), now.into(), expires_at.into()],
            )?;
            Ok(())
        })
    }

    /// Finds the active user of an unexpired session.
    pub fn find_session(&self, token_hash: &str, now: i64) -> Result<Option<Session>> {
        self.read(|tx| {
            let Some(row) = tx.query_opt(
                "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                &[token_hash.into(), now.into()],
            )?
            else {
                return Ok(None);
            };
            let Some(user_row) = tx.query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND active = $2"),
                &[row.int(0)?.into(), SqlValue::Bool(Some(true))],
            )?
            else {
                return Ok(None);
            };
            Ok(Some(Session { user: user_from_row(&user_row)?, csrf_token: row.text(1)?, expires_at: row.int(2)? }))
        })
    }

    /// Ends a session.
    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(|tx| tx.exec("DELETE FROM sessions WHERE token_hash = $1", &[token_hash.into()]))?;
        Ok(())
    }

    /// Sets (or replaces) a user's password hash.
    pub fn set_password_hash(&self, user: UserId, phc: &str) -> Result<()> {
        let changed =
            self.write(|tx| tx.exec("UPDATE users SET password_hash = $1 WHERE id = $2", &[phc.into(), user.0.into()]))?;
        if changed == 0 {
            return Err(StoreError::not_found(format!("user {user}")));
        }
        Ok(())
    }
}
