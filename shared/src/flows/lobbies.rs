//! Lobbies and matchmaking. Every change is one transaction conditioned on what the flow read:
//! the player's lock (one lobby or ticket at a time), the seat, the lobby's count and status. A
//! queue forms lobbies from its oldest live tickets, moving each ticket's lock to the new lobby in
//! the same transaction, so a ticket is matched once or not at all. Players hear of changes over
//! their sockets; a started match is a `MatchStarted` event on the bus for game servers.

use super::transaction::{retry_moved, RELATION_MOVED};
use super::{Step, Transaction, Verdict};
use crate::app::App;
use crate::domain::lobbies::{ensure_startable, matches, Visibility, LOBBY_LIFETIME_SECS};
use crate::error::ApiError;
use crate::outbox;
use crate::store::lobbies::{self, Holding, Lobby, Ticket};
use serde_json::{json, Value};

const ATTEMPTS: u32 = 20;

fn unknown(lobby_id: &str) -> ApiError {
    ApiError::NotFound { code: "unknown_lobby", what: format!("lobby {lobby_id}") }
}

fn join_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..6).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn new_lobby(game_id: u32, mode: &str, host: &str, size: u32, visibility: Visibility, players: u32) -> Lobby {
    Lobby {
        lobby_id: crate::store::new_id(),
        game_id,
        mode: mode.to_owned(),
        host_id: host.to_owned(),
        size,
        visibility: visibility.as_str().to_owned(),
        status: "open".to_owned(),
        player_count: players,
        join_code: (visibility == Visibility::InviteOnly).then(join_code),
        created_at: crate::clock::now_rfc3339(),
        expires_at: crate::clock::now_secs() + LOBBY_LIFETIME_SECS,
    }
}

pub async fn create(
    app: &App,
    host: &str,
    game_id: u32,
    mode: &str,
    size: u32,
    visibility: Visibility,
) -> Result<Lobby, ApiError> {
    let lobby = new_lobby(game_id, mode, host, size, visibility, 1);
    let holding = Holding::Lobby(lobby.lobby_id.clone());
    let mut tx = Transaction::new();
    tx.add(Step::PlayerLock, lobbies::take_lock(app, host, &holding, lobby.expires_at)?)
        .add(Step::LobbyMeta, lobbies::put_lobby(app, &lobby)?)
        .add(Step::LobbySeat, lobbies::put_seat(app, &lobby.lobby_id, host)?);
    tx.commit(&app.db).await?;
    Ok(lobby)
}

/// Whether a join changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    Joined,
    AlreadyIn,
}

pub async fn join(app: &App, lobby_id: &str, player: &str, code: Option<&str>) -> Result<(Joined, Lobby), ApiError> {
    retry_moved(ATTEMPTS, "the lobby", || async {
        let (lobby, lock) =
            tokio::try_join!(lobbies::get(app, lobby_id), lobbies::lock(app, player)).map_err(Verdict::Failed)?;
        let lobby = lobby.ok_or_else(|| Verdict::Refused(unknown(lobby_id)))?;
        if lobby.status != "open" {
            return Err(Verdict::Refused(not_open(&lobby)));
        }
        let now = crate::clock::now_secs();
        if lock.as_ref().is_some_and(|(h, until)| *h == Holding::Lobby(lobby_id.to_owned()) && *until > now) {
            return Ok((Joined::AlreadyIn, lobby));
        }
        match Visibility::parse(&lobby.visibility) {
            Some(Visibility::Matchmade) => {
                return Err(Verdict::Refused(ApiError::Forbidden("a matchmade lobby takes only the players matched")))
            }
            Some(Visibility::InviteOnly) if lobby.join_code.as_deref() != code => {
                return Err(Verdict::Refused(ApiError::Forbidden("this lobby is invite-only: its join code is needed")))
            }
            _ => {}
        }
        let holding = Holding::Lobby(lobby_id.to_owned());
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            tx.add(Step::PlayerLock, lobbies::take_lock(app, player, &holding, lobby.expires_at)?)
                .add(Step::LobbySeat, lobbies::put_seat(app, lobby_id, player)?)
                .add(Step::LobbySlot, lobbies::count(app, lobby_id, 1)?);
            Ok(tx)
        };
        built().map_err(Verdict::Failed)?.commit(&app.db).await.map(|()| (Joined::Joined, lobby.clone()))
    })
    .await
}

