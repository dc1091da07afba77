//! The shared backend suite: each `conformance!` block runs on SQLite and on PostgreSQL.

use super::support::{conformance, TestDb};
use crate::{NewUser, PlaceholderIds, StoreError, UpdateOutcome, WriteContext};
use salesos_model::access::{Action, PermissionRule, PermissionSubject, Permissions, Role, User, Visibility, VisibilityScope};
use salesos_model::files::{FileKind, NewFile};
use salesos_model::ids::{JobId, RecordId, UserId};
use salesos_model::keys::{MatchKey, MatchKeyKind};
use salesos_model::ops::{AuditEntry, AuditOutcome, JobState, JournalOp, NewJob, OperationKind};
use salesos_model::org::{OrgSettings, Organization};
use salesos_model::query::{parse_and_resolve, resolve_sort, RecordQuery};
use salesos_model::record::{ExternalId, Fields, NewRecord, RecordPatch};
use salesos_model::schema::{FieldDef, FieldType, PicklistOption, ReferenceTarget, Schema};
use salesos_model::value::{Labeled, Value};

const T0: i64 = 1_780_000_000_000;

struct Fixture {
    org: Organization,
    admin: User,
    member: User,
}

fn fixture(db: &TestDb) -> Fixture {
    let org = db.store.create_org("acme", &OrgSettings::default(), T0).unwrap();
    let user = |email: &str, role: Role| NewUser {
        org_id: org.id,
        email: email.into(),
        name: email.split('@').next().unwrap().into(),
        role,
        visibility: None,
        password_hash: None,
    };
    let admin = db.store.create_user(&user("Admin@Acme.io", Role::Admin), T0).unwrap();
    let member = db.store.create_user(&user("member@acme.io", Role::Member), T0).unwrap();
    Fixture { org, admin, member }
}

fn ctx(fx: &Fixture, operation: Option<salesos_model::ids::OperationId>) -> WriteContext {
    WriteContext { org_id: fx.org.id, actor: fx.admin.id, operation, now: T0 + 1000, default_country: "US".into() }
}

fn text(value: &str) -> Value {
    Value::Text(value.into())
}

fn labeled(pairs: &[(&str, &str)]) -> Value {
    Value::Labeled(pairs.iter().map(|(l, v)| Labeled { label: l.to_string(), value: v.to_string() }).collect())
}

fn contact(owner: UserId, first: &str, last: &str, email: Option<&str>, phone: Option<&str>) -> NewRecord {
    let mut fields = Fields::new();
    fields.insert("first_name".into(), text(first));
    fields.insert("last_name".into(), text(last));
    if let Some(email) = email {
        fields.insert("emails".into(), labeled(&[("work", email)]));
    }
    if let Some(phone) = phone {
        fields.insert("phones".into(), labeled(&[("mobile", phone)]));
    }
    NewRecord { owner_id: owner, fields, external_ids: Vec::new() }
}

conformance!(migrations_are_idempotent_and_newer_databases_refused, |db| {
    let reopened = crate::Store::open(&db.location).unwrap();
    assert!(reopened.list_orgs().unwrap().is_empty());
    db.store.write(|tx| tx.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)", &[])).unwrap();
    match crate::Store::open(&db.location) {
        Err(err @ StoreError::TooNew { found: 999, .. }) => {
            assert_eq!(err.code(), salesos_model::error::ErrorCode::DatabaseUnavailable);
            assert!(err.to_string().contains("newer"), "{err}");
        }
        Err(other) => panic!("expected TooNew, got {other}"),
        Ok(_) => panic!("expected TooNew, got a store"),
    }
});

conformance!(organizations_come_with_standard_objects_and_a_pipeline, |db| {
    let fx = fixture(db);
    assert!(matches!(db.store.create_org("acme", &OrgSettings::default(), T0), Err(StoreError::AlreadyExists { .. })));
    assert_eq!(db.store.find_org("acme").unwrap().id, fx.org.id);
    assert_eq!(db.store.find_org(&fx.org.id.to_string()).unwrap().name, "acme");
    assert!(matches!(db.store.find_org("nope"), Err(StoreError::NotFound { .. })));
    let schema = db.store.schema(fx.org.id).unwrap();
    let names: Vec<&str> = schema.objects.iter().map(|o| o.api_name.as_str()).collect();
    assert_eq!(names, ["contacts", "accounts", "leads", "deals", "activities", "products", "notes", "documents"]);
    assert_eq!(schema.pipelines.len(), 1);
    assert!(schema.pipelines[0].is_default);
    let stage = schema.object("deals").unwrap().field("stage").unwrap();
    assert!(stage.options.iter().any(|o| o.value == "closed_won"));
    let mut settings = fx.org.settings.clone();
    settings.default_phone_country = "DE".into();
    db.store.update_org_settings(fx.org.id, &settings).unwrap();
    assert_eq!(db.store.find_org("acme").unwrap().settings.default_phone_country, "DE");
});

conformance!(users_teams_rules_and_api_keys, |db| {
    let fx = fixture(db);
    assert_eq!(fx.admin.email, "admin@acme.io");
    let dup = NewUser {
        org_id: fx.org.id,
        email: "ADMIN@acme.io".into(),
        name: "x".into(),
        role: Role::Member,
        visibility: None,
        password_hash: None,
    };
    assert!(matches!(db.store.create_user(&dup, T0), Err(StoreError::AlreadyExists { .. })));
    assert_eq!(db.store.find_user(fx.org.id, "Admin@acme.io").unwrap().id, fx.admin.id);
    assert_eq!(db.store.list_users(fx.org.id).unwrap().len(), 2);

    let manager = db
        .store
        .create_user(
            &NewUser {
                org_id: fx.org.id,
                email: "boss@acme.io".into(),
                name: "Boss".into(),
                role: Role::Manager,
                visibility: None,
                password_hash: None,
            },
            T0,
        )
        .unwrap();
    let team = db.store.create_team(fx.org.id, "East").unwrap();
    db.store.add_team_member(fx.org.id, team.id, manager.id).unwrap();
    db.store.add_team_member(fx.org.id, team.id, fx.member.id).unwrap();
    db.store.add_team_member(fx.org.id, team.id, fx.member.id).unwrap();
    let principal = db.store.principal(&manager).unwrap();
    assert_eq!(principal.visibility_scope(), VisibilityScope::Owners(vec![fx.member.id, manager.id]));

    db.store
        .set_permission_rule(
            fx.org.id,
            &PermissionRule {
                subject: PermissionSubject::Role(Role::Member),
                object: "deals".into(),
                field: Some("amount".into()),
                permissions: Permissions::NONE,
            },
        )
        .unwrap();
    db.store
        .set_permission_rule(
            fx.org.id,
            &PermissionRule {
                subject: PermissionSubject::User(fx.member.id),
                object: "deals".into(),
                field: None,
                permissions: Permissions::parse("read").unwrap(),
            },
        )
        .unwrap();
    let member = db.store.principal(&fx.member).unwrap();
    assert!(member.can("deals", Action::Read));
    assert!(!member.can("deals", Action::Edit));
    assert!(!member.can_field("deals", "amount", Action::Read));
    assert_eq!(db.store.permission_rules(fx.org.id).unwrap().len(), 2);

    let key = db.store.create_api_key(&fx.admin, "ci", "sk_abc", "hash-1", T0).unwrap();
    let (found, user) = db.store.authenticate_api_key("hash-1", T0 + 5).unwrap().unwrap();
    assert_eq!((found.id, user.id), (key.id, fx.admin.id));
    assert!(db.store.authenticate_api_key("hash-2", T0).unwrap().is_none());
    db.store.revoke_api_key(fx.org.id, key.id, T0 + 6).unwrap();
    assert!(db.store.authenticate_api_key("hash-1", T0 + 7).unwrap().is_none());
    assert_eq!(db.store.list_api_keys(fx.org.id).unwrap()[0].last_used_at, Some(T0 + 5));
});

