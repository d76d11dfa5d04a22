//! Friends and presence: every transition of a friendship, mutual requests that meet, blocks as
//! the one rule for friends and chat, privacy of friends and presence, and real-time delivery
//! over the WebSocket API through a third-party client (Python `websockets`).

use platform_tests::{eventually, stack, third_party, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

async fn add(s: &Stack, from: &Player, to: &Player) -> platform_tests::Reply {
    s.post(&format!("/friends/{}", to.user_id), Some(&from.token), &json!({})).await
}

async fn remove(s: &Stack, from: &Player, to: &Player) -> platform_tests::Reply {
    s.call(Method::DELETE, &format!("/friends/{}", to.user_id), Some(&from.token), &[], None).await
}

/// The caller's relations as `(userId, state)`, optionally in one state.
async fn relations(s: &Stack, p: &Player, state: Option<&str>) -> Vec<(String, String)> {
    let path = match state {
        Some(state) => format!("/friends?state={state}"),
        None => "/friends".to_owned(),
    };
    let r = s.get(&path, Some(&p.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["friends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["userId"].as_str().unwrap().to_owned(), f["state"].as_str().unwrap().to_owned()))
        .collect()
}

async fn friends_of(s: &Stack, a: &Player, b: &Player) {
    assert_eq!(add(s, a, b).await.status, StatusCode::CREATED);
    let r = add(s, b, a).await;
    assert_eq!((r.status, r.body["transition"].as_str()), (StatusCode::CREATED, Some("accepted")), "{:?}", r.body);
}

async fn set_privacy(s: &Stack, p: &Player, privacy: &str) {
    let r = s
        .call(Method::PATCH, "/account/profile", Some(&p.token), &[], Some(&json!({ "privacy": privacy }).to_string()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn players_adding_each_other_at_the_same_moment_end_as_friends_not_two_requests() {
    let s = stack();
    for _ in 0..5 {
        let (ann, bob) = (s.new_player().await, s.new_player().await);
        let (one, two) = tokio::join!(add(s, &ann, &bob), add(s, &bob, &ann));
        let transitions = [one.body["transition"].as_str().unwrap(), two.body["transition"].as_str().unwrap()];
        assert!(transitions.contains(&"requested") && transitions.contains(&"accepted"), "{transitions:?}");
        assert_eq!(relations(s, &ann, None).await, [(bob.user_id.clone(), "friend".to_owned())]);
        assert_eq!(relations(s, &bob, None).await, [(ann.user_id.clone(), "friend".to_owned())]);
    }
}

#[tokio::test]
async fn a_request_is_declined_cancelled_accepted_and_a_friendship_removed_on_both_sides() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    let r = add(s, &ann, &bob).await;
    assert_eq!((r.status, r.body["state"].as_str()), (StatusCode::CREATED, Some("sent")));
    assert_eq!(add(s, &ann, &bob).await.body["transition"], "unchanged", "asking twice changes nothing");
    assert_eq!(relations(s, &bob, Some("received")).await, [(ann.user_id.clone(), "received".to_owned())]);
    let notified = eventually("bob's friend request notification", DEADLINE, || async {
        bob.notifications(s).await.into_iter().find(|n| n["type"] == "FriendRequestSent")
    })
    .await;
    assert_eq!(notified["title"], format!("{} wants to be your friend", ann.username));

    assert_eq!(remove(s, &bob, &ann).await.body["transition"], "declined");
    assert!(relations(s, &ann, None).await.is_empty(), "a declined request is gone from both sides");
    add(s, &ann, &bob).await;
    assert_eq!(remove(s, &ann, &bob).await.body["transition"], "cancelled");
    assert!(relations(s, &bob, None).await.is_empty());
    friends_of(s, &ann, &bob).await;
    eventually("ann's acceptance notification", DEADLINE, || async {
        ann.notifications(s).await.into_iter().find(|n| n["type"] == "FriendRequestAccepted")
    })
    .await;
    assert_eq!(remove(s, &bob, &ann).await.body["transition"], "removed");
    assert!(relations(s, &ann, None).await.is_empty() && relations(s, &bob, None).await.is_empty());
    remove(s, &bob, &ann).await.assert_problem(404, "no_relation");
    let r = s.post(&format!("/friends/{}", ann.user_id), Some(&ann.token), &json!({})).await;
    r.assert_problem(422, "cannot_befriend_self");
    let stranger = uuid::Uuid::new_v4();
    s.post(&format!("/friends/{stranger}"), Some(&ann.token), &json!({})).await.assert_problem(404, "unknown_user");
    s.get("/friends?state=enemies", Some(&ann.token)).await.assert_problem(400, "validation_failed");
}

#[tokio::test]
async fn blocking_ends_the_friendship_and_stops_requests_and_messages_until_unblocked() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    friends_of(s, &ann, &bob).await;
    let block = |blocked: bool| json!({ "userId": bob.user_id, "blocked": blocked });
    assert_eq!(s.post("/chat/blocks", Some(&ann.token), &block(true)).await.status, StatusCode::OK);
    assert!(relations(s, &bob, None).await.is_empty(), "the block ended the friendship on both sides");
    assert_eq!(relations(s, &ann, Some("blocked")).await, [(bob.user_id.clone(), "blocked".to_owned())]);
    add(s, &bob, &ann).await.assert_problem(403, "forbidden");
    add(s, &ann, &bob).await.assert_problem(409, "blocked_by_you");
    let message = json!({ "recipientId": ann.user_id, "text": "hello?" });
    s.post("/chat/messages", Some(&bob.token), &message).await.assert_problem(403, "forbidden");
    assert!(relations(s, &bob, None).await.is_empty(), "refused requests wrote nothing");

    assert_eq!(s.post("/chat/blocks", Some(&ann.token), &block(false)).await.status, StatusCode::OK);
    assert_eq!(add(s, &bob, &ann).await.status, StatusCode::CREATED, "unblocked: requests pass again");
    assert_eq!(s.post("/chat/messages", Some(&bob.token), &message).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn pending_requests_stop_at_the_cap_and_the_refused_request_writes_nothing() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    // The cap is 100 requests waiting; reaching it through 100 registrations would only slow the
    // suite, so the counter the transaction conditions on is set to it directly.
    let db = s.dynamo().await;
    let app = s.app(db.clone()).await;
    db.put_item()
        .table_name(app.table(platform::Table::FRIENDS).unwrap())
        .item("userId", platform::store::s(format!("counts#{}", ann.user_id)))
        .item("otherUserId", platform::store::s("-"))
        .item("pendingSent", platform::store::n(platform::domain::friends::MAX_PENDING_SENT))
        .send()
        .await
        .unwrap();
    add(s, &ann, &bob).await.assert_problem(422, "too_many_pending_requests");
    assert!(relations(s, &bob, None).await.is_empty());
    // Bob may still ask ann, and her acceptance frees nothing she does not hold.
    friends_of(s, &bob, &ann).await;
}

#[tokio::test]
async fn outsiders_cannot_see_a_private_players_friends_or_presence() {
    let s = stack();
    let (ann, bob, eve) = (s.new_player().await, s.new_player().await, s.new_player().await);
    friends_of(s, &ann, &bob).await;
    let friends_path = format!("/players/{}/friends", ann.user_id);
    let profile_path = format!("/players/{}", ann.user_id);

    let r = s.get(&friends_path, None).await;
    assert_eq!(r.status, StatusCode::OK, "a public player's friends are public");
    assert_eq!(r.body["friends"][0]["userId"], bob.user_id);
    assert_eq!(s.get(&profile_path, Some(&eve.token)).await.body["presence"]["status"], "offline");

    set_privacy(s, &ann, "friends").await;
    s.get(&friends_path, Some(&eve.token)).await.assert_problem(403, "forbidden");
    let seen_by_eve = s.get(&profile_path, Some(&eve.token)).await.body;
    assert_eq!(seen_by_eve, json!({ "userId": ann.user_id }), "no name, no presence for outsiders");
    assert_eq!(s.get(&friends_path, Some(&bob.token)).await.status, StatusCode::OK, "friends see friends-only");
    let seen_by_bob = s.get(&profile_path, Some(&bob.token)).await.body;
    assert_eq!(
        (seen_by_bob["username"].as_str(), seen_by_bob["presence"]["status"].as_str()),
        (Some(ann.username.as_str()), Some("offline"))
    );

    set_privacy(s, &ann, "private").await;
    s.get(&friends_path, Some(&bob.token)).await.assert_problem(403, "forbidden");
    s.get(&friends_path, None).await.assert_problem(403, "forbidden");
    assert_eq!(s.get(&profile_path, Some(&bob.token)).await.body, json!({ "userId": ann.user_id }));
    let listed = s.get("/friends", Some(&bob.token)).await.body;
    assert!(listed["friends"][0].get("presence").is_none(), "a private friend's presence is hidden: {listed}");
    assert_eq!(s.get(&friends_path, Some(&ann.token)).await.status, StatusCode::OK, "the player sees their own");
    // Asking a private player reveals no name: the asker's list shows the id only.
    assert_eq!(add(s, &eve, &ann).await.status, StatusCode::CREATED);
    let asked = s.get("/friends?state=sent", Some(&eve.token)).await.body;
    assert_eq!(asked["friends"][0]["userId"], ann.user_id);
    assert!(asked["friends"][0].get("username").is_none(), "{asked}");
}

/// The presence a player's friends list shows for `friend`.
async fn presence_seen(s: &Stack, p: &Player, friend: &Player) -> Value {
    let r = s.get("/friends?state=friend", Some(&p.token)).await;
    let entries = r.body["friends"].as_array().unwrap().clone();
    entries.into_iter().find(|f| f["userId"] == friend.user_id.as_str()).unwrap()["presence"].clone()
}

#[tokio::test]
async fn presence_follows_the_socket_and_the_status_the_player_sets() {
    use futures::{SinkExt, StreamExt};
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    friends_of(s, &ann, &bob).await;
    assert_eq!(presence_seen(s, &ann, &bob).await, json!({ "status": "offline" }), "never seen");

    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?token={}", s.socket_url, bob.token).as_str()).await.unwrap();
    assert_eq!(presence_seen(s, &ann, &bob).await["status"], "online", "a connection makes a player online");
    let mut answer = async |frame: Value| -> Value {
        socket.send(tokio_tungstenite::tungstenite::Message::text(frame.to_string())).await.unwrap();
        loop {
            let next = tokio::time::timeout(DEADLINE, socket.next()).await.expect("an answer in time");
            let frame: Value = serde_json::from_str(&next.unwrap().unwrap().into_text().unwrap()).unwrap();
            if ["presenceSet", "pong", "error"].contains(&frame["type"].as_str().unwrap_or_default()) {
                return frame;
            }
        }
    };
    assert_eq!(answer(json!({ "action": "ping" })).await["type"], "pong");
    let set = answer(json!({ "action": "setPresence", "status": "away" })).await;
    assert_eq!(set["presence"]["status"], "away", "{set}");
    assert_eq!(presence_seen(s, &ann, &bob).await["status"], "away");
    let not_owned = answer(json!({ "action": "setPresence", "status": "inGame", "gameId": 620 })).await;
    assert_eq!((not_owned["type"].as_str(), not_owned["code"].as_str()), (Some("error"), Some("not_owned")));

    // Over HTTP too, with a game from the library.
    assert_eq!(bob.buy(s, 5_000).await.status, StatusCode::OK);
    let key = uuid::Uuid::new_v4().to_string();
    let r = s.post_keyed("/store/purchase", &bob.token, &key, &json!({ "gameId": 620 })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let body = json!({ "status": "inGame", "gameId": 620 }).to_string();
    let r = s.call(Method::PUT, "/presence", Some(&bob.token), &[], Some(&body)).await;
    assert_eq!(
        r.body["presence"],
        json!({ "status": "inGame", "gameId": 620, "lastSeenAt": r.body["presence"]["lastSeenAt"] })
    );
    assert_eq!(presence_seen(s, &ann, &bob).await["gameId"], 620);

    socket.close(None).await.unwrap();
    let offline = eventually("bob offline after his socket closed", DEADLINE, || async {
        let seen = presence_seen(s, &ann, &bob).await;
        (seen["status"] == "offline").then_some(seen)
    })
    .await;
    assert!(offline["lastSeenAt"].is_string(), "offline shows when last seen: {offline}");
}

#[tokio::test]
async fn two_socket_clients_chat_in_order_and_see_each_other_go_offline_and_a_killed_connection_is_cleaned_up() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    friends_of(s, &ann, &bob).await;
    let seen = tokio::task::spawn_blocking({
        let args = [
            s.socket_url.clone(),
            ann.token.clone(),
            "social".to_owned(),
            bob.token.clone(),
            s.base_url.clone(),
            ann.user_id.clone(),
            bob.user_id.clone(),
        ];
        move || third_party("socket_client.py", &args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    let texts: Vec<String> = (0..5).map(|i| format!("in order {i}")).collect();
    assert_eq!(seen["received"], json!(texts), "pushed in the order sent: {seen}");
    assert_eq!(seen["offline"]["presence"]["status"], "offline");
    assert_eq!(seen["offlineAfterKill"]["presence"]["status"], "offline");

    // The killed connection is gone from the table, and the next message reaches HTTP history.
    let app = s.app(s.dynamo().await).await;
    assert!(platform::store::connections::of_player(&app, &bob.user_id).await.unwrap().is_empty());
    let r = s
        .post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "still there?" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    eventually("the message in bob's history", DEADLINE, || async {
        let r = s.get(&format!("/chat/conversations/{}/messages", ann.user_id), Some(&bob.token)).await;
        (r.body["messages"][0]["text"] == "still there?").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_push_to_a_connection_the_gateway_lost_forgets_it_and_the_message_stays_in_history() {
    let s = stack();
    let (ann, bob) = (s.new_player().await, s.new_player().await);
    // A connection record whose socket is gone without `$disconnect` (as after a gateway fault).
    let db = s.dynamo().await;
    let app = s.app(db.clone()).await;
    let lost = format!("lost{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let opened = platform::clock::now_secs() - 60;
    db.put_item()
        .table_name(app.table(platform::Table::CONNECTIONS).unwrap())
        .item("connectionId", platform::store::s(&lost))
        .item("userId", platform::store::s(&bob.user_id))
        .item("connectedAtEpoch", platform::store::n(opened))
        .item("authorizedUntil", platform::store::n(opened + 900))
        .item("expiresAt", platform::store::n(opened + 7_800))
        .send()
        .await
        .unwrap();
    platform::store::presence::connected(&app, &bob.user_id, &lost).await.unwrap();
    assert_eq!(platform::store::connections::of_player(&app, &bob.user_id).await.unwrap(), vec![lost.clone()]);

    let r = s.post("/chat/messages", Some(&ann.token), &json!({ "recipientId": bob.user_id, "text": "anyone?" })).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Forgetting deletes the connection, then takes the device off the presence: two writes, so
    // wait for both.
    eventually("the lost connection forgotten by the push and bob's presence offline", DEADLINE, || async {
        let gone = platform::store::connections::of_player(&app, &bob.user_id).await.unwrap().is_empty();
        let presence = platform::store::presence::get(&app, &bob.user_id).await.unwrap().unwrap();
        (gone && !presence.connected).then_some(())
    })
    .await;
    let r = s.get(&format!("/chat/conversations/{}/messages", ann.user_id), Some(&bob.token)).await;
    assert_eq!(r.body["messages"][0]["text"], "anyone?", "the message is in history");
}