/// What leaving did: left, or (the host leaving) closed the lobby for everyone in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    Left,
    Closed { players: Vec<String> },
}

pub async fn leave(app: &App, lobby_id: &str, player: &str) -> Result<Left, ApiError> {
    retry_moved(ATTEMPTS, "the lobby", || async {
        let (lobby, seats) =
            tokio::try_join!(lobbies::get(app, lobby_id), lobbies::players(app, lobby_id)).map_err(Verdict::Failed)?;
        let lobby = lobby.ok_or_else(|| Verdict::Refused(unknown(lobby_id)))?;
        if lobby.status != "open" {
            return Err(Verdict::Refused(not_open(&lobby)));
        }
        if !seats.iter().any(|seat| seat.user_id == player) {
            return Err(Verdict::Refused(ApiError::NotFound {
                code: "not_in_lobby",
                what: format!("you in lobby {lobby_id}"),
            }));
        }
        let holding = Holding::Lobby(lobby_id.to_owned());
        let closing = lobby.host_id == player;
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            if closing {
                tx.add(Step::LobbyEnd, lobbies::end(app, lobby_id, "closed", seats.len())?);
                for seat in &seats {
                    tx.add(Step::LobbySeat, lobbies::delete_seat(app, lobby_id, &seat.user_id)?)
                        .add(Step::LockMove, lobbies::release_lock(app, &seat.user_id, &holding)?);
                }
            } else {
                tx.add(Step::LobbySeat, lobbies::delete_seat(app, lobby_id, player)?)
                    .add(Step::LockMove, lobbies::release_lock(app, player, &holding)?)
                    .add(Step::LobbySlot, lobbies::count(app, lobby_id, -1)?);
            }
            Ok(tx)
        };
        built().map_err(Verdict::Failed)?.commit(&app.db).await?;
        Ok(match closing {
            true => Left::Closed { players: seats.iter().map(|s| s.user_id.clone()).collect() },
            false => Left::Left,
        })
    })
    .await
}

/// The host starts the match: the lobby is `started`, every player's lock is released (they may
/// queue again after the match), and a `MatchStarted` event names the players.
pub async fn start(app: &App, lobby_id: &str, player: &str) -> Result<(Lobby, Vec<String>), ApiError> {
    retry_moved(ATTEMPTS, "the lobby", || async {
        let (lobby, seats) = tokio::try_join!(lobbies::get(app, lobby_id), lobbies::players(app, lobby_id))
            .map_err(Verdict::Failed)?;
        let lobby = lobby.ok_or_else(|| Verdict::Refused(unknown(lobby_id)))?;
        if lobby.status != "open" {
            return Err(Verdict::Refused(not_open(&lobby)));
        }
        let ready: Vec<(String, bool)> = seats.iter().map(|s| (s.user_id.clone(), s.ready)).collect();
        ensure_startable(lobby.host_id == player, &ready).map_err(Verdict::Refused)?;
        let players: Vec<String> = seats.iter().map(|s| s.user_id.clone()).collect();
        let holding = Holding::Lobby(lobby_id.to_owned());
        let event = outbox::Entry::event(
            "MatchStarted",
            player,
            json!({ "lobbyId": lobby_id, "gameId": lobby.game_id, "mode": lobby.mode, "hostId": lobby.host_id, "players": players }),
        );
        let built = || -> Result<Transaction, ApiError> {
            let mut tx = Transaction::new();
            tx.add(Step::LobbyEnd, lobbies::end(app, lobby_id, "started", seats.len())?);
            for seat in &seats {
                tx.add(Step::PlayersReady, lobbies::is_ready(app, lobby_id, &seat.user_id)?)
                    .add(Step::LockMove, lobbies::release_lock(app, &seat.user_id, &holding)?);
            }
            tx.add(Step::OutboxEntry, event.put(app)?);
            Ok(tx)
        };
        built().map_err(Verdict::Failed)?.commit(&app.db).await?;
        Ok((Lobby { status: "started".into(), ..lobby }, players.clone()))
    })
    .await
}

pub fn not_open(lobby: &Lobby) -> ApiError {
    ApiError::Conflict { code: "lobby_not_open", detail: format!("the lobby is {}", lobby.status) }
}

