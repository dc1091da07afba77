//! The schema through the CLI: objects, custom objects and fields, and refused changes.

use crate::support::Env;

#[test]
fn custom_objects_and_fields() {
    for env in Env::both("objects") {
        let env = env.with_org();
        let objects = env.run(&["objects", "list", "--json"]).ok();
        assert_eq!(objects["objects"].as_array().unwrap().len(), 8);
        let deals = env.run(&["objects", "list", "deals", "--json"]).ok();
        assert_eq!(deals["pipelines"][0]["stages"].as_array().unwrap().len(), 7);

        let project = env.run(&["objects", "create", "projects", "--label", "Project", "--plural", "Projects", "--json"]).ok();
        assert_eq!(project["kind"], "custom");
        env.run(&["objects", "create", "projects", "--json"]).err(2, "already_exists");
        env.run(&["objects", "create", "Contacts", "--json"]).err(2, "invalid_schema_change");
        let tier = env
            .run(&[
                "objects",
                "add-field",
                "contacts",
                "tier",
                "--type",
                "picklist",
                "--option",
                "gold:Gold",
                "--option",
                "silver",
                "--json",
            ])
            .ok();
        assert_eq!(tier["api_name"], "custom.tier");
        env.run(&["objects", "add-field", "contacts", "tier", "--type", "text", "--json"]).err(2, "already_exists");
        env.run(&["objects", "add-field", "contacts", "level", "--type", "picklist", "--json"]).err(2, "invalid_schema_change");
        env.run(&["objects", "add-field", "contacts", "level", "--type", "colour", "--json"]).err(2, "invalid_request");
        env.run(&["objects", "add-field", "projects", "lead", "--type", "reference", "--references", "contacts", "--json"]).ok();
        env.run(&["objects", "add-field", "projects", "owner_deal", "--type", "reference", "--references", "nothing", "--json"])
            .err(2, "invalid_schema_change");

        env.run(&["records", "create", "projects", "--set", "name=Apollo", "--json"]).ok();
        let err = env
            .run(&["objects", "add-field", "projects", "code", "--type", "text", "--required", "--json"])
            .err(2, "invalid_schema_change");
        assert!(err["message"].as_str().unwrap().contains("default"), "{err}");
        env.run(&["objects", "add-field", "projects", "code", "--type", "text", "--required", "--default", "P-0", "--json"]).ok();
        let fields = env.run(&["objects", "list", "projects", "--json"]).ok();
        let names: Vec<&str> = fields["fields"].as_array().unwrap().iter().map(|f| f["api_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["name", "lead", "code"]);

        env.run(&["records", "create", "contacts", "--set", "last_name=Gold", "--set", "custom.tier=Gold", "--json"]).ok();
        let page = env.run(&["records", "list", "contacts", "--filter", "custom.tier = 'gold'", "--json"]).ok();
        assert_eq!(page["records"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn fields_can_be_indexed() {
    let env = Env::sqlite().with_org();
    let out = env.run(&["objects", "index", "contacts", "last_name", "--json"]).ok();
    assert_eq!(out["field"], "last_name");
    env.run(&["objects", "index", "contacts", "emails", "--json"]).err(2, "invalid_request");
    env.run(&["objects", "index", "nothing", "x", "--json"]).err(2, "not_found");
}
