//! Lobbies and matchmaking: a queue forms lobbies of its size in arrival order and never matches
//! a player twice, a ticket times out, a lobby fills, readies, starts (a `MatchStarted` event for
//! game servers) and chats, and the socket enters and leaves the queue.

use futures::{SinkExt, StreamExt};
use platform_tests::{eventually, stack, Player, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Counter-Strike: Global Offensive is free in the catalog: owning it moves no gems.
const GAME: u32 = 730;
const DEADLINE: Duration = Duration::from_secs(30);

async fn owner_of_game(s: &Stack) -> Player {
    let p = s.new_player().await;
    let key = uuid::Uuid::new_v4().to_string();
    let r = s.post_keyed("/store/purchase", &p.token, &key, &json!({ "gameId": GAME })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    p
}

/// A mode of its own, so runs and tests never share a queue.
fn fresh_mode() -> String {
    format!("m-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

async fn enter(s: &Stack, p: &Player, mode: &str, size: u32, timeout: Option<u64>) -> platform_tests::Reply {
    let mut body = json!({ "gameId": GAME, "mode": mode, "size": size });
    if let Some(secs) = timeout {
        body["timeoutSecs"] = json!(secs);
    }
    s.post("/matchmaking/tickets", Some(&p.token), &body).await
}

async fn ticket(s: &Stack, p: &Player) -> Value {
    s.get("/matchmaking/tickets", Some(&p.token)).await.body
}

#[tokio::test]
async fn twelve_players_queued_for_a_mode_of_four_form_exactly_three_lobbies_and_none_is_matched_twice() {
    let s = stack();
    let players = futures::future::join_all((0..12).map(|_| owner_of_game(s))).await;
    let mode = fresh_mode();
    let answers = futures::future::join_all(players.iter().map(|p| enter(s, p, &mode, 4, None))).await;
    for r in &answers {
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let mut lobbies: HashMap<String, HashSet<String>> = HashMap::new();
    for p in &players {
        let status = ticket(s, p).await;
        assert_eq!(status["status"], "matched", "{status}");
        lobbies.entry(status["lobby"]["lobbyId"].as_str().unwrap().to_owned()).or_default().insert(p.user_id.clone());
    }
    assert_eq!(lobbies.len(), 3, "{lobbies:?}");
    assert!(lobbies.values().all(|players| players.len() == 4));
    for (lobby_id, members) in &lobbies {
        let r = s.get(&format!("/lobbies/{lobby_id}"), Some(&players[0].token)).await;
        let seated: HashSet<String> =
            r.body["players"].as_array().unwrap().iter().map(|p| p["userId"].as_str().unwrap().to_owned()).collect();
        assert_eq!(&seated, members, "each lobby seats exactly its matched players");
        assert_eq!((r.body["visibility"].as_str(), r.body["playerCount"].as_u64()), (Some("matchmade"), Some(4)));
    }
    // In a lobby, a player cannot queue (or be matched) again.
    enter(s, &players[0], &mode, 4, None).await.assert_problem(409, "already_in_lobby");
}

#[tokio::test]
async fn a_ticket_that_times_out_leaves_the_queue_and_is_not_matched() {
    let s = stack();
    let (late, next, third) = (owner_of_game(s).await, owner_of_game(s).await, owner_of_game(s).await);
    let mode = fresh_mode();
    assert_eq!(enter(s, &late, &mode, 2, Some(5)).await.body["status"], "queued");
    eventually("the ticket to time out", DEADLINE, || async {
        (ticket(s, &late).await["status"] == "timedOut").then_some(())
    })
    .await;
    assert_eq!(enter(s, &next, &mode, 2, None).await.body["status"], "queued", "the timed-out ticket is not matched");
    assert_eq!(ticket(s, &late).await["status"], "timedOut");
    let r = enter(s, &third, &mode, 2, None).await;
    assert_eq!(r.body["status"], "matched", "{:?}", r.body);
    let players: HashSet<&str> = r.body["players"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(players, HashSet::from([next.user_id.as_str(), third.user_id.as_str()]));

    // Leaving: a queued ticket is removed; nothing is left to leave twice.
    let mode = fresh_mode();
    assert_eq!(enter(s, &late, &mode, 2, None).await.body["status"], "queued", "a timed-out player may queue again");
    let left = s.call(Method::DELETE, "/matchmaking/tickets", Some(&late.token), &[], None).await;
    assert_eq!(left.body["status"], "left", "{:?}", left.body);
    s.call(Method::DELETE, "/matchmaking/tickets", Some(&late.token), &[], None).await.assert_problem(404, "no_ticket");
}

#[tokio::test]
async fn a_lobby_fills_readies_starts_a_match_game_servers_receive_and_chats() {
    let s = stack();
    let (host, guest, late) = (owner_of_game(s).await, owner_of_game(s).await, owner_of_game(s).await);
    let stranger = s.new_player().await;
    let body = json!({ "gameId": GAME, "mode": fresh_mode(), "size": 2, "visibility": "public" });
    let r = s.post("/lobbies", Some(&host.token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let lobby = r.body["lobbyId"].as_str().unwrap().to_owned();
    let listed = s.get(&format!("/lobbies?gameId={GAME}"), Some(&guest.token)).await.body;
    assert!(
        listed["lobbies"].as_array().unwrap().iter().any(|l| l["lobbyId"] == lobby.as_str()),
        "public lobbies are listed"
    );

    let join = async |p: &Player| s.post(&format!("/lobbies/{lobby}/join"), Some(&p.token), &json!({})).await;
    join(&stranger).await.assert_problem(422, "not_owned");
    assert_eq!(join(&guest).await.status, StatusCode::CREATED);
    assert_eq!(join(&guest).await.status, StatusCode::OK, "joining twice changes nothing");
    join(&late).await.assert_problem(409, "lobby_full");

    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?token={}", s.socket_url, host.token).as_str()).await.unwrap();
    let r = s.post(&format!("/lobbies/{lobby}/messages"), Some(&guest.token), &json!({ "text": "glhf" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next()).await.expect("the lobby message pushed in time");
        let frame: Value = serde_json::from_str(&next.unwrap().unwrap().into_text().unwrap()).unwrap();
        if frame["type"] == "lobbyMessage" {
            assert_eq!(
                (frame["lobbyId"].as_str(), frame["message"]["text"].as_str()),
                (Some(lobby.as_str()), Some("glhf"))
            );
            break;
        }
    }
    socket.close(None).await.ok();
    let seen = s.get(&format!("/lobbies/{lobby}"), Some(&host.token)).await.body;
    assert_eq!(seen["messages"][0]["text"], "glhf");

    let start = async || s.post(&format!("/lobbies/{lobby}/start"), Some(&host.token), &json!({})).await;
    start().await.assert_problem(422, "players_not_ready");
    for p in [&host, &guest] {
        let r = s.post(&format!("/lobbies/{lobby}/ready"), Some(&p.token), &json!({ "ready": true })).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    s.post(&format!("/lobbies/{lobby}/start"), Some(&guest.token), &json!({})).await.assert_problem(403, "forbidden");
    let r = start().await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("started")), "{:?}", r.body);
    start().await.assert_problem(409, "lobby_not_open");
    let leave = s.post(&format!("/lobbies/{lobby}/leave"), Some(&guest.token), &json!({})).await;
    leave.assert_problem(409, "lobby_not_open");

    // Game servers read MatchStarted from MatchStartsQueue.
    let sqs = s.sqs().await;
    let queue = s.queue_url("MatchStartsQueue").await;
    let event: Value = eventually("MatchStarted in MatchStartsQueue", DEADLINE, || async {
        let out = sqs.receive_message().queue_url(&queue).max_number_of_messages(10).send().await.ok()?;
        out.messages()
            .iter()
            .filter_map(|m| serde_json::from_str::<Value>(m.body()?).ok())
            .find(|e| e["detail-type"] == "MatchStarted" && e["detail"]["lobbyId"] == lobby.as_str())
    })
    .await;
    let players: HashSet<&str> =
        event["detail"]["players"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(players, HashSet::from([host.user_id.as_str(), guest.user_id.as_str()]));
    assert_eq!(event["detail"]["gameId"], GAME);
    // The match started: its players are free to queue again.
    assert_eq!(enter(s, &guest, &fresh_mode(), 2, None).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn an_invite_only_lobby_needs_its_code_and_closes_when_its_host_leaves() {
    let s = stack();
    let (host, friend) = (owner_of_game(s).await, owner_of_game(s).await);
    let body = json!({ "gameId": GAME, "size": 4, "visibility": "inviteOnly" });
    let created = s.post("/lobbies", Some(&host.token), &body).await.body;
    let (lobby, code) = (created["lobbyId"].as_str().unwrap(), created["joinCode"].as_str().unwrap());
    let path = format!("/lobbies/{lobby}/join");
    s.post(&path, Some(&friend.token), &json!({})).await.assert_problem(403, "forbidden");
    assert!(s.get(&format!("/lobbies/{lobby}"), Some(&friend.token)).await.body.get("joinCode").is_none());
    assert_eq!(s.post(&path, Some(&friend.token), &json!({ "joinCode": code })).await.status, StatusCode::CREATED);
    let r = s.post("/lobbies", Some(&friend.token), &body).await;
    r.assert_problem(409, "already_in_lobby");

    let left = s.post(&format!("/lobbies/{lobby}/leave"), Some(&host.token), &json!({})).await;
    assert_eq!(left.body["closed"], true, "{:?}", left.body);
    assert_eq!(s.get(&format!("/lobbies/{lobby}"), Some(&friend.token)).await.body["status"], "closed");
    assert_eq!(
        s.post("/lobbies", Some(&friend.token), &body).await.status,
        StatusCode::CREATED,
        "closing freed everyone"
    );
}

#[tokio::test]
async fn the_socket_enters_and_leaves_matchmaking_and_hears_when_it_is_matched() {
    let s = stack();
    let (a, b) = (owner_of_game(s).await, owner_of_game(s).await);
    let (socket, _) =
        tokio_tungstenite::connect_async(format!("{}/?token={}", s.socket_url, a.token).as_str()).await.unwrap();
    let (mut sink, mut frames) = socket.split();
    let mut next_of = async |wanted: &[&str]| -> Value {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(deadline, frames.next()).await.expect("a frame in time");
            let frame: Value = serde_json::from_str(&next.unwrap().unwrap().into_text().unwrap()).unwrap();
            if wanted.contains(&frame["type"].as_str().unwrap_or_default()) {
                return frame;
            }
        }
    };
    let text = |frame: Value| tokio_tungstenite::tungstenite::Message::text(frame.to_string());
    let mode = fresh_mode();
    let enter_frame = json!({ "action": "enterMatchmaking", "gameId": GAME, "mode": mode, "size": 2 });
    sink.send(text(enter_frame.clone())).await.unwrap();
    let queued = next_of(&["ticket", "error"]).await;
    assert_eq!(queued["status"], "queued", "{queued}");
    sink.send(text(json!({ "action": "leaveMatchmaking" }))).await.unwrap();
    assert_eq!(next_of(&["ticketLeft", "error"]).await["status"], "left");
    assert_eq!(s.get("/matchmaking/tickets", Some(&a.token)).await.status, StatusCode::NOT_FOUND);

    sink.send(text(enter_frame)).await.unwrap();
    assert_eq!(next_of(&["ticket", "error"]).await["status"], "queued");
    let r = enter(s, &b, &mode, 2, None).await;
    assert_eq!(r.body["status"], "matched", "{:?}", r.body);
    let matched = next_of(&["matched"]).await;
    assert_eq!(matched["lobby"]["lobbyId"], r.body["lobby"]["lobbyId"], "the socket hears of its match");
}