conformance!(custom_objects_and_fields_are_checked_and_atomic, |db| {
    let fx = fixture(db);
    let project = db.store.create_object(fx.org.id, "projects", "Project", "Projects", T0).unwrap();
    assert!(matches!(db.store.create_object(fx.org.id, "projects", "", "", T0), Err(StoreError::Schema(_))));
    let mut budget = FieldDef::new("budget", "Budget", FieldType::Currency);
    budget.required = false;
    db.store.add_field(fx.org.id, "projects", &budget, T0).unwrap();
    let mut tier = FieldDef::new("tier", "Tier", FieldType::Picklist);
    assert!(matches!(db.store.add_field(fx.org.id, "contacts", &tier, T0), Err(StoreError::Schema(_))));
    tier.options = vec![PicklistOption { value: "gold".into(), label: "Gold".into() }];
    let stored = db.store.add_field(fx.org.id, "contacts", &tier, T0).unwrap();
    assert_eq!(stored.api_name, "custom.tier");
    assert!(matches!(db.store.add_field(fx.org.id, "contacts", &tier, T0), Err(StoreError::Schema(_))));
    let mut link = FieldDef::new("project", "Project", FieldType::Reference);
    link.reference = Some(ReferenceTarget::Object("projects".into()));
    db.store.add_field(fx.org.id, "contacts", &link, T0).unwrap();

    // A required field without default is refused once records exist, and nothing is written.
    let schema = db.store.schema(fx.org.id).unwrap();
    let projects = schema.object("projects").unwrap();
    assert_eq!(projects.id, project.id);
    let mut fields = Fields::new();
    fields.insert("name".into(), text("Apollo"));
    db.store
        .insert_records(&ctx(&fx, None), projects, &[NewRecord { owner_id: fx.admin.id, fields, external_ids: vec![] }], None)
        .unwrap();
    let mut code = FieldDef::new("code", "Code", FieldType::Text);
    code.required = true;
    assert!(matches!(db.store.add_field(fx.org.id, "projects", &code, T0), Err(StoreError::Schema(_))));
    assert!(db.store.schema(fx.org.id).unwrap().object("projects").unwrap().field("code").is_none());
    code.default = Some("P-0".into());
    db.store.add_field(fx.org.id, "projects", &code, T0).unwrap();
    assert!(matches!(db.store.add_field(fx.org.id, "nothing", &code, T0), Err(StoreError::NotFound { .. })));
});

conformance!(records_round_trip_with_journal_versions_and_field_times, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let op = db.store.begin_operation(fx.org.id, OperationKind::Import, fx.admin.id, T0).unwrap();
    let mut jane = contact(fx.admin.id, "Jane", "Zoë-Müller", Some("Jane@Acme.io"), Some("(415) 555-0100"));
    jane.external_ids.push(ExternalId::new("Salesforce", "003A"));
    let ids = db
        .store
        .insert_records(
            &ctx(&fx, Some(op.id)),
            contacts,
            &[jane.clone(), contact(fx.member.id, "Li", "Wei", None, None)],
            Some(&[2, 3]),
        )
        .unwrap();
    assert_eq!(ids.len(), 2);
    let got = db.store.get_records(contacts, &[ids[1], RecordId(999_999), ids[0]], &VisibilityScope::All).unwrap();
    assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[1], ids[0]]);
    let stored = &got[1];
    assert_eq!(stored.fields, jane.fields);
    assert_eq!(stored.external_ids, vec![ExternalId::new("salesforce", "003A")]);
    assert_eq!((stored.version, stored.created_at, stored.field_time("last_name")), (1, T0 + 1000, T0 + 1000));

    let mut later = ctx(&fx, Some(op.id));
    later.now = T0 + 5000;
    let mut patch = RecordPatch::default();
    patch.set.insert("title".into(), text("CTO"));
    patch.set.insert("last_name".into(), text("Zoë-Müller"));
    let unchanged = RecordPatch { set: [("last_name".to_string(), text("Wei"))].into(), ..Default::default() };
    let stale = RecordPatch { set: [("title".to_string(), text("CEO"))].into(), expected_version: Some(1), ..Default::default() };
    let outcomes = db
        .store
        .update_records(&later, contacts, &[(ids[0], patch), (ids[1], unchanged), (RecordId(999_999), RecordPatch::default())])
        .unwrap();
    assert_eq!(outcomes, [UpdateOutcome::Updated { version: 2 }, UpdateOutcome::Unchanged, UpdateOutcome::NotFound]);
    assert_eq!(db.store.update_records(&later, contacts, &[(ids[0], stale)]).unwrap(), [UpdateOutcome::Conflict { actual: 2 }]);
    let after = &db.store.get_records(contacts, &[ids[0]], &VisibilityScope::All).unwrap()[0];
    assert_eq!(after.field_time("title"), T0 + 5000);
    assert_eq!(after.field_time("last_name"), T0 + 1000);
    assert_eq!(after.fields.get("title"), Some(&text("CTO")));

    assert_eq!(db.store.delete_records(&later, contacts, &[ids[1], RecordId(999_999)]).unwrap(), 1);
    let journal = db.store.journal(op.id).unwrap();
    let ops: Vec<(RecordId, JournalOp, i64, Option<i64>)> =
        journal.iter().map(|e| (e.record_id, e.op.clone(), e.version_after, e.source_row)).collect();
    assert_eq!(
        ops,
        [
            (ids[0], JournalOp::Created, 1, Some(2)),
            (ids[1], JournalOp::Created, 1, Some(3)),
            (ids[0], JournalOp::Updated, 2, None),
            (ids[1], JournalOp::Deleted, 1, None),
        ]
    );
    let before = journal[2].before.as_ref().unwrap();
    assert_eq!(before.version, 1);
    assert!(!before.data_json.contains("CTO"), "{}", before.data_json);
    assert!(before.data_json.contains("Jane"), "{}", before.data_json);
    assert!(db.store.get_records(contacts, &[ids[1]], &VisibilityScope::All).unwrap().is_empty());
    // Visibility hides records owned by others.
    assert!(db.store.get_records(contacts, &[ids[0]], &VisibilityScope::Owners(vec![fx.member.id])).unwrap().is_empty());
});

conformance!(match_keys_are_looked_up_in_batches_and_follow_changes, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let accounts = schema.object("accounts").unwrap();
    let mut batch = Vec::new();
    for i in 0..300 {
        batch.push(contact(
            fx.admin.id,
            "P",
            &format!("N{i}"),
            Some(&format!("p{i}@corp{}.com", i % 7)),
            Some(&format!("+1 415 555 {:04}", i)),
        ));
    }
    let mut with_ext = contact(fx.admin.id, "E", "X", None, None);
    with_ext.external_ids.push(ExternalId::new("hubspot", "501"));
    batch.push(with_ext);
    let ids = db.store.insert_records(&ctx(&fx, None), contacts, &batch, None).unwrap();
    let mut acme = Fields::new();
    acme.insert("name".into(), text("Acme, Inc."));
    acme.insert("website".into(), text("https://www.corp3.com"));
    let account = db
        .store
        .insert_records(
            &ctx(&fx, None),
            accounts,
            &[NewRecord { owner_id: fx.admin.id, fields: acme, external_ids: vec![] }],
            None,
        )
        .unwrap()[0];

    let keys = vec![
        MatchKey { kind: MatchKeyKind::Email, normalized: "p5@corp5.com".into() },
        MatchKey { kind: MatchKeyKind::Phone, normalized: "+14155550007".into() },
        MatchKey { kind: MatchKeyKind::Email, normalized: "nobody@corp.com".into() },
        MatchKey {
            kind: MatchKeyKind::ExternalId,
            normalized: salesos_model::keys::external_id_key(&ExternalId::new("HubSpot", "501")),
        },
        MatchKey { kind: MatchKeyKind::Email, normalized: "p5@corp5.com".into() },
    ];
    let found = db.store.lookup_match_keys(contacts.id, &keys).unwrap();
    assert_eq!(found, vec![vec![ids[5]], vec![ids[7]], vec![], vec![ids[300]], vec![ids[5]]]);
    let domain = db
        .store
        .lookup_match_keys(contacts.id, &[MatchKey { kind: MatchKeyKind::Domain, normalized: "corp3.com".into() }])
        .unwrap();
    assert_eq!(domain[0].len(), 300 / 7 + 1);
    let company = db
        .store
        .lookup_match_keys(
            accounts.id,
            &[
                MatchKey { kind: MatchKeyKind::CompanyName, normalized: "acme".into() },
                MatchKey { kind: MatchKeyKind::Domain, normalized: "corp3.com".into() },
            ],
        )
        .unwrap();
    assert_eq!(company, vec![vec![account], vec![account]]);
    // A key kind no record of the object has: nothing found (SQLite skips the probes).
    let none = db
        .store
        .lookup_match_keys(contacts.id, &[MatchKey { kind: MatchKeyKind::CompanyName, normalized: "acme".into() }])
        .unwrap();
    assert_eq!(none, vec![Vec::<RecordId>::new()]);

    // Changing an email moves its key; deleting a record removes its keys.
    let patch = RecordPatch { set: [("emails".to_string(), labeled(&[("work", "new@corp5.com")]))].into(), ..Default::default() };
    db.store.update_records(&ctx(&fx, None), contacts, &[(ids[5], patch)]).unwrap();
    db.store.delete_records(&ctx(&fx, None), contacts, &[ids[7]]).unwrap();
    let after = db
        .store
        .lookup_match_keys(
            contacts.id,
            &[
                MatchKey { kind: MatchKeyKind::Email, normalized: "p5@corp5.com".into() },
                MatchKey { kind: MatchKeyKind::Email, normalized: "new@corp5.com".into() },
                MatchKey { kind: MatchKeyKind::Phone, normalized: "+14155550007".into() },
                MatchKey { kind: MatchKeyKind::Phone, normalized: "+14155550005".into() },
            ],
        )
        .unwrap();
    assert_eq!(after, vec![vec![], vec![ids[5]], vec![], vec![ids[5]]]);
});

