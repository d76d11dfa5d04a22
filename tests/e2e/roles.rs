//! Roles: no endpoint makes the first admin; the operator command does. An admin then makes a
//! developer linked to a catalog studio, and a player who is not an admin is refused.

use platform_tests::{grant_role, stack};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_first_admin_comes_from_the_operator_command_and_can_make_developers() {
    let s = stack();
    let (boss, dev) = (s.new_player().await, s.new_player().await);
    let path = format!("/admin/players/{}/roles", dev.user_id);
    let make_developer = json!({ "roles": ["developer"], "studios": ["Valve", " Valve "] });
    s.post(&path, Some(&boss.token), &make_developer).await.assert_problem(403, "forbidden");

    grant_role(&boss.username.to_uppercase(), "admin");
    let made = s.post(&path, Some(&boss.token), &make_developer).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);
    assert_eq!((&made.body["roles"], &made.body["studios"]), (&json!(["developer"]), &json!(["Valve"])));
    let own = s.get("/account/profile", Some(&dev.token)).await.body;
    assert_eq!((&own["roles"], &own["studios"]), (&json!(["developer"]), &json!(["Valve"])));
    let public = s.get(&format!("/players/{}", dev.user_id), None).await.body;
    assert!(public.get("roles").is_none(), "roles are not public: {public:?}");

    s.post(&path, Some(&dev.token), &json!({ "roles": ["admin"] })).await.assert_problem(403, "forbidden");
    s.post(&path, Some(&boss.token), &json!({ "roles": ["emperor"] })).await.assert_problem(400, "validation_failed");
    let studios_alone = json!({ "roles": [], "studios": ["Valve"] });
    s.post(&path, Some(&boss.token), &studios_alone).await.assert_problem(400, "validation_failed");
    let nobody = "/admin/players/00000000-0000-4000-8000-000000000000/roles";
    s.post(nobody, Some(&boss.token), &json!({ "roles": [] })).await.assert_problem(404, "unknown_user");

    let taken = s.post(&path, Some(&boss.token), &json!({ "roles": [] })).await;
    assert_eq!(taken.body["roles"], json!([]));
    assert_eq!(s.get("/account/profile", Some(&dev.token)).await.body["roles"], json!([]));
}
