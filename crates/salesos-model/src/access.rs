//! Users, roles, teams, permissions and record visibility: who may read, edit, import and export what.
//!
//! Every read and export applies [`Principal::visibility_scope`] and [`Principal::can_field`];
//! the store and the export planner receive the result as values and never decide on their own.

use crate::ids::{OrgId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A user's role; it sets default permissions and visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including schema, users and other people's records.
    Admin,
    /// Reads, edits, imports and exports the records of their teams.
    Manager,
    /// Reads and edits every record, edits and exports their own.
    Member,
    /// Reads only.
    ReadOnly,
}

impl Role {
    /// Returns the role's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::ReadOnly => "read_only",
        }
    }

    /// Parses a stable role name (`read-only` is accepted as well).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "member" => Some(Role::Member),
            "read_only" | "readonly" => Some(Role::ReadOnly),
            _ => None,
        }
    }

    /// Returns the permissions the role grants on every object unless overridden.
    pub fn default_permissions(self) -> Permissions {
        match self {
            Role::Admin | Role::Manager => Permissions::ALL,
            Role::Member => Permissions { read: true, edit: true, import: true, export: false },
            Role::ReadOnly => Permissions { read: true, edit: false, import: false, export: false },
        }
    }

    /// Returns the record visibility the role has unless overridden.
    pub fn default_visibility(self) -> Visibility {
        match self {
            Role::Admin => Visibility::All,
            Role::Manager => Visibility::Team,
            Role::Member => Visibility::All,
            Role::ReadOnly => Visibility::All,
        }
    }
}

/// Which records a user sees: their own, their teams', or all of the organization's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Records the user owns.
    Own,
    /// Records owned by the user or by anyone in one of the user's teams.
    Team,
    /// Every record of the organization.
    All,
}

impl Visibility {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Own => "own",
            Visibility::Team => "team",
            Visibility::All => "all",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Visibility> {
        match text.trim().to_ascii_lowercase().as_str() {
            "own" => Some(Visibility::Own),
            "team" => Some(Visibility::Team),
            "all" => Some(Visibility::All),
            _ => None,
        }
    }
}

/// One of the four things a user may do with an object or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See records or a field's values.
    Read,
    /// Create, change and delete records or a field's values.
    Edit,
    /// Bring records in through an import.
    Import,
    /// Take records out through an export.
    Export,
}

/// A set of allowed actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permissions {
    /// May read.
    pub read: bool,
    /// May edit.
    pub edit: bool,
    /// May import.
    pub import: bool,
    /// May export.
    pub export: bool,
}

impl Permissions {
    /// Every action allowed.
    pub const ALL: Permissions = Permissions { read: true, edit: true, import: true, export: true };
    /// Nothing allowed.
    pub const NONE: Permissions = Permissions { read: false, edit: false, import: false, export: false };

    /// Returns whether the action is allowed.
    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::Read => self.read,
            Action::Edit => self.edit,
            Action::Import => self.import,
            Action::Export => self.export,
        }
    }

    /// Returns the actions allowed by both sets.
    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions {
            read: self.read && other.read,
            edit: self.edit && other.edit,
            import: self.import && other.import,
            export: self.export && other.export,
        }
    }

    /// Parses a comma-separated list such as `read,export` (or `all`, `none`).
    pub fn parse(text: &str) -> Option<Permissions> {
        let mut perms = Permissions::NONE;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "all" => perms = Permissions::ALL,
                "none" => {}
                "read" => perms.read = true,
                "edit" => perms.edit = true,
                "import" => perms.import = true,
                "export" => perms.export = true,
                _ => return None,
            }
        }
        Some(perms)
    }

    /// Renders the set as a comma-separated list, the inverse of [`Permissions::parse`].
    pub fn render(self) -> String {
        let mut parts = Vec::new();
        if self.read {
            parts.push("read");
        }
        if self.edit {
            parts.push("edit");
        }
        if self.import {
            parts.push("import");
        }
        if self.export {
            parts.push("export");
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(",")
        }
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// Login and notification address, unique per organization.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Visibility override; `None` uses the role's default.
    pub visibility: Option<Visibility>,
    /// Whether the user may sign in.
    pub active: bool,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

/// A team of users; managers and team visibility use it.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// Unique name within the organization.
    pub name: String,
}