conformance!(match_keys_stay_exact_across_merges_of_the_recent_keys, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let people = |from: usize, to: usize| -> Vec<NewRecord> {
        (from..to).map(|i| contact(fx.admin.id, "M", &format!("N{i}"), Some(&format!("m{i}@merge.io")), None)).collect()
    };
    let old = db.store.insert_records(&ctx(&fx, None), contacts, &people(0, 50), None).unwrap();
    // The first 50 move to the main key table (SQLite; PostgreSQL has one level), the next 50 stay recent.
    let moved = db.store.merge_recent_keys().unwrap();
    assert_eq!(moved > 0, db.store.backend_name() == "sqlite", "{moved}");
    if db.store.backend_name() == "sqlite" {
        // The merged-key count that spaces out merges follows each merge.
        assert_eq!(db.store.meta("match_keys_merged").unwrap(), Some(moved.to_string()));
        assert_eq!(
            db.store.meta(&format!("match_keys_merged.{}", contacts.id.0)).unwrap(),
            Some(moved.to_string()),
            "per object"
        );
    }
    let new = db.store.insert_records(&ctx(&fx, None), contacts, &people(50, 100), None).unwrap();
    let email = |i: usize| MatchKey { kind: MatchKeyKind::Email, normalized: format!("m{i}@merge.io") };
    let by_filter = |address: &str| -> Vec<RecordId> {
        let cond = parse_and_resolve(&schema, contacts, &format!("email = '{address}'")).unwrap();
        let query = RecordQuery { cond, ..RecordQuery::new(contacts.id, VisibilityScope::All, 10) };
        db.store.query_records(&schema, &query).unwrap().records.iter().map(|r| r.id).collect()
    };
    let check = |label: &str| {
        let found = db.store.lookup_match_keys(contacts.id, &[email(3), email(60), email(4), email(70)]).unwrap();
        assert_eq!(found, vec![vec![], vec![], vec![old[4]], vec![new[20]]], "{label}");
        let moved = db.store.lookup_match_keys(contacts.id, &[email(1003), email(1060)]).unwrap();
        assert_eq!(moved, vec![vec![old[3]], vec![new[10]]], "{label}");
        assert_eq!(by_filter("m4@merge.io"), vec![old[4]], "{label}");
        assert_eq!(by_filter("m70@merge.io"), vec![new[20]], "{label}");
        assert_eq!(by_filter("m1003@merge.io"), vec![old[3]], "{label}");
        assert!(by_filter("m3@merge.io").is_empty(), "{label}");
    };
    // A key in the main table and one in the recent table each move, and each table loses one.
    let set_email =
        |address: &str| RecordPatch { set: [("emails".to_string(), labeled(&[("work", address)]))].into(), ..Default::default() };
    db.store
        .update_records(
            &ctx(&fx, None),
            contacts,
            &[(old[3], set_email("m1003@merge.io")), (new[10], set_email("m1060@merge.io"))],
        )
        .unwrap();
    db.store.delete_records(&ctx(&fx, None), contacts, &[new[0]]).unwrap();
    assert_eq!(db.store.lookup_match_keys(contacts.id, &[email(50)]).unwrap(), vec![Vec::<RecordId>::new()]);
    check("before the second merge");
    db.store.merge_recent_keys().unwrap();
    check("after the second merge");
    assert_eq!(db.store.merge_recent_keys().unwrap(), 0, "nothing is left to merge");
});

fn seed_for_queries(db: &TestDb, fx: &Fixture) -> (Schema, Vec<RecordId>, RecordId) {
    let mut score = FieldDef::new("score", "Score", FieldType::Number);
    score.custom = true;
    db.store.add_field(fx.org.id, "contacts", &score, T0).unwrap();
    let mut tags = FieldDef::new("tags", "Tags", FieldType::MultiPicklist);
    tags.options =
        ["vip", "churn", "new"].iter().map(|v| PicklistOption { value: v.to_string(), label: v.to_string() }).collect();
    db.store.add_field(fx.org.id, "contacts", &tags, T0).unwrap();
    let schema = db.store.schema(fx.org.id).unwrap();
    let accounts = schema.object("accounts").unwrap();
    let mut acme = Fields::new();
    acme.insert("name".into(), text("Acme Corp"));
    acme.insert("annual_revenue".into(), Value::Money { amount: 5e6, currency: "USD".into() });
    let account = db
        .store
        .insert_records(
            &ctx(fx, None),
            accounts,
            &[NewRecord { owner_id: fx.admin.id, fields: acme, external_ids: vec![] }],
            None,
        )
        .unwrap()[0];
    let contacts = schema.object("contacts").unwrap();
    let people = [
        ("Ann", "Able", Some("ann@acme.io"), Some(10.0), true, &["vip"][..]),
        ("Bob", "Baker", Some("bob@other.org"), Some(20.0), false, &["vip", "new"][..]),
        ("Cy", "Baker", None, Some(20.0), true, &[][..]),
        ("Dee", "Dunn_%", Some("dee@acme.io"), None, false, &["churn"][..]),
        ("Éva", "Évora", Some("eva@acme.io"), Some(5.5), true, &[][..]),
    ];
    let mut batch = Vec::new();
    for (i, (first, last, email, score, linked, tags)) in people.iter().enumerate() {
        let owner = if i % 2 == 0 { fx.admin.id } else { fx.member.id };
        let mut record = contact(owner, first, last, *email, None);
        if let Some(score) = score {
            record.fields.insert("custom.score".into(), Value::Number(*score));
        }
        if *linked {
            record.fields.insert("account".into(), Value::Ref(account));
        }
        if !tags.is_empty() {
            record.fields.insert("custom.tags".into(), Value::List(tags.iter().map(|t| t.to_string()).collect()));
        }
        if i == 1 {
            record.fields.insert("emails".into(), labeled(&[("work", "bob@other.org"), ("home", "bob@home.net")]));
            record.external_ids.push(ExternalId::new("salesforce", "003B"));
        }
        if i == 0 {
            record.fields.insert("birthdate".into(), Value::Date(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()));
            record.fields.insert("do_not_contact".into(), Value::Bool(true));
        }
        batch.push(record);
    }
    let ids = db.store.insert_records(&ctx(fx, None), contacts, &batch, None).unwrap();
    (schema, ids, account)
}

