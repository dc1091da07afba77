//! The acting user: organization, user and resolved permissions, and the checks on them.

use crate::error::{AppError, AppResult};
use salesos_model::access::{Action, Principal, Role, User};
use salesos_model::error::ErrorCode;
use salesos_model::ops::{AuditEntry, AuditOutcome};
use salesos_model::org::Organization;
use salesos_store::Store;

/// The organization and user an operation acts as.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The organization.
    pub org: Organization,
    /// The user.
    pub user: User,
    /// The user's resolved permissions.
    pub principal: Principal,
}

impl Actor {
    /// Resolves an actor from an organization and a user of it.
    pub fn new(store: &Store, org: Organization, user: User) -> AppResult<Actor> {
        if !user.active {
            return Err(AppError::new(ErrorCode::Forbidden, format!("user {} is deactivated", user.email)));
        }
        let principal = store.principal(&user)?;
        Ok(Actor { org, user, principal })
    }

    /// Resolves `--org` / `--as` style names (defaults: the only organization, its first admin).
    pub fn resolve(store: &Store, org: Option<&str>, user: Option<&str>) -> AppResult<Actor> {
        let org = match org {
            Some(name) => store.find_org(name)?,
            None => {
                let mut orgs = store.list_orgs()?;
                match orgs.len() {
                    0 => {
                        return Err(AppError::new(
                            ErrorCode::NotFound,
                            "no organization yet: create one with `salesos orgs create NAME`",
                        ))
                    }
                    1 => orgs.remove(0),
                    n => return Err(AppError::invalid(format!("there are {n} organizations: choose one with --org NAME"))),
                }
            }
        };
        let user = match user {
            Some(who) => store.find_user(org.id, who)?,
            None => store.list_users(org.id)?.into_iter().find(|u| u.role == Role::Admin && u.active).ok_or_else(|| {
                AppError::new(ErrorCode::NotFound, format!("organization {:?} has no active admin: pass --as USER", org.name))
            })?,
        };
        Actor::new(store, org, user)
    }

    /// Refuses unless the actor may do `action` on the object.
    pub fn require(&self, object: &str, action: Action) -> AppResult<()> {
        if self.principal.can(object, action) {
            return Ok(());
        }
        let verb = match action {
            Action::Read => "read",
            Action::Edit => "edit",
            Action::Import => "import",
            Action::Export => "export",
        };
        Err(AppError::forbidden(format!("{} may not {verb} {object}", self.user.email)))
    }

    /// Refuses unless the actor administers the organization.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.principal.is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden(format!("{} is not an admin of {}", self.user.email, self.org.name)))
        }
    }

    /// Appends an audit entry for a successful action.
    pub fn audit(
        &self,
        store: &Store,
        now: i64,
        action: &str,
        object: Option<&str>,
        count: i64,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        store.append_audit(&AuditEntry {
            at: now,
            org_id: self.org.id,
            actor: Some(self.user.id),
            action: action.into(),
            object: object.map(str::to_string),
            count,
            outcome: AuditOutcome::Success,
            detail: detail.to_string(),
        })?;
        Ok(())
    }
}