/// An override of a role's or user's permissions on one object or one field of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRule {
    /// Whom the rule applies to.
    pub subject: PermissionSubject,
    /// Object api name, e.g. `contacts`.
    pub object: String,
    /// Field api name, or `None` for the whole object.
    pub field: Option<String>,
    /// What is allowed.
    pub permissions: Permissions,
}

/// Whom a permission rule applies to; a user rule beats a role rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionSubject {
    /// Everyone with this role.
    Role(Role),
    /// One user.
    User(UserId),
}

/// The acting user, resolved with everything needed to decide access without further lookups.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The organization acted in.
    pub org_id: OrgId,
    /// The user acting.
    pub user_id: UserId,
    /// The user's role.
    pub role: Role,
    /// The user's effective visibility.
    pub visibility: Visibility,
    /// Every user sharing a team with this user, the user included.
    pub team_member_ids: Vec<UserId>,
    /// Object-level overrides, keyed by object api name.
    pub object_rules: BTreeMap<String, Permissions>,
    /// Field-level overrides: object api name → field api name → permissions.
    pub field_rules: BTreeMap<String, BTreeMap<String, Permissions>>,
}

/// The records a read may return, decided from the principal's visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisibilityScope {
    /// Every record of the organization.
    All,
    /// Only records owned by one of these users.
    Owners(Vec<UserId>),
}

impl Principal {
    /// Builds a principal from a user, their team mates and the rules that apply to them.
    ///
    /// User rules override role rules for the same object or field.
    pub fn new(user: &User, team_member_ids: Vec<UserId>, rules: &[PermissionRule]) -> Principal {
        let mut object_rules = BTreeMap::new();
        let mut field_rules: BTreeMap<String, BTreeMap<String, Permissions>> = BTreeMap::new();
        // Role rules first, then user rules, so user rules win.
        for pass_user in [false, true] {
            for rule in rules {
                let applies = match rule.subject {
                    PermissionSubject::Role(role) => !pass_user && role == user.role,
                    PermissionSubject::User(id) => pass_user && id == user.id,
                };
                if !applies {
                    continue;
                }
                match &rule.field {
                    None => {
                        object_rules.insert(rule.object.clone(), rule.permissions);
                    }
                    Some(field) => {
                        field_rules.entry(rule.object.clone()).or_default().insert(field.clone(), rule.permissions);
                    }
                }
            }
        }
        let mut team_member_ids = team_member_ids;
        if !team_member_ids.contains(&user.id) {
            team_member_ids.push(user.id);
        }
        team_member_ids.sort();
        team_member_ids.dedup();
        Principal {
            org_id: user.org_id,
            user_id: user.id,
            role: user.role,
            visibility: user.visibility.unwrap_or(user.role.default_visibility()),
            team_member_ids,
            object_rules,
            field_rules,
        }
    }

    /// Returns the permissions on an object.
    pub fn object_permissions(&self, object: &str) -> Permissions {
        let role_default = self.role.default_permissions();
        let granted = self.object_rules.get(object).copied().unwrap_or(role_default);
        // A read-only role can never be granted writes by a rule.
        if self.role == Role::ReadOnly {
            granted.intersect(Role::ReadOnly.default_permissions())
        } else {
            granted
        }
    }

    /// Returns whether the action is allowed on the object.
    pub fn can(&self, object: &str, action: Action) -> bool {
        self.object_permissions(object).allows(action)
    }

    /// Returns whether the action is allowed on one field of the object.
    ///
    /// A field rule can only narrow the object's permissions, never widen them.
    pub fn can_field(&self, object: &str, field: &str, action: Action) -> bool {
        let object_perms = self.object_permissions(object);
        let field_perms = self.field_rules.get(object).and_then(|fields| fields.get(field)).copied().unwrap_or(Permissions::ALL);
        object_perms.intersect(field_perms).allows(action)
    }

    /// Returns the records this principal may see.
    pub fn visibility_scope(&self) -> VisibilityScope {
        match self.visibility {
            Visibility::All => VisibilityScope::All,
            Visibility::Team => VisibilityScope::Owners(self.team_member_ids.clone()),
            Visibility::Own => VisibilityScope::Owners(vec![self.user_id]),
        }
    }

    /// Returns whether a record owned by `owner` is visible.
    pub fn sees_owner(&self, owner: UserId) -> bool {
        match self.visibility_scope() {
            VisibilityScope::All => true,
            VisibilityScope::Owners(owners) => owners.contains(&owner),
        }
    }

    /// Returns whether the user administers the organization (schema, users, keys).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests;
