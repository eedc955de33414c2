//! The permission catalog: every point with its level, operator-only flag and both
//! languages' descriptions, for signed-in callers.

use super::*;
use crate::on_both_databases;

on_both_databases!(permission_catalog);

async fn permission_catalog(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let r = a.get("/api/manage/permissions").await;
    let all = r.ok().as_array().unwrap().clone();
    let find = |name: &str| {
        all.iter()
            .find(|p| p["name"] == json!(name))
            .unwrap_or_else(|| panic!("{name} is in the catalog"))
            .clone()
    };
    let chat = find("Connector.botChat");
    assert_eq!(chat["level"], json!("workspace"));
    assert_eq!(chat["operator_only"], json!(false));
    assert!(!chat["description"].as_str().unwrap().is_empty());
    assert!(!chat["description_zh"].as_str().unwrap().is_empty());
    assert_eq!(find("Account.readProfile")["level"], json!("account"));
    assert_eq!(find("Bot.list")["level"], json!("workspace"));
    assert_eq!(
        find("Organization.listMembers")["level"],
        json!("organization")
    );
    assert_eq!(find("Token.introspect")["operator_only"], json!(true));
    assert_eq!(find("Manage.accounts")["operator_only"], json!(true));
    assert_eq!(find("Manage.tokens")["operator_only"], json!(false));
    let mut names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "names are unique");
    for p in &all {
        assert!(
            ["account", "workspace", "organization"].contains(&p["level"].as_str().unwrap()),
            "{p}"
        );
    }
    // The catalog is for signed-in callers.
    raw(&s, Method::GET, "/api/manage/permissions", None, None, None)
        .await
        .fails(401, 4100);
}