conformance!(filters_select_the_same_records_on_every_backend, |db| {
    let fx = fixture(db);
    let (schema, ids, account) = seed_for_queries(db, &fx);
    let contacts = schema.object("contacts").unwrap();
    let run = |filter: &str| -> Vec<usize> {
        let cond = parse_and_resolve(&schema, contacts, filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        let query = RecordQuery { cond, ..RecordQuery::new(contacts.id, VisibilityScope::All, 100) };
        let page = db.store.query_records(&schema, &query).unwrap();
        let count = db.store.count_records(&schema, &query).unwrap();
        assert_eq!(count as usize, page.records.len(), "{filter}");
        page.records.iter().map(|r| ids.iter().position(|id| *id == r.id).unwrap()).collect()
    };
    assert_eq!(run(""), [0, 1, 2, 3, 4]);
    assert_eq!(run("last_name = 'Baker'"), [1, 2]);
    assert_eq!(run("last_name != 'Baker'"), [0, 3, 4]);
    assert_eq!(run("email = 'bob@other.org'"), [1]);
    assert_eq!(run("emails[home] = 'bob@home.net'"), [1]);
    assert_eq!(run("emails contains 'HOME'"), [1]);
    assert_eq!(run("email contains 'ACME'"), [0, 3, 4]);
    assert_eq!(run("email is empty"), [2]);
    assert_eq!(run("email starts_with 'd'"), [3]);
    assert_eq!(run("last_name contains '_%'"), [3]);
    assert_eq!(run("custom.score > 5.5"), [0, 1, 2]);
    assert_eq!(run("custom.score >= 5.5 and custom.score <= 10"), [0, 4]);
    assert_eq!(run("custom.score in (20, 5.5)"), [1, 2, 4]);
    assert_eq!(run("custom.score not in (20)"), [0, 3, 4]);
    assert_eq!(run("custom.score is empty"), [3]);
    assert_eq!(run("not (custom.score = 20)"), [0, 3, 4]);
    assert_eq!(run("custom.tags = 'vip'"), [0, 1]);
    assert_eq!(run("custom.tags is empty"), [2, 4]);
    assert_eq!(run("account.name starts_with 'acme'"), [0, 2, 4]);
    assert_eq!(run("account.annual_revenue > 1000000"), [0, 2, 4]);
    assert_eq!(run(&format!("account = {}", account.0)), [0, 2, 4]);
    assert_eq!(run("account is empty"), [1, 3]);
    assert_eq!(run("external_ids[salesforce] = '003B'"), [1]);
    assert_eq!(run("external_ids[salesforce] is empty"), [0, 2, 3, 4]);
    assert_eq!(run("birthdate < '2000-01-01'"), [0]);
    assert_eq!(run("do_not_contact = true"), [0]);
    assert_eq!(run("do_not_contact != true"), [1, 2, 3, 4]);
    assert_eq!(run(&format!("owner = {}", fx.member.id)), [1, 3]);
    assert_eq!(run(&format!("id >= {} and version = 1", ids[3].0)), [3, 4]);
    assert_eq!(run("created_at >= '2026-01-01T00:00:00Z'"), [0, 1, 2, 3, 4]);
    assert_eq!(run("first_name = 'Éva' or (last_name = 'Able' and not email is empty)"), [0, 4]);

    // Visibility applies to the records and to related records used in filters.
    let query = RecordQuery::new(contacts.id, VisibilityScope::Owners(vec![fx.member.id]), 100);
    assert_eq!(db.store.query_records(&schema, &query).unwrap().records.len(), 2);
    let counts = db.store.count_by_object(fx.org.id, &VisibilityScope::All).unwrap();
    assert_eq!(counts.get(&contacts.id), Some(&5));
});

conformance!(pages_follow_a_stable_order_with_ties_and_empty_values, |db| {
    let fx = fixture(db);
    let (schema, ids, _) = seed_for_queries(db, &fx);
    let contacts = schema.object("contacts").unwrap();
    for (sort, expect) in [
        ("custom.score", vec![3, 4, 0, 1, 2]),
        ("-custom.score", vec![2, 1, 0, 4, 3]),
        ("last_name", vec![0, 1, 2, 3, 4]),
        ("email desc", vec![4, 3, 1, 0, 2]),
        ("-created_at", vec![4, 3, 2, 1, 0]),
        ("version", vec![0, 1, 2, 3, 4]),
    ] {
        let sort_spec = resolve_sort(&schema, contacts, sort).unwrap();
        for page_size in [1, 2, 3, 5] {
            let mut query =
                RecordQuery { sort: sort_spec.clone(), ..RecordQuery::new(contacts.id, VisibilityScope::All, page_size) };
            let mut seen = Vec::new();
            loop {
                let page = db.store.query_records(&schema, &query).unwrap();
                seen.extend(page.records.iter().map(|r| ids.iter().position(|id| *id == r.id).unwrap()));
                match page.next {
                    Some(cursor) => query.after = Some(cursor),
                    None => break,
                }
                assert!(seen.len() <= 5, "{sort} loops");
            }
            assert_eq!(seen, expect, "{sort} by {page_size}");
        }
    }
});

conformance!(jobs_are_claimed_once_leased_and_limited_per_org, |db| {
    let fx = fixture(db);
    let job = |key: Option<&str>| NewJob {
        org_id: fx.org.id,
        kind: "import".into(),
        payload: "{}".into(),
        unique_key: key.map(str::to_string),
        run_after: T0,
        max_attempts: 3,
    };
    let (first, created) = db.store.enqueue_job(&job(Some("schedule:1:2026-11-25")), T0).unwrap();
    assert!(created);
    let (again, created) = db.store.enqueue_job(&job(Some("schedule:1:2026-11-25")), T0).unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);
    let (second, _) = db.store.enqueue_job(&job(None), T0).unwrap();
    let (third, _) = db.store.enqueue_job(&job(None), T0).unwrap();

    assert!(db.store.claim_job(&["import"], "w1", 1000, None, T0 - 1).unwrap().is_none(), "not due yet");
    let a = db.store.claim_job(&["import"], "w1", 1000, Some(2), T0).unwrap().unwrap();
    let b = db.store.claim_job(&["import"], "w2", 1000, Some(2), T0).unwrap().unwrap();
    assert_eq!((a.id, b.id), (first.id, second.id));
    assert!(db.store.claim_job(&["import"], "w3", 1000, Some(2), T0).unwrap().is_none(), "org limit of 2 running");
    assert!(db.store.claim_job(&["export"], "w3", 1000, None, T0).unwrap().is_none());

    assert!(db.store.heartbeat_job(a.id, "w1", 1000, r#"{"rows":10}"#, T0 + 500).unwrap());
    assert!(!db.store.heartbeat_job(a.id, "w2", 1000, "{}", T0 + 500).unwrap(), "not the owner");
    assert!(db.store.finish_job(a.id, "w1", JobState::Succeeded, r#"{"rows":20}"#, None, T0 + 600).unwrap());
    let c = db.store.claim_job(&["import"], "w3", 1000, Some(2), T0 + 700).unwrap().unwrap();
    assert_eq!(c.id, third.id);
    // w2 crashed: its lease ends and the job is claimed again, counting the attempt.
    let reclaimed = db.store.claim_job(&["import"], "w4", 1000, Some(2), T0 + 1500).unwrap().unwrap();
    assert_eq!((reclaimed.id, reclaimed.attempts), (second.id, 2));
    assert!(!db.store.finish_job(second.id, "w2", JobState::Succeeded, "{}", None, T0 + 1600).unwrap(), "lost lease");
    let stored = db.store.job(fx.org.id, a.id).unwrap();
    assert_eq!((stored.state, stored.progress.as_str()), (JobState::Succeeded, r#"{"rows":20}"#));
    assert!(matches!(db.store.job(fx.org.id, JobId(9999)), Err(StoreError::NotFound { .. })));
    assert_eq!(db.store.list_jobs(fx.org.id, "import", 10).unwrap().len(), 3);
    let (queued, _) = db.store.enqueue_job(&job(None), T0).unwrap();
    assert!(db.store.cancel_queued_job(fx.org.id, queued.id, T0).unwrap());
    assert!(!db.store.cancel_queued_job(fx.org.id, queued.id, T0).unwrap());
});

conformance!(audit_log_and_meta, |db| {
    let fx = fixture(db);
    for (i, outcome) in [AuditOutcome::Success, AuditOutcome::Denied].into_iter().enumerate() {
        db.store
            .append_audit(&AuditEntry {
                at: T0 + i as i64,
                org_id: fx.org.id,
                actor: Some(fx.admin.id),
                action: "records.create".into(),
                object: Some("contacts".into()),
                count: 3,
                outcome,
                detail: "{}".into(),
            })
            .unwrap();
    }
    let entries = db.store.list_audit(fx.org.id, 10).unwrap();
    assert_eq!(entries.iter().map(|e| e.outcome).collect::<Vec<_>>(), [AuditOutcome::Denied, AuditOutcome::Success]);
    assert!(db.store.set_meta_once("demo", "1").unwrap());
    assert!(!db.store.set_meta_once("demo", "2").unwrap());
    assert_eq!(db.store.meta("demo").unwrap().as_deref(), Some("1"));
});

conformance!(files_are_hashed_limited_and_swept, |db| {
    let fx = fixture(db);
    let dir = tempfile::tempdir().unwrap();
    let files = crate::files::FileStore::new(dir.path()).unwrap();
    let new = NewFile {
        org_id: fx.org.id,
        owner_id: Some(fx.admin.id),
        kind: FileKind::Upload,
        name: "../../etc/passwd".into(),
        content_type: "text/csv".into(),
        expires_at: Some(T0 + 10),
    };
    let meta = files.put(&db.store, &new, &mut "a,b\n1,2\n".as_bytes(), 1024, 1, T0).unwrap();
    assert_eq!(meta.size, 8);
    assert_eq!(meta.sha256, "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470");
    assert!(!meta.location.contains(".."));
    let mut content = String::new();
    std::io::Read::read_to_string(&mut files.open(&meta).unwrap(), &mut content).unwrap();
    assert_eq!(content, "a,b\n1,2\n");
    assert_eq!(files.meta(&db.store, fx.org.id, meta.id).unwrap(), meta);
    let big = vec![b'x'; 5000];
    assert!(matches!(
        files.put(&db.store, &new, &mut big.as_slice(), 1024, 2, T0),
        Err(crate::files::PutError::TooLarge { limit: 1024 })
    ));
    assert_eq!(
        std::fs::read_dir(dir.path().join(format!("{}/upload", fx.org.id))).unwrap().count(),
        1,
        "nothing kept of the refused file"
    );
    assert_eq!(files.sweep_expired(&db.store, T0 + 5).unwrap(), 0);
    assert_eq!(files.sweep_expired(&db.store, T0 + 10).unwrap(), 1);
    assert!(files.meta(&db.store, fx.org.id, meta.id).is_err());
    let _ = Visibility::All;
});

conformance!(sessions_expire_and_end, |db| {
    let fx = fixture(db);
    db.store.create_session(&fx.member, "hash-a", "csrf-a", T0, T0 + 100).unwrap();
    let session = db.store.find_session("hash-a", T0 + 50).unwrap().unwrap();
    assert_eq!((session.user.id, session.csrf_token.as_str()), (fx.member.id, "csrf-a"));
    assert!(db.store.find_session("hash-a", T0 + 100).unwrap().is_none(), "expired");
    assert!(db.store.find_session("hash-b", T0).unwrap().is_none());
    db.store.create_session(&fx.admin, "hash-c", "csrf-c", T0, T0 + 100).unwrap();
    db.store.delete_session("hash-c").unwrap();
    assert!(db.store.find_session("hash-c", T0).unwrap().is_none());
    db.store.set_password_hash(fx.admin.id, "$argon2id$x").unwrap();
    assert_eq!(db.store.password_hash(fx.admin.id).unwrap().as_deref(), Some("$argon2id$x"));
});

conformance!(field_indexes_and_key_narrowed_equality, |db| {
    let fx = fixture(db);
    let (schema, ids, _) = seed_for_queries(db, &fx);
    let contacts = schema.object("contacts").unwrap();
    let name = db.store.create_field_index(fx.org.id, "contacts", "last_name").unwrap();
    assert_eq!(db.store.create_field_index(fx.org.id, "contacts", "last_name").unwrap(), name, "idempotent");
    db.store.create_field_index(fx.org.id, "contacts", "custom.score").unwrap();
    db.store.create_field_index(fx.org.id, "contacts", "email").unwrap();
    db.store.create_field_index(fx.org.id, "accounts", "annual_revenue").unwrap();
    assert!(matches!(db.store.create_field_index(fx.org.id, "contacts", "emails"), Err(StoreError::Invalid(_))));
    assert!(matches!(db.store.create_field_index(fx.org.id, "contacts", "nope"), Err(StoreError::Invalid(_))));
    let run = |filter: &str| -> Vec<usize> {
        let cond = parse_and_resolve(&schema, contacts, filter).unwrap();
        let query = RecordQuery { cond, ..RecordQuery::new(contacts.id, VisibilityScope::All, 100) };
        db.store
            .query_records(&schema, &query)
            .unwrap()
            .records
            .iter()
            .map(|r| ids.iter().position(|id| *id == r.id).unwrap())
            .collect()
    };
    // The same answers with the indexes in place, and equality narrowed through match keys.
    assert_eq!(run("last_name = 'Baker'"), [1, 2]);
    assert_eq!(run("custom.score > 5.5"), [0, 1, 2]);
    assert_eq!(run("email = 'bob@other.org'"), [1]);
    assert_eq!(run("email = 'BOB@other.org'"), Vec::<usize>::new(), "equality stays exact");
    assert_eq!(run("emails = 'bob@home.net'"), [1]);
    assert_eq!(run("email = 'bob@home.net'"), Vec::<usize>::new(), "a secondary email is not the primary");
    assert_eq!(run("external_ids[salesforce] = '003B'"), [1]);
    assert_eq!(run("not (email = 'bob@other.org')"), [0, 2, 3, 4]);
});

conformance!(optimize_after_bulk_load_runs, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let batch: Vec<NewRecord> =
        (0..50).map(|i| contact(fx.admin.id, "A", &format!("B{i}"), Some(&format!("a{i}@b.io")), None)).collect();
    db.store.insert_records(&ctx(&fx, None), contacts, &batch, None).unwrap();
    db.store.optimize_after_bulk_load().unwrap();
    let found =
        db.store.lookup_match_keys(contacts.id, &[MatchKey { kind: MatchKeyKind::Email, normalized: "a7@b.io".into() }]).unwrap();
    assert_eq!(found[0].len(), 1);
});

conformance!(missing_references_are_created_first_and_named_by_placeholders_for_two_commits, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let (contacts, accounts) = (schema.object("contacts").unwrap(), schema.object("accounts").unwrap());
    let account = |name: &str| {
        let mut fields = Fields::new();
        fields.insert("name".into(), text(name));
        NewRecord { owner_id: fx.admin.id, fields, external_ids: Vec::new() }
    };
    let at = |name: &str, placeholder: u64| {
        let mut record = contact(fx.admin.id, name, "X", None, None);
        record.fields.insert("account".into(), Value::Ref(RecordId::placeholder(placeholder)));
        record
    };
    let seeded = db.store.insert_records(&ctx(&fx, None), contacts, &[contact(fx.admin.id, "Old", "X", None, None)], None);
    let existing = seeded.unwrap()[0];
    let operation = db.store.begin_operation(fx.org.id, OperationKind::Import, fx.admin.id, T0).unwrap();
    let mut ids = PlaceholderIds::default();
    let account_of = |id: RecordId| {
        let got = db.store.get_records(contacts, &[id], &VisibilityScope::All).unwrap();
        got[0].fields.get("account").cloned()
    };

    // Commit 1: accounts 0 and 1, a new contact naming 0, an update naming 1.
    let mut batch = crate::CommitBatch::default();
    batch.add_references(accounts, 0, &[account("Acme"), account("Globex")], "US");
    batch.add_create(contacts, 2, &at("Ann", 0), "US");
    let mut patch = RecordPatch::default();
    patch.set.insert("account".into(), Value::Ref(RecordId::placeholder(1)));
    batch.updates.push((3, existing, patch));
    let receipt = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut ids).unwrap();
    let (acme, globex) = (ids.get(0).unwrap(), ids.get(1).unwrap());
    assert!(acme.0 > 0 && globex.0 > 0 && acme != globex);
    assert_eq!(account_of(receipt.created[0]), Some(Value::Ref(acme)));
    assert_eq!(account_of(existing), Some(Value::Ref(globex)));
    let names = db.store.get_records(accounts, &[acme, globex], &VisibilityScope::All).unwrap();
    assert_eq!(names.iter().map(|r| r.fields["name"].clone()).collect::<Vec<_>>(), vec![text("Acme"), text("Globex")]);
    let journal = db.store.journal(operation.id).unwrap();
    let created: Vec<RecordId> = journal.iter().filter(|e| e.op == JournalOp::Created).map(|e| e.record_id).collect();
    assert_eq!(created, vec![acme, globex, receipt.created[0]], "undo removes the accounts too");

    // Commit 2 names an account of commit 1 and one of its own; commit 3 still finds commit 1's.
    let mut batch = crate::CommitBatch::default();
    batch.add_references(accounts, 2, &[account("Initech")], "US");
    batch.add_create(contacts, 4, &at("Bob", 1), "US");
    batch.add_create(contacts, 5, &at("Cy", 2), "US");
    let receipt = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut ids).unwrap();
    assert_eq!(account_of(receipt.created[0]), Some(Value::Ref(globex)));
    assert_eq!(account_of(receipt.created[1]), Some(Value::Ref(ids.get(2).unwrap())));
    let mut batch = crate::CommitBatch::default();
    batch.add_create(contacts, 6, &at("Dee", 0), "US");
    let receipt = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut ids).unwrap();
    assert_eq!(account_of(receipt.created[0]), Some(Value::Ref(acme)));

    // Three commits later a placeholder is forgotten: naming it fails the whole commit.
    let before = db.store.journal(operation.id).unwrap().len();
    let mut batch = crate::CommitBatch::default();
    batch.add_references(accounts, 3, &[account("Umbrella")], "US");
    batch.add_create(contacts, 7, &at("Eve", 0), "US");
    let err = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut ids).unwrap_err();
    assert!(err.to_string().contains("placeholder 0"), "{err}");
    assert_eq!(db.store.journal(operation.id).unwrap().len(), before, "nothing of the failed commit was written");
    assert_eq!(ids.get(3), None);
    // Outside an import's commit a placeholder names nothing: refused, nothing written.
    let count = || db.store.count_by_object(fx.org.id, &VisibilityScope::All).unwrap()[&contacts.id];
    let contacts_before = count();
    let err = db.store.insert_records(&ctx(&fx, None), contacts, &[at("Fay", 1)], None).unwrap_err();
    assert!(err.to_string().contains("placeholder 1"), "{err}");
    assert_eq!(count(), contacts_before);
});

