//! Tests of the plan: strategies, merges that never erase, unchanged detection, required fields.

use super::*;
use crate::issue::IssueKind;
use crate::spec::DuplicateStrategy;
use salesos_model::ids::ObjectId;
use salesos_model::schema::standard_objects;

fn contacts() -> ObjectDef {
    standard_objects().into_iter().find(|o| o.api_name == "contacts").unwrap()
}

fn row(pairs: &[(&str, &str)]) -> TransformedRow {
    let mut row = TransformedRow::default();
    for (key, value) in pairs {
        row.fields.insert((*key).into(), Value::Text(value.to_string()));
    }
    row
}

fn existing() -> Record {
    let mut fields = Fields::new();
    fields.insert("last_name".into(), Value::Text("Old".into()));
    fields.insert("title".into(), Value::Text("CEO".into()));
    Record {
        id: RecordId(5),
        object_id: ObjectId(1),
        owner_id: UserId(1),
        created_at: 0,
        updated_at: 0,
        version: 3,
        fields,
        field_times: Default::default(),
        external_ids: Vec::new(),
    }
}

#[test]
fn strategies_decide_the_change() {
    let object = contacts();
    let validator = Validator::new(&object, Vec::new()).unwrap();
    let mut context = PlanContext {
        object: &object,
        validator: &validator,
        strategy: DuplicateStrategy::Skip,
        default_owner: UserId(1),
        now_ms: 0,
        columns: &Default::default(),
    };
    let matched = Decision::Match { id: RecordId(5), method: "email" };
    let record = existing();
    let plan = plan_row(&context, row(&[("last_name", "New")]), None, &matched, Some(&record));
    assert!(matches!(plan.change, RecordChange::Skip { duplicate_of: Some(RecordId(5)), .. }));

    context.strategy = DuplicateStrategy::Update;
    let plan = plan_row(&context, row(&[("last_name", "New")]), None, &matched, Some(&record));
    let RecordChange::Update { id, patch } = plan.change else { panic!("expected an update") };
    assert_eq!(id, RecordId(5));
    assert_eq!(patch.expected_version, Some(3));
    assert_eq!(patch.set.len(), 1, "only the changed field; title is kept");
    let plan = plan_row(&context, row(&[("last_name", "Old")]), None, &matched, Some(&record));
    assert_eq!(plan.change, RecordChange::Unchanged { id: RecordId(5) });
    let mut clearing = row(&[("last_name", "Old")]);
    clearing.cleared.push("title".into());
    let plan = plan_row(&context, clearing, None, &matched, Some(&record));
    assert!(matches!(plan.change, RecordChange::Update { ref patch, .. } if patch.set["title"] == Value::Null));

    context.strategy = DuplicateStrategy::Create;
    let plan = plan_row(&context, row(&[("last_name", "New")]), None, &matched, Some(&record));
    assert!(matches!(plan.change, RecordChange::Create(_)));
    assert!(plan.duplicate);

    let plan = plan_row(&context, row(&[("title", "CTO")]), None, &Decision::New, None);
    assert_eq!(plan.change, RecordChange::Fail);
    assert_eq!(plan.issues[0].kind, IssueKind::Missing);
    let ambiguous = Decision::Ambiguous { ids: vec![RecordId(1), RecordId(2)] };
    let plan = plan_row(&context, row(&[("last_name", "X")]), None, &ambiguous, None);
    assert_eq!(plan.issues[0].kind, IssueKind::AmbiguousDuplicate);
}

#[test]
fn an_image_checked_ahead_plans_as_one_checked_in_the_plan() {
    let object = contacts();
    let validator = Validator::new(&object, Vec::new()).unwrap();
    let record = existing();
    let matched = Decision::Match { id: RecordId(5), method: "email" };
    let rows = [row(&[("last_name", "New")]), row(&[("title", "CTO")]), row(&[("last_name", "X"), ("email", "not an email")])];
    let decisions = [Decision::New, matched.clone(), Decision::InFile { first_row: 2 }];
    for strategy in [DuplicateStrategy::Skip, DuplicateStrategy::Create, DuplicateStrategy::Update] {
        let columns = Default::default();
        let context = PlanContext {
            object: &object,
            validator: &validator,
            strategy,
            default_owner: UserId(1),
            now_ms: 0,
            columns: &columns,
        };
        for source in &rows {
            for decision in &decisions {
                let existing = matches!(decision, Decision::Match { .. }).then_some(&record);
                let mut ahead = source.clone();
                let checked = check_as_new(&context, &mut ahead);
                assert_eq!(checked.is_none(), strategy == DuplicateStrategy::Update, "checked ahead unless updating");
                assert_eq!(
                    plan_checked_row(&context, ahead, None, decision, existing, checked),
                    plan_row(&context, source.clone(), None, decision, existing),
                    "{strategy:?} {decision:?}"
                );
            }
        }
    }
}
