//! Tests of permission and visibility resolution.

use super::*;

fn user(id: i64, role: Role) -> User {
    User {
        id: UserId(id),
        org_id: OrgId(1),
        email: format!("u{id}@example.com"),
        name: format!("User {id}"),
        role,
        visibility: None,
        active: true,
        created_at: 0,
    }
}

#[test]
fn read_only_cannot_be_granted_writes() {
    let rules = vec![PermissionRule {
        subject: PermissionSubject::Role(Role::ReadOnly),
        object: "contacts".into(),
        field: None,
        permissions: Permissions::ALL,
    }];
    let principal = Principal::new(&user(1, Role::ReadOnly), vec![], &rules);
    assert!(principal.can("contacts", Action::Read));
    assert!(!principal.can("contacts", Action::Edit));
    assert!(!principal.can("contacts", Action::Export));
}

#[test]
fn user_rule_beats_role_rule_and_field_rule_narrows() {
    let rules = vec![
        PermissionRule {
            subject: PermissionSubject::Role(Role::Member),
            object: "deals".into(),
            field: None,
            permissions: Permissions::NONE,
        },
        PermissionRule {
            subject: PermissionSubject::User(UserId(7)),
            object: "deals".into(),
            field: None,
            permissions: Permissions::parse("read,export").unwrap(),
        },
        PermissionRule {
            subject: PermissionSubject::Role(Role::Member),
            object: "deals".into(),
            field: Some("amount".into()),
            permissions: Permissions::NONE,
        },
    ];
    let seven = Principal::new(&user(7, Role::Member), vec![], &rules);
    let eight = Principal::new(&user(8, Role::Member), vec![], &rules);
    assert!(seven.can("deals", Action::Export));
    assert!(!seven.can("deals", Action::Edit));
    assert!(!eight.can("deals", Action::Read));
    assert!(seven.can_field("deals", "name", Action::Read));
    assert!(!seven.can_field("deals", "amount", Action::Read));
}

#[test]
fn visibility_scopes_follow_role_and_override() {
    let mut manager = user(2, Role::Manager);
    let principal = Principal::new(&manager, vec![UserId(3), UserId(4)], &[]);
    assert_eq!(principal.visibility_scope(), VisibilityScope::Owners(vec![UserId(2), UserId(3), UserId(4)]));
    manager.visibility = Some(Visibility::Own);
    let principal = Principal::new(&manager, vec![UserId(3)], &[]);
    assert!(principal.sees_owner(UserId(2)));
    assert!(!principal.sees_owner(UserId(3)));
    let admin = Principal::new(&user(1, Role::Admin), vec![], &[]);
    assert_eq!(admin.visibility_scope(), VisibilityScope::All);
}

#[test]
fn permissions_round_trip_through_text() {
    for text in ["read", "read,edit", "read,edit,import,export", "none", "export"] {
        assert_eq!(Permissions::parse(text).unwrap().render(), text);
    }
    assert_eq!(Permissions::parse("all"), Some(Permissions::ALL));
    assert_eq!(Permissions::parse("delete"), None);
}