conformance!(import_batches_commit_creates_and_updates_atomically_with_source_rows, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let seeded =
        db.store.insert_records(&ctx(&fx, None), contacts, &[contact(fx.admin.id, "A", "Old", Some("a@x.io"), None)], None);
    let existing = seeded.unwrap()[0];
    let operation = db.store.begin_operation(fx.org.id, OperationKind::Import, fx.admin.id, T0).unwrap();
    let mut patch = RecordPatch { expected_version: Some(1), ..RecordPatch::default() };
    patch.set.insert("last_name".into(), text("New"));
    let mut batch = crate::CommitBatch::default();
    batch.add_create(contacts, 2, &contact(fx.admin.id, "B", "Two", Some("b@x.io"), None), "US");
    batch.updates.push((3, existing, patch.clone()));
    assert_eq!(batch.creates(), 1);
    let receipt = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut PlaceholderIds::default()).unwrap();
    assert_eq!(receipt.created.len(), 1);
    assert_eq!(receipt.updated, vec![UpdateOutcome::Updated { version: 2 }]);
    let journal = db.store.journal(operation.id).unwrap();
    let rows: Vec<(JournalOp, Option<i64>)> = journal.iter().map(|e| (e.op.clone(), e.source_row)).collect();
    assert_eq!(rows, vec![(JournalOp::Created, Some(2)), (JournalOp::Updated, Some(3))]);
    assert!(journal[1].before.as_ref().unwrap().data_json.contains("Old"));
    // A stale expected version is reported per row, and the batch's creates still commit.
    let mut batch = crate::CommitBatch::default();
    batch.add_create(contacts, 4, &contact(fx.admin.id, "C", "Three", None, None), "US");
    batch.updates.push((5, existing, patch));
    let receipt = db.store.commit_batch(&ctx(&fx, Some(operation.id)), contacts, batch, &mut PlaceholderIds::default()).unwrap();
    assert_eq!(receipt.updated, vec![UpdateOutcome::Conflict { actual: 2 }]);
    assert_eq!(db.store.journal(operation.id).unwrap().len(), 3);
});

