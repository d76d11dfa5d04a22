//! The clients: players move money (buy gems, pull x1 and x10, buy games) and chat, each request
//! with its own Idempotency-Key, retried with the same key and body until it gets an answer that
//! decides it. Some requests are sent twice at once, as a double tap or a retry racing a slow
//! first attempt. Every answer is kept for the checker.

use platform_tests::{Player, Stack};
use rand::Rng;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Buy,
    Pull1,
    Pull10,
    Purchase,
}

impl Kind {
    pub fn path(self) -> &'static str {
        match self {
            Kind::Buy => "/account/buy-currency",
            Kind::Pull1 | Kind::Pull10 => "/gacha/pull",
            Kind::Purchase => "/store/purchase",
        }
    }

    /// The notification its success produces.
    pub fn notification(self) -> &'static str {
        match self {
            Kind::Buy => "CurrencyPurchased",
            Kind::Pull1 | Kind::Pull10 => "PullCompleted",
            Kind::Purchase => "GamePurchased",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Buy => "buy gems",
            Kind::Pull1 => "pull x1",
            Kind::Pull10 => "pull x10",
            Kind::Purchase => "buy a game",
        }
    }
}

/// What the answers to one Idempotency-Key were.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Every success answer received (copies and retries included).
    pub successes: Vec<Value>,
    /// Problem codes of the answers that refused it (insufficient funds, owned game, ...).
    pub refusals: Vec<String>,
    /// Requests sent beyond the first.
    pub retries: u32,
}

/// One operation as its client lived it.
#[derive(Debug, Clone)]
pub struct Op {
    pub player: usize,
    pub kind: Kind,
    pub key: String,
    pub body: Value,
    pub answers: Answers,
}

impl Op {
    pub fn succeeded(&self) -> Option<&Value> {
        self.answers.successes.first()
    }

    /// The id its success answer gives the money movement (what the ledger entry references).
    pub fn reference(answer: &Value, kind: Kind) -> Option<String> {
        let id = match kind {
            Kind::Buy => &answer["chargeId"],
            Kind::Pull1 | Kind::Pull10 => &answer["pullIds"][0],
            Kind::Purchase => &answer["orderId"],
        };
        id.as_str().map(str::to_owned)
    }

    /// Gems it moved, signed, from its answer.
    pub fn delta(&self) -> i64 {
        let Some(answer) = self.succeeded() else { return 0 };
        match self.kind {
            Kind::Buy => answer["amount"].as_i64().unwrap_or_default(),
            Kind::Pull1 | Kind::Pull10 => -answer["currencySpent"].as_i64().unwrap_or_default(),
            Kind::Purchase => -answer["priceGems"].as_i64().unwrap_or_default(),
        }
    }
}

/// A chat message as its sender lived it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub text: String,
    pub message_ids: Vec<String>,
    pub retries: u32,
}

pub struct Settings {
    pub players: usize,
    pub clients_per_player: usize,
    /// How long clients keep starting operations.
    pub run_for: Duration,
    /// Share of operations whose first attempt is sent twice at once.
    pub double_taps: f64,
    /// Operation mix: buy, pull x1, pull x10, game purchase (weights).
    pub mix: [u32; 4],
    /// Whether a pair of players chats during the run.
    pub chat: bool,
    /// Gems each player buys before the clients start (0: none), recorded as an operation.
    pub opening_gems: u64,
}

/// Who plays, set up before any fault fires.
pub struct Cast {
    pub players: Vec<Player>,
    /// Sender and recipient of the chat, if the run chats.
    pub chat: Option<(Player, Player)>,
    pub games: Vec<u64>,
}

/// What the clients did.
pub struct History {
    pub players: Vec<Player>,
    pub ops: Vec<Op>,
    pub chat: Option<(Player, Player, Vec<Sent>)>,
    /// Operations still unanswered at the hard deadline (a violation: the platform stopped answering).
    pub unanswered: usize,
}

enum Answer {
    /// 2xx: the body.
    Done(Value),
    /// A refusal that decides the operation: its problem code.
    Refused(String),
    /// No decision yet (a cut connection, a timeout, a 5xx, a 429, a key still in progress).
    Retry,
}

/// The clients' own timeout: shorter than a slow dependency can make a request, so a retry can
/// race its own first attempt, as impatient clients do.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long after the run clients keep retrying to get their answers.
const ANSWER_DEADLINE: Duration = Duration::from_secs(120);

async fn send(s: &Stack, token: &str, path: &str, key: &str, body: &Value) -> Answer {
    let sent = platform_tests::http()
        .post(format!("{}{path}", s.base_url))
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .json(body)
        .timeout(CLIENT_TIMEOUT)
        .send()
        .await;
    let Ok(response) = sent else { return Answer::Retry };
    let status = response.status().as_u16();
    let Ok(body) = response.json::<Value>().await else { return Answer::Retry };
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    match status {
        200..=299 => Answer::Done(body),
        // Tokens last 15 minutes: a run longer than that would need to refresh them.
        401 => panic!("the player's token was refused: {body}"),
        409 if code == "idempotency_in_progress" => Answer::Retry,
        429 | 500.. => Answer::Retry,
        // API Gateway's own answers (a killed function, a timeout) carry no problem code.
        _ if code.is_empty() => Answer::Retry,
        _ => Answer::Refused(code),
    }
}

