//! Groups (clans): the member limit under concurrent joins, every role transition, bans, and group
//! chat through the chat pipeline (order, history, unread counts, edit and delete, pushes).

use platform_tests::{stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

async fn create(s: &Stack, owner: &Player, open: bool, max: u32) -> String {
    let name = format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = json!({ "name": name, "open": open, "maxMembers": max });
    let r = s.post("/groups", Some(&owner.token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!((r.body["memberCount"].as_u64(), r.body["ownerId"].as_str()), (Some(1), Some(owner.user_id.as_str())));
    r.body["groupId"].as_str().unwrap().to_owned()
}

async fn join(s: &Stack, p: &Player, group: &str) -> platform_tests::Reply {
    s.post(&format!("/groups/{group}/join"), Some(&p.token), &json!({})).await
}

async fn act(s: &Stack, actor: &Player, group: &str, target: &Player, action: &str) -> platform_tests::Reply {
    s.post(&format!("/groups/{group}/members/{}", target.user_id), Some(&actor.token), &json!({ "action": action }))
        .await
}

/// `(userId, role)` of everyone the viewer sees in the group, and the member count.
async fn standings(s: &Stack, viewer: &Player, group: &str) -> (Vec<(String, String)>, u64) {
    let r = s.get(&format!("/groups/{group}"), Some(&viewer.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let mut members: Vec<(String, String)> = r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["userId"].as_str().unwrap().to_owned(), m["role"].as_str().unwrap().to_owned()))
        .collect();
    members.sort();
    (members, r.body["group"]["memberCount"].as_u64().unwrap())
}

fn role_of(list: &[(String, String)], p: &Player) -> Option<String> {
    list.iter().find(|(id, _)| *id == p.user_id).map(|(_, role)| role.clone())
}

#[tokio::test]
async fn twenty_concurrent_joins_for_five_free_places_give_exactly_five_members() {
    let s = stack();
    let owner = s.new_player().await;
    let group = create(s, &owner, true, 6).await;
    let joiners = futures::future::join_all((0..20).map(|_| s.new_player())).await;
    let answers = futures::future::join_all(joiners.iter().map(|p| join(s, p, &group))).await;
    let admitted = answers.iter().filter(|r| r.status == StatusCode::CREATED).count();
    assert_eq!(admitted, 5, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    for refused in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        refused.assert_problem(409, "group_full");
    }
    let (members, count) = standings(s, &owner, &group).await;
    assert_eq!((members.len(), count), (6, 6), "the owner and five joiners, counted once each");
}

#[tokio::test]
async fn a_closed_groups_roles_move_by_the_rules_and_a_banned_player_stays_out() {
    let s = stack();
    let (ann, bob, cat, dan) = (s.new_player().await, s.new_player().await, s.new_player().await, s.new_player().await);
    let group = create(s, &ann, false, 10).await;
    for p in [&bob, &cat, &dan] {
        let r = join(s, p, &group).await;
        assert_eq!((r.status, r.body["role"].as_str()), (StatusCode::CREATED, Some("requested")));
    }
    assert_eq!(join(s, &bob, &group).await.status, StatusCode::OK, "asking twice changes nothing");
    let (_, count) = standings(s, &ann, &group).await;
    assert_eq!(count, 1, "requests are not members");
    let (seen_by_bob, _) = standings(s, &bob, &group).await;
    assert_eq!(seen_by_bob.len(), 1, "only admins see requests: {seen_by_bob:?}");

    act(s, &bob, &group, &cat, "approve").await.assert_problem(403, "forbidden");
    assert_eq!(act(s, &ann, &group, &bob, "approve").await.body["role"], "member");
    assert_eq!(act(s, &ann, &group, &cat, "approve").await.body["role"], "member");
    assert_eq!(act(s, &ann, &group, &bob, "promote").await.body["role"], "admin");
    act(s, &bob, &group, &ann, "kick").await.assert_problem(403, "forbidden");
    act(s, &bob, &group, &cat, "promote").await.assert_problem(403, "forbidden");
    assert_eq!(act(s, &bob, &group, &cat, "kick").await.body["role"], Value::Null, "an admin kicks a member");
    assert_eq!(act(s, &bob, &group, &dan, "ban").await.body["role"], "banned");
    join(s, &dan, &group).await.assert_problem(403, "forbidden");
    act(s, &ann, &group, &dan, "approve").await.assert_problem(422, "not_requested");

    let r = act(s, &ann, &group, &bob, "transferOwnership").await;
    assert_eq!((r.body["role"].as_str(), r.body["yourRole"].as_str()), (Some("owner"), Some("admin")));
    act(s, &bob, &group, &bob, "leave").await.assert_problem(422, "owner_must_transfer");
    let r = act(s, &ann, &group, &ann, "leave").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (members, count) = standings(s, &bob, &group).await;
    assert_eq!(role_of(&members, &bob).as_deref(), Some("owner"));
    assert_eq!(role_of(&members, &dan).as_deref(), Some("banned"), "the owner sees the ban");
    assert_eq!((role_of(&members, &ann), role_of(&members, &cat)), (None, None));
    assert_eq!(count, 1, "ann left and cat was kicked");
    let r = s.get("/groups", Some(&bob.token)).await;
    assert_eq!(r.body["groups"][0]["role"], "owner");
    assert!(s.get("/groups", Some(&ann.token)).await.body["groups"].as_array().unwrap().is_empty());
}

async fn post(s: &Stack, p: &Player, group: &str, text: &str) -> platform_tests::Reply {
    s.post(&format!("/groups/{group}/messages"), Some(&p.token), &json!({ "text": text })).await
}

async fn history(s: &Stack, p: &Player, group: &str) -> Vec<Value> {
    let r = s.get(&format!("/groups/{group}/messages"), Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["messages"].as_array().unwrap().clone()
}

async fn unread(s: &Stack, p: &Player, group: &str) -> u64 {
    let r = s.get("/groups", Some(&p.token)).await;
    let groups = r.body["groups"].as_array().unwrap();
    groups.iter().find(|g| g["groupId"] == group).unwrap()["unread"].as_u64().unwrap()
}

#[tokio::test]
async fn group_chat_keeps_order_counts_unread_and_lets_authors_edit_and_admins_delete() {
    use futures::StreamExt;
    let s = stack();
    let (ann, bob, eve) = (s.new_player().await, s.new_player().await, s.new_player().await);
    let group = create(s, &ann, true, 10).await;
    assert_eq!(join(s, &bob, &group).await.status, StatusCode::CREATED);
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?token={}", s.socket_url, bob.token).as_str()).await.unwrap();

    let texts: Vec<String> = (0..6).map(|i| format!("raid at {i}")).collect();
    for text in &texts {
        assert_eq!(post(s, &ann, &group, text).await.status, StatusCode::CREATED);
    }
    post(s, &eve, &group, "let me in").await.assert_problem(403, "forbidden");
    s.get(&format!("/groups/{group}/messages"), Some(&eve.token)).await.assert_problem(403, "forbidden");

    // Bob's socket gets them in order (a redelivery may repeat one: dedupe by messageId).
    let mut pushed: Vec<String> = Vec::new();
    while pushed.len() < texts.len() {
        let next = tokio::time::timeout(DEADLINE, socket.next()).await.expect("a pushed group message in time");
        let frame: Value = serde_json::from_str(&next.unwrap().unwrap().into_text().unwrap()).unwrap();
        if frame["type"] == "message" && frame["message"]["groupId"] == group.as_str() {
            let text = frame["message"]["text"].as_str().unwrap().to_owned();
            if !pushed.contains(&text) {
                pushed.push(text);
            }
        }
    }
    assert_eq!(pushed, texts);
    assert_eq!(unread(s, &bob, &group).await, 6);
    assert_eq!(unread(s, &ann, &group).await, 0, "your own messages are read");
    let read: Vec<Value> = history(s, &bob, &group).await;
    let newest_first: Vec<&str> = read.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(newest_first, texts.iter().rev().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(unread(s, &bob, &group).await, 0, "reading marks the group read");

    let first = read.last().unwrap()["messageId"].as_str().unwrap().to_owned();
    let path = format!("/groups/{group}/messages/{first}");
    let edit = |p: &Player, text: &str| {
        let body = json!({ "text": text }).to_string();
        let token = p.token.clone();
        let path = path.clone();
        async move { s.call(Method::PATCH, &path, Some(&token), &[], Some(&body)).await }
    };
    edit(&bob, "not mine").await.assert_problem(403, "forbidden");
    let edited = edit(&ann, "raid at 0, sharp").await;
    assert_eq!((edited.body["text"].as_str(), edited.body["editedAt"].is_string()), (Some("raid at 0, sharp"), true));
    s.call(Method::DELETE, &path, Some(&bob.token), &[], None).await.assert_problem(403, "forbidden");
    assert_eq!(act(s, &ann, &group, &bob, "promote").await.status, StatusCode::OK);
    let deleted = s.call(Method::DELETE, &path, Some(&bob.token), &[], None).await;
    assert_eq!((deleted.status, deleted.body["text"].as_str()), (StatusCode::OK, Some("")), "an admin deletes");
    assert!(deleted.body["deletedAt"].is_string());
    edit(&ann, "again").await.assert_problem(409, "message_deleted");
    let after = history(s, &ann, &group).await;
    assert_eq!(after.len(), 6, "a deleted message keeps its place");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await.expect("the deletion pushed in time");
        let frame: Value = serde_json::from_str(&next.unwrap().unwrap().into_text().unwrap()).unwrap();
        if frame["type"] == "messageDeleted" {
            assert_eq!(frame["message"]["messageId"], first.as_str());
            break;
        }
    }
}