conformance!(validation_rules_and_saved_mappings, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let deals = schema.object("deals").unwrap().id;
    db.store.add_validation_rule(fx.org.id, deals, "amount_range", r#"{"expression":"amount > 0"}"#, T0).unwrap();
    assert!(matches!(
        db.store.add_validation_rule(fx.org.id, deals, "amount_range", "{}", T0),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(db.store.validation_rules(fx.org.id, deals).unwrap().len(), 1);
    assert!(db.store.delete_validation_rule(fx.org.id, deals, "amount_range").unwrap());
    assert!(db.store.validation_rules(fx.org.id, deals).unwrap().is_empty());

    let contacts = schema.object("contacts").unwrap().id;
    assert_eq!(db.store.remembered_mapping(fx.org.id, contacts, "f1", fx.admin.id).unwrap(), None);
    db.store.save_mapping(fx.org.id, contacts, None, "f1", "{\"v\":1}", fx.admin.id, false, T0).unwrap();
    db.store.save_mapping(fx.org.id, contacts, None, "f1", "{\"v\":2}", fx.admin.id, false, T0 + 1).unwrap();
    let remembered = db.store.remembered_mapping(fx.org.id, contacts, "f1", fx.admin.id).unwrap().unwrap();
    assert_eq!(remembered.spec, "{\"v\":2}");
    assert_eq!(db.store.remembered_mapping(fx.org.id, contacts, "f1", fx.member.id).unwrap(), None, "private to its user");
    db.store.save_mapping(fx.org.id, contacts, Some("crm"), "f1", "{\"v\":3}", fx.admin.id, true, T0 + 2).unwrap();
    assert_eq!(db.store.remembered_mapping(fx.org.id, contacts, "f1", fx.member.id).unwrap().unwrap().spec, "{\"v\":3}");
    assert_eq!(db.store.find_mapping(fx.org.id, "crm", fx.member.id).unwrap().name.as_deref(), Some("crm"));
    assert_eq!(db.store.list_mappings(fx.org.id, fx.member.id).unwrap().len(), 1);
    assert!(matches!(db.store.find_mapping(fx.org.id, "nope", fx.member.id), Err(StoreError::NotFound { .. })));
});

conformance!(import_log_outcomes_checkpoint_and_undo, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let existing = db
        .store
        .insert_records(&ctx(&fx, None), contacts, &[contact(fx.admin.id, "Old", "Timer", Some("old@acme.io"), None)], None)
        .unwrap()[0];
    let new = crate::NewImport {
        org_id: fx.org.id,
        user_id: fx.admin.id,
        object: "contacts".into(),
        file_id: None,
        file_name: "c.csv".into(),
        file_size: 10,
        file_sha256: "ab".repeat(32),
        request: "{}".into(),
    };
    let log = db.store.create_import(&new, T0).unwrap();
    assert_eq!((log.status.as_str(), log.rows_done), ("queued", 0));
    assert_eq!(db.store.operation(fx.org.id, log.id).unwrap().kind, OperationKind::Import);

    // One commit: a create, an update, a failed row; outcomes and checkpoint land with them.
    let outcome = |seq: i64, what: &str, record: Option<RecordId>| crate::RowOutcome {
        seq,
        source_row: seq + 2,
        sheet: None,
        outcome: what.into(),
        record_id: record,
        messages: None,
    };
    let mut batch = crate::CommitBatch::default();
    let at = batch.add_create(contacts, 2, &contact(fx.admin.id, "New", "Person", Some("new@acme.io"), None), "US");
    let mut patch = RecordPatch::default();
    patch.set.insert("first_name".into(), text("Changed"));
    batch.updates.push((3, existing, patch));
    batch.outcomes.push((outcome(0, "created", None), crate::OutcomeLink::Created(at)));
    batch.outcomes.push((outcome(1, "updated", Some(existing)), crate::OutcomeLink::Updated(0, "{}".into())));
    batch.outcomes.push((outcome(2, "failed", None), crate::OutcomeLink::Settled));
    batch.checkpoint = Some((log.id, 3));
    let receipt = db.store.commit_batch(&ctx(&fx, Some(log.id)), contacts, batch, &mut PlaceholderIds::default()).unwrap();
    let created = receipt.created[0];
    let rows = db.store.import_rows(log.id, 0, 10).unwrap();
    let got: Vec<(i64, &str, Option<RecordId>)> = rows.iter().map(|r| (r.seq, r.outcome.as_str(), r.record_id)).collect();
    assert_eq!(got, vec![(0, "created", Some(created)), (1, "updated", Some(existing)), (2, "failed", None)]);
    assert_eq!(db.store.import_log(fx.org.id, log.id).unwrap().rows_done, 3);
    let counts = db.store.import_outcome_counts(log.id).unwrap();
    assert_eq!((counts["created"], counts["updated"], counts["failed"]), (1, 1, 1));
    db.store
        .finish_import(
            log.id,
            &crate::ImportFinish {
                status: "completed_with_errors".into(),
                rows_total: Some(3),
                counts: "{}".into(),
                summary: "{}".into(),
                error: None,
                duration_ms: 5,
            },
            T0 + 2000,
        )
        .unwrap();
    let listed = db.store.list_imports(fx.org.id, 10).unwrap();
    assert_eq!((listed.len(), listed[0].status.as_str(), listed[0].duration_ms), (1, "completed_with_errors", Some(5)));

    // A contact pointing at nothing the import created; versions read in bulk.
    let versions = db.store.record_versions(&[created, existing, RecordId(999_999)]).unwrap();
    assert_eq!((versions[&created], versions[&existing], versions.len()), (1, 2, 2));
    let references = db.store.inbound_references(log.id, &[(contacts.id, "account".into())]).unwrap();
    assert!(references.is_empty());

    // Undo: delete the created record, restore the updated one exactly, journaled under the undo.
    let (undo, started) = db.store.begin_import_undo(fx.org.id, log.id, fx.admin.id, T0 + 3000).unwrap();
    assert!(started);
    assert_eq!(db.store.begin_import_undo(fx.org.id, log.id, fx.admin.id, T0 + 3000).unwrap(), (undo, false));
    let journal = db.store.journal(log.id).unwrap();
    let before = journal.iter().find(|e| e.record_id == existing).unwrap().before.clone().unwrap();
    let items = vec![
        crate::UndoItem { object_id: contacts.id, record: created, expected_version: Some(1), action: crate::UndoAction::Delete },
        crate::UndoItem {
            object_id: contacts.id,
            record: existing,
            expected_version: Some(9),
            action: crate::UndoAction::Restore(before.clone()),
        },
    ];
    let results = db.store.apply_undo(&ctx(&fx, Some(undo)), &schema, &items).unwrap();
    assert_eq!(
        results,
        vec![crate::UndoResult::Done, crate::UndoResult::Conflict { actual: 2 }],
        "a stale version is left alone"
    );
    let mut retry = items[1].clone();
    retry.expected_version = Some(2);
    assert_eq!(db.store.apply_undo(&ctx(&fx, Some(undo)), &schema, &[retry]).unwrap(), vec![crate::UndoResult::Done]);
    let restored = db.store.get_records(contacts, &[existing], &VisibilityScope::All).unwrap().remove(0);
    assert_eq!(restored.fields["first_name"], text("Old"));
    assert_eq!(restored.version, 3);
    assert!(db.store.get_records(contacts, &[created], &VisibilityScope::All).unwrap().is_empty());
    let email = MatchKey { kind: MatchKeyKind::Email, normalized: "old@acme.io".into() };
    assert_eq!(db.store.lookup_match_keys(contacts.id, &[email]).unwrap(), vec![vec![existing]], "keys follow the restore");
    assert_eq!(db.store.journal(undo).unwrap().len(), 2);
    db.store.finish_import_undo(log.id, undo, "{}", T0 + 4000).unwrap();
    assert_eq!(db.store.import_log(fx.org.id, log.id).unwrap().undone_at, Some(T0 + 4000));
    assert!(db.store.begin_import_undo(fx.org.id, log.id, fx.admin.id, T0 + 5000).is_err(), "undone once");

    // Notifications, and the sweep after the retention period.
    let note = db.store.notify(fx.org.id, fx.admin.id, "import.completed", "done", "{}", T0).unwrap();
    assert_eq!(db.store.notifications(fx.org.id, fx.admin.id, 10).unwrap()[0].id, note);
    assert_eq!(db.store.mark_notifications_read(fx.org.id, fx.admin.id, note, T0 + 1).unwrap(), 1);
    assert_eq!(db.store.sweep_imports(T0).unwrap(), 0, "not old enough");
    assert_eq!(db.store.sweep_imports(T0 + 1).unwrap(), 1);
    assert!(db.store.import_rows(log.id, 0, 10).unwrap().is_empty());
    assert!(db.store.journal(log.id).unwrap().is_empty());
});

conformance!(one_job_is_claimed_under_the_org_cap_and_taken_over_from_a_dead_worker, |db| {
    let fx = fixture(db);
    let job = || NewJob {
        org_id: fx.org.id,
        kind: "import".into(),
        payload: "{}".into(),
        unique_key: None,
        run_after: T0,
        max_attempts: 3,
    };
    let (a, _) = db.store.enqueue_job(&job(), T0).unwrap();
    let (b, _) = db.store.enqueue_job(&job(), T0).unwrap();
    assert_eq!(db.store.queue_position(fx.org.id, "import", b.id).unwrap(), 2);
    assert!(db.store.claim_job_id(b.id, "cli:h:1", 1000, Some(1), T0).unwrap().is_some());
    assert!(db.store.claim_job_id(a.id, "cli:h:2", 1000, Some(1), T0).unwrap().is_none(), "the cap of 1 is reached");
    assert_eq!(db.store.queue_position(fx.org.id, "import", a.id).unwrap(), 1);
    assert!(db.store.claim_job_id(b.id, "cli:h:3", 1000, None, T0).unwrap().is_none(), "running and leased");
    assert!(db.store.take_over_job(b.id, "cli:h:9", "cli:h:3", 1000, T0).unwrap().is_none(), "not the owner");
    let taken = db.store.take_over_job(b.id, "cli:h:1", "cli:h:3", 1000, T0).unwrap().unwrap();
    assert_eq!((taken.lease_owner.as_deref(), taken.attempts), (Some("cli:h:3"), 2));
    assert!(db.store.finish_job(b.id, "cli:h:3", JobState::Succeeded, "{}", None, T0 + 1).unwrap());
    assert!(db.store.claim_job_id(a.id, "cli:h:2", 1000, Some(1), T0 + 2).unwrap().is_some(), "a slot freed");
    assert!(db.store.requeue_job(a.id, "cli:h:2", T0 + 5_000, "disk full", T0 + 3).unwrap());
    assert!(db.store.claim_job_id(a.id, "cli:h:2", 1000, Some(1), T0 + 4_999).unwrap().is_none(), "not before its retry time");
    let retried = db.store.claim_job_id(a.id, "cli:h:2", 1000, Some(1), T0 + 5_000).unwrap().unwrap();
    assert_eq!((retried.attempts, retried.last_error.as_deref()), (2, Some("disk full")));
});

conformance!(import_templates_are_saved_replaced_shared_and_deleted, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap().id;
    let deals = schema.object("deals").unwrap().id;
    let paths = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert!(db.store.list_templates(fx.org.id, fx.admin.id).unwrap().is_empty());
    assert_eq!(db.store.find_template(fx.org.id, "crm").unwrap(), None);

    let saved = db
        .store
        .save_template(fx.org.id, contacts, "crm", &paths(&["last_name", "emails[work]", "account.name"]), fx.admin.id, true, T0)
        .unwrap();
    assert!(saved.id > 0);
    assert_eq!(saved.columns, ["last_name", "emails[work]", "account.name"]);
    assert!(saved.shared && saved.visible_to(fx.member.id));
    let private =
        db.store.save_template(fx.org.id, deals, "mine", &paths(&["name", "stage"]), fx.member.id, false, T0 + 1).unwrap();
    assert!(!private.shared);
    assert!(private.visible_to(fx.member.id) && !private.visible_to(fx.admin.id));

    // Each user sees their own and the shared ones, by name.
    let names = |user| db.store.list_templates(fx.org.id, user).unwrap().into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(names(fx.member.id), ["crm", "mine"]);
    assert_eq!(names(fx.admin.id), ["crm"]);
    assert_eq!(db.store.find_template(fx.org.id, "mine").unwrap().unwrap().object_id, deals);

    // Saving under an existing name replaces the columns and sharing; id, creator and creation time stay.
    let replaced =
        db.store.save_template(fx.org.id, contacts, "crm", &paths(&["email", "last_name"]), fx.member.id, false, T0 + 5).unwrap();
    assert_eq!((replaced.id, replaced.created_by, replaced.created_at), (saved.id, fx.admin.id, T0));
    assert_eq!((replaced.columns.clone(), replaced.shared, replaced.updated_at), (paths(&["email", "last_name"]), false, T0 + 5));
    assert_eq!(db.store.find_template(fx.org.id, "crm").unwrap(), Some(replaced));
    assert_eq!(names(fx.member.id), ["mine"], "now private to its creator, the admin");
    assert_eq!(names(fx.admin.id), ["crm"]);

    assert!(matches!(db.store.save_template(fx.org.id, contacts, " ", &[], fx.admin.id, true, T0), Err(StoreError::Invalid(_))));
    assert!(db.store.delete_template(fx.org.id, "crm").unwrap());
    assert!(!db.store.delete_template(fx.org.id, "crm").unwrap());
    assert_eq!(db.store.find_template(fx.org.id, "crm").unwrap(), None);
    assert_eq!(names(fx.member.id), ["mine"]);
});