/// Enters a matchmaking queue, then forms whatever lobbies the queue can. Returns the ticket and
/// the lobbies formed (the caller's own among them if it was matched at once).
pub async fn enter_queue(
    app: &App,
    player: &str,
    queue: String,
    timeout_secs: u64,
) -> Result<(Ticket, Vec<(Lobby, Vec<String>)>), ApiError> {
    let ticket = Ticket::new(queue, player, timeout_secs);
    let mut tx = Transaction::new();
    tx.add(Step::PlayerLock, lobbies::take_lock(app, player, &ticket.holding(), ticket.expires_at)?)
        .add(Step::Ticket, lobbies::put_ticket(app, &ticket)?);
    tx.commit(&app.db).await?;
    let formed = form(app, &ticket.queue).await?;
    Ok((ticket, formed))
}

/// Leaves the queue; `None` if the player holds no ticket (never queued, timed out, or matched).
pub async fn leave_queue(app: &App, player: &str) -> Result<Option<Ticket>, ApiError> {
    let now = crate::clock::now_secs();
    let Some((Holding::Ticket { queue, order }, until)) = lobbies::lock(app, player).await? else { return Ok(None) };
    let ticket = Ticket { queue, order, user_id: player.to_owned(), expires_at: until };
    let mut tx = Transaction::new();
    tx.add(Step::LockMove, lobbies::release_lock(app, player, &ticket.holding())?)
        .add(Step::Ticket, lobbies::delete_ticket(app, &ticket.queue, &ticket.order)?);
    match tx.commit(&app.db).await {
        Ok(()) => Ok((until > now).then_some(ticket)),
        // Matched (or removed) meanwhile: nothing left to leave.
        Err(Verdict::Refused(ApiError::Conflict { code: RELATION_MOVED, .. })) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// `queue#<gameId>#<mode>#<size>`'s parts.
fn queue_parts(queue: &str) -> Option<(u32, String, u32)> {
    let mut parts = queue.strip_prefix("queue#")?.split('#');
    Some((parts.next()?.parse().ok()?, parts.next()?.to_owned(), parts.next()?.parse().ok()?))
}

/// Forms lobbies from a queue's oldest live tickets while it has enough: each lobby, its seats,
/// the removal of its tickets and the move of its players' locks are one transaction, so a
/// ticket another former took first cancels it and the queue is read again.
pub async fn form(app: &App, queue: &str) -> Result<Vec<(Lobby, Vec<String>)>, ApiError> {
    let (game_id, mode, size) = queue_parts(queue).ok_or_else(|| ApiError::internal(format!("bad queue {queue}")))?;
    let mut formed = Vec::new();
    for round in 0..ATTEMPTS {
        let mut waiting = lobbies::waiting(app, queue, 4 * size as usize).await?;
        // A player's lock names one ticket; an older one of theirs still live on another clock is
        // left out (keeping both would write their seat twice in one transaction).
        let newest: std::collections::HashMap<String, String> =
            waiting.iter().map(|t| (t.user_id.clone(), t.order.clone())).collect();
        waiting.retain(|t| newest.get(&t.user_id) == Some(&t.order));
        let Some(group) = matches(&waiting, size as usize).into_iter().next() else { return Ok(formed) };
        let lobby = new_lobby(game_id, &mode, &group[0].user_id, size, Visibility::Matchmade, size);
        let holding = Holding::Lobby(lobby.lobby_id.clone());
        let mut tx = Transaction::new();
        tx.add(Step::LobbyMeta, lobbies::put_lobby(app, &lobby)?);
        for ticket in &group {
            tx.add(Step::Ticket, lobbies::delete_ticket(app, queue, &ticket.order)?)
                .add(
                    Step::LockMove,
                    lobbies::move_lock(app, &ticket.user_id, &ticket.holding(), &holding, lobby.expires_at)?,
                )
                .add(Step::LobbySeat, lobbies::put_seat(app, &lobby.lobby_id, &ticket.user_id)?);
        }
        match tx.commit(&app.db).await {
            Ok(()) => {
                let players = group.iter().map(|t| t.user_id.clone()).collect();
                formed.push((lobby, players));
            }
            Err(Verdict::Refused(ApiError::Conflict { code: RELATION_MOVED, .. })) => {
                crate::store::backoff(round.min(5)).await
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(formed)
}

/// A lobby as its players see it (with its join code) or as others do.
pub fn view(lobby: &Lobby, seats: &[lobbies::Seat], member: bool) -> Value {
    let mut body = json!(lobby);
    if !member {
        body.as_object_mut().map(|o| o.remove("joinCode"));
    }
    body["players"] = json!(seats);
    body
}

/// Pushes `frame` to every open socket of `players` (best effort).
pub async fn announce(app: &App, players: &[String], frame: &Value) {
    let found = futures::future::join_all(players.iter().map(|p| crate::store::connections::of_player(app, p))).await;
    let listening: Vec<String> = found.into_iter().filter_map(Result::ok).flatten().collect();
    if !listening.is_empty() {
        crate::sockets::push_each(app, &listening, frame).await;
    }
}

/// Tells each lobby formed by matchmaking to its players.
pub async fn announce_matches(app: &App, formed: &[(Lobby, Vec<String>)]) {
    for (lobby, players) in formed {
        let frame = json!({ "type": "matched", "lobby": lobby, "players": players });
        announce(app, players, &frame).await;
    }
}

/// A lobby's chat conversation id.
pub fn conversation(lobby_id: &str) -> String {
    format!("lobby#{lobby_id}")
}

/// A lobby player's chat message, stored in the lobby's conversation. Returns it and the lobby's
/// players (to push it to).
pub async fn say(
    app: &App,
    lobby_id: &str,
    player: &str,
    text: &str,
) -> Result<(crate::store::chat::Message, Vec<String>), ApiError> {
    let players: Vec<String> = lobbies::players(app, lobby_id).await?.into_iter().map(|s| s.user_id).collect();
    if !players.iter().any(|p| p == player) {
        return Err(ApiError::Forbidden("only the lobby's players chat in it"));
    }
    let message = crate::store::chat::Message {
        message_id: crate::store::new_id(),
        conversation_id: conversation(lobby_id),
        sender_id: player.to_owned(),
        recipient_id: String::new(),
        group_id: None,
        text: text.to_owned(),
        sent_at: crate::clock::now_rfc3339(),
    };
    let mut tx = Transaction::new();
    tx.add(Step::Message, crate::store::chat::put_message(app, &message)?);
    tx.commit(&app.db).await?;
    Ok((message, players))
}

/// A queue's key as clients see it.
pub fn queue_view(queue: &str) -> Value {
    match queue_parts(queue) {
        Some((game_id, mode, size)) => json!({ "gameId": game_id, "mode": mode, "size": size }),
        None => json!({}),
    }
}

/// Validates and enters a queue (HTTP and socket alike), tells the matched players, and answers
/// the caller's ticket: `matched` with its lobby if it was matched at once, else `queued`.
pub async fn queue_up(
    app: &App,
    player: &str,
    game_id: u32,
    mode: &str,
    size: u32,
    timeout_secs: Option<u64>,
) -> Result<Value, ApiError> {
    use crate::domain::lobbies as rules;
    let (mode, size, timeout) = (rules::mode(mode)?, rules::size(size)?, rules::ticket_secs(timeout_secs)?);
    crate::store::orders::ensure_owned(app, player, game_id).await?;
    let (ticket, formed) = enter_queue(app, player, lobbies::queue_key(game_id, &mode, size), timeout).await?;
    announce_matches(app, &formed).await;
    let mine = formed.iter().find(|(_, players)| players.iter().any(|p| p == player));
    Ok(match mine {
        Some((lobby, players)) => json!({ "status": "matched", "lobby": lobby, "players": players }),
        None => json!({
            "status": "queued",
            "queue": queue_view(&ticket.queue),
            "expiresAt": crate::clock::rfc3339(ticket.expires_at),
        }),
    })
}

/// The caller's ticket as `GET /matchmaking/tickets` shows it; `None` when there is none.
pub async fn ticket_status(app: &App, player: &str) -> Result<Option<Value>, ApiError> {
    let now = crate::clock::now_secs();
    Ok(match lobbies::lock(app, player).await? {
        Some((Holding::Ticket { queue, .. }, until)) if until > now => Some(json!({
            "status": "queued",
            "queue": queue_view(&queue),
            "expiresAt": crate::clock::rfc3339(until),
        })),
        Some((Holding::Ticket { queue, .. }, until)) => Some(json!({
            "status": "timedOut",
            "queue": queue_view(&queue),
            "expiresAt": crate::clock::rfc3339(until),
        })),
        Some((Holding::Lobby(lobby_id), until)) if until > now => {
            let lobby = lobbies::get(app, &lobby_id).await?;
            let matched = lobby.as_ref().is_some_and(|l| l.visibility == Visibility::Matchmade.as_str());
            Some(json!({ "status": if matched { "matched" } else { "inLobby" }, "lobby": lobby }))
        }
        _ => None,
    })
}