/// Sends one request (`copies` at once the first time) until an answer decides it.
async fn decide(s: &Stack, token: &str, path: &str, key: &str, body: &Value, copies: usize, until: Instant) -> Answers {
    let mut op = Answers::default();
    let mut copies = copies;
    loop {
        let answers = futures::future::join_all((0..copies).map(|_| send(s, token, path, key, body))).await;
        let mut decided = false;
        for answer in answers {
            match answer {
                Answer::Done(body) => {
                    op.successes.push(body);
                    decided = true;
                }
                Answer::Refused(code) => {
                    op.refusals.push(code);
                    decided = true;
                }
                Answer::Retry => {}
            }
        }
        if decided || Instant::now() > until {
            return op;
        }
        op.retries += 1;
        copies = 1;
        // A client's jittered backoff between retries: part of the workload, not a wait for a result.
        let pause = rand::rng().random_range(50..300);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

/// Paid games the players may buy (each at most once: a second purchase is refused).
pub async fn paid_games(s: &Stack) -> Vec<u64> {
    let r = s.get("/store/games?minPrice=1&maxPrice=2000&sort=release&limit=100", None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["games"].as_array().unwrap().iter().filter_map(|g| g["gameId"].as_u64()).collect()
}

fn random_op(mix: &[u32; 4], games: &[u64]) -> (Kind, Value) {
    let mut rng = rand::rng();
    let mut pick = rng.random_range(0..mix.iter().sum::<u32>());
    let mut kind = Kind::Buy;
    for (k, weight) in [Kind::Buy, Kind::Pull1, Kind::Pull10, Kind::Purchase].into_iter().zip(mix) {
        if pick < *weight {
            kind = k;
            break;
        }
        pick -= weight;
    }
    let body = match kind {
        Kind::Buy => {
            let gems = [160, 480, 1600, 3200][rng.random_range(0..4)];
            json!({ "amount": gems, "paymentMethod": "tok_visa" })
        }
        Kind::Pull1 => json!({ "bannerId": "heroes", "count": 1, "currencySpent": 160 }),
        Kind::Pull10 => json!({ "bannerId": "heroes", "count": 10, "currencySpent": 1600 }),
        Kind::Purchase => json!({ "gameId": games[rng.random_range(0..games.len())] }),
    };
    (kind, body)
}

/// Registers the players (and the chat pair) and picks the games they may buy.
pub async fn cast(s: &Stack, settings: &Settings) -> Cast {
    let players = futures::future::join_all((0..settings.players).map(|_| s.new_player())).await;
    let chat = if settings.chat { Some((s.new_player().await, s.new_player().await)) } else { None };
    Cast { players, chat, games: paid_games(s).await }
}

/// Runs the clients for `settings.run_for`, then lets every open operation finish.
pub async fn run(s: &'static Stack, settings: &Settings, cast: Cast) -> History {
    let Cast { players, chat, games } = cast;
    let stop_starting = Instant::now() + settings.run_for;
    let hard_deadline = stop_starting + ANSWER_DEADLINE;
    let mut opening = Vec::new();
    for (p, player) in players.iter().enumerate().filter(|_| settings.opening_gems > 0) {
        let body = json!({ "amount": settings.opening_gems, "paymentMethod": "tok_visa" });
        let key = uuid::Uuid::new_v4().to_string();
        let answers = decide(s, &player.token, Kind::Buy.path(), &key, &body, 1, hard_deadline).await;
        opening.push(Op { player: p, kind: Kind::Buy, key, body, answers });
    }
    let ops = Mutex::new(opening);
    let clients = (0..settings.players).flat_map(|p| (0..settings.clients_per_player).map(move |_| p));
    let work = futures::future::join_all(clients.map(|p| {
        let (player, games, ops) = (&players[p], &games, &ops);
        async move {
            while Instant::now() < stop_starting {
                let (kind, body) = random_op(&settings.mix, games);
                let copies = if rand::rng().random_bool(settings.double_taps) { 2 } else { 1 };
                let key = uuid::Uuid::new_v4().to_string();
                let answers = decide(s, &player.token, kind.path(), &key, &body, copies, hard_deadline).await;
                ops.lock().unwrap().push(Op { player: p, kind, key, body, answers });
            }
        }
    }));
    let chat = async {
        let (from, to) = chat?;
        let mut sent = Vec::new();
        let mut n = 0;
        // 30 sends a minute per sender is the product's limit: a message every 2.5 s stays under it
        // with room for retries.
        while Instant::now() < stop_starting {
            let text = format!("bank chat {n}");
            let body = json!({ "recipientId": to.user_id, "text": text });
            let key = uuid::Uuid::new_v4().to_string();
            let copies = if rand::rng().random_bool(settings.double_taps) { 2 } else { 1 };
            let op = decide(s, &from.token, "/chat/messages", &key, &body, copies, hard_deadline).await;
            let message_ids = op.successes.iter().filter_map(|a| a["messageId"].as_str().map(str::to_owned)).collect();
            sent.push(Sent { text, message_ids, retries: op.retries });
            n += 1;
            tokio::time::sleep(Duration::from_millis(2500)).await;
        }
        Some((from, to, sent))
    };
    let (_, chat) = tokio::join!(work, chat);
    let ops = ops.into_inner().unwrap();
    let unanswered = ops.iter().filter(|o| o.answers.successes.is_empty() && o.answers.refusals.is_empty()).count();
    History { players, ops, chat, unanswered }
}