conformance!(the_per_org_cap_holds_when_two_servers_race_to_claim, |db| {
    // Two "servers" (separate stores on one database), four threads each, race to claim 40
    // import jobs of one organization under a cap of 2, each holding its job for a moment.
    let fx = fixture(db);
    for _ in 0..40 {
        let job = NewJob {
            org_id: fx.org.id,
            kind: "import".into(),
            payload: "{}".into(),
            unique_key: None,
            run_after: T0,
            max_attempts: 3,
        };
        db.store.enqueue_job(&job, T0).unwrap();
    }
    let second = crate::Store::open(&db.location).unwrap();
    let servers = [&db.store, &second];
    let most_running = std::sync::atomic::AtomicI64::new(0);
    let ran = std::sync::atomic::AtomicI64::new(0);
    std::thread::scope(|scope| {
        for (server, store) in servers.iter().enumerate() {
            for thread in 0..4 {
                let (store, most_running, ran) = (*store, &most_running, &ran);
                scope.spawn(move || {
                    let worker = format!("server{server}-{thread}");
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                    while ran.load(std::sync::atomic::Ordering::SeqCst) < 40 && std::time::Instant::now() < deadline {
                        let claimed = match store.claim_job(&["import"], &worker, 60_000, Some(2), T0) {
                            Ok(claimed) => claimed,
                            Err(_) => continue, // a busy SQLite writer: try again
                        };
                        let Some(job) = claimed else {
                            std::thread::yield_now();
                            continue;
                        };
                        let running = store.list_jobs(fx.org.id, "import", 100).unwrap();
                        let now_running = running.iter().filter(|j| j.state == JobState::Running).count() as i64;
                        most_running.fetch_max(now_running, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        assert!(store.finish_job(job.id, &worker, JobState::Succeeded, "{}", None, T0).unwrap());
                        ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        }
    });
    assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 40, "every job ran once");
    let most = most_running.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=2).contains(&most), "at most 2 ran at once, saw {most}");
});

conformance!(key_snapshots_rule_out_absent_keys_until_another_writer_adds_keys, |db| {
    let fx = fixture(db);
    let schema = db.store.schema(fx.org.id).unwrap();
    let contacts = schema.object("contacts").unwrap();
    let address = |n: usize| format!("p{n}@acme.io");
    let email = |n: usize| MatchKey { kind: MatchKeyKind::Email, normalized: address(n) };
    let people: Vec<NewRecord> = (0..50).map(|n| contact(fx.admin.id, "P", &n.to_string(), Some(&address(n)), None)).collect();
    let ids = db.store.insert_records(&ctx(&fx, None), contacts, &people, None).unwrap();
    let import = db.store.begin_operation(fx.org.id, OperationKind::Import, fx.admin.id, T0).unwrap();
    let Some(snapshot) = db.store.snapshot_match_keys(contacts.id, &[MatchKeyKind::Email], 1_000).unwrap() else {
        assert_eq!(db.store.backend_name(), "postgres", "only PostgreSQL takes no snapshots");
        return;
    };
    assert_eq!((snapshot.object(), snapshot.keys()), (contacts.id, 50));
    let held = |key: &MatchKey| snapshot.may_hold(key.kind, key.hash());
    assert!((0..50).all(|n| held(&email(n))), "no stored key is ruled out");
    let ruled_out = (1_000..2_000).filter(|n| !held(&email(*n))).count();
    assert!(ruled_out > 950, "absent keys are ruled out but for about 1 %: {ruled_out} of 1,000");
    assert!(snapshot.may_hold(MatchKeyKind::Phone, 42), "a kind the snapshot does not cover is always looked up");
    assert!(
        db.store.snapshot_match_keys(contacts.id, &[MatchKeyKind::Email], 49).unwrap().is_none(),
        "more keys than the budget: no snapshot"
    );
    // The budget counts the object's own keys, recent or merged: another object's do not use it.
    db.store.merge_recent_keys().unwrap();
    let accounts = schema.object("accounts").unwrap();
    let empty = db.store.snapshot_match_keys(accounts.id, &MatchKeyKind::ALL, 10).unwrap().expect("accounts hold no keys");
    assert_eq!(empty.keys(), 0);
    // Merged keys are in the object's stored filter: the snapshot reads its bits, not the keys.
    let merged = db.store.snapshot_match_keys(contacts.id, &[MatchKeyKind::Email], 0).unwrap().expect("no key to read");
    assert_eq!(merged.keys(), 0);
    assert!((0..50).all(|n| merged.may_hold(MatchKeyKind::Email, email(n).hash())), "every merged key is held");
    let ruled_out = (1_000..2_000).filter(|n| !merged.may_hold(MatchKeyKind::Email, email(*n).hash())).count();
    assert!(ruled_out > 950, "absent keys are ruled out: {ruled_out} of 1,000");

    let written_since = |own| db.store.match_keys_written_since(&snapshot, own).unwrap();
    assert!(!written_since(Some(import.id)) && !written_since(None), "nothing written since");
    db.store
        .insert_records(&ctx(&fx, Some(import.id)), contacts, &[contact(fx.admin.id, "Q", "1", Some(&address(100)), None)], None)
        .unwrap();
    assert!(!written_since(Some(import.id)), "the import's own keys are its own business");
    assert!(written_since(None), "to a caller that writes nothing, the import is another writer");

    let again = db.store.snapshot_match_keys(contacts.id, &[MatchKeyKind::Email], 1_000).unwrap().unwrap();
    assert!(again.may_hold(MatchKeyKind::Email, email(100).hash()), "a new snapshot holds the new key");
    // Another writer changes a record's email (the update path): the import must look up again.
    let patch = RecordPatch { set: [("emails".to_string(), labeled(&[("work", &address(200))]))].into(), ..Default::default() };
    db.store.update_records(&ctx(&fx, None), contacts, &[(ids[0], patch)]).unwrap();
    assert!(db.store.match_keys_written_since(&again, Some(import.id)).unwrap(), "an update adding a key is a write");
});
