//! A DynamoDB transaction of *named* steps. When a condition fails, the answer comes from the
//! step's name, never from its position: `Step::on_condition_failed` is the one place that says
//! what a failed debit, ownership or idempotency record means.

use crate::error::ApiError;
use crate::store::{self, sessions, wallet, Item, TxOutcome};
use aws_sdk_dynamodb::types::TransactWriteItem;

/// What a step of a transaction is. The variant decides what its failed condition means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Takes gems off a wallet, conditioned on the balance read before.
    Debit {
        amount: u64,
    },
    /// Adds gems to a wallet, conditioned on the balance read before.
    Credit {
        amount: u64,
    },
    LedgerEntry,
    PullRecord,
    Order,
    /// The library entry that makes a player own a game, once.
    Ownership {
        game_id: u32,
    },
    /// The game still costs what the buyer was shown.
    PriceCheck {
        game_id: u32,
    },
    /// A seller's revenue line of a sale or refund.
    RevenueLine,
    /// A game of an order moved from completed to refunded, once, with the order's other lines as
    /// read (asks for the order back).
    OrderRefund {
        game_id: u32,
    },
    /// The refunded game leaves the library, if this order put it there and it was played under
    /// the limit (asks for the entry back).
    RefundablePlay,
    /// The player's refunds this month stay under the limit.
    RefundAllowance,
    /// A game's sales replaced, if still at the version read.
    SalesChange,
    /// A game added to the cart, once (already there: nothing to do).
    CartItem,
    /// The cart's count under its limit.
    CartSlot,
    /// A game taken out of the cart by the player (not there: nothing to do).
    CartLeave,
    /// A bought game taken out of the cart, which must still hold it.
    CartRemoval,
    /// The cart's count lowered by the games bought (unconditional).
    CartCount,
    /// A coupon's use counted, under its cap and inside its window (asks for the coupon back).
    CouponUse,
    /// The player's one use of a coupon.
    CouponClaim,
    /// A product key marked redeemed, once.
    KeyRedemption,
    /// The key's batch still exists and is not revoked.
    KeyBatch,
    /// The buyer and the recipient of a gift are friends.
    Friendship,
    /// The recipient of a gift does not own the game.
    RecipientNotOwner {
        game_id: u32,
    },
    /// A new gift, under a new id.
    Gift,
    /// The one gift of a game waiting for a player's answer.
    GiftPending,
    /// A gift's waiting marker removed by its answer.
    GiftMarker,
    /// A gift answered by its recipient, once (asks for the gift back).
    GiftDecision,
    /// The Idempotency-Key's record with the first response, written once.
    IdempotencyRecord,
    /// The pending claim of a purchase with an external charge, completed once.
    ClaimCompletion,
    /// A provider charge, credited once whatever key it came with.
    ChargeCredited,
    OutboxEntry,
    Account,
    UsernameClaim,
    EmailClaim,
    WalletOpening,
    Message,
    /// A chat message marked delivered, once (asks for the message back when it fails).
    DeliveryMark,
    InboxUpdate,
    SessionOpening,
    RefreshTokenIssue,
    /// A refresh token spent, once (asks for the token back when it fails).
    RefreshTokenSpend,
    /// The session of a refresh is still live.
    SessionLive,
    /// A TOTP code's step later than the last used, or an unused recovery code.
    SecondFactorUse,
    /// A second factor enrolled or confirmed while two-factor sign-in is still off.
    SecondFactorChange,
    /// A one-time token (sign-in challenge, reset link), used once before it expires.
    OneTimeTokenUse,
    /// A new password hash for an account that exists.
    PasswordSet,
    /// The account's address marked verified, if it is still the one the link was mailed to.
    EmailVerified,
    /// The username claim (with the password hash) removed, if the password is the verified one.
    CredentialsErasure,
    /// The email claim removed, and the user item replaced by a tombstone.
    PersonalDataErasure,
    /// A game server's play session, recorded once under its id.
    PlaySessionRecord,
    /// Play time added to a game the player owns.
    PlayTimeAdded,
    /// Pity counters moved from the version the pull drew with.
    PityAdvance,
    /// The fairness nonce moved from the one the pull drew with (same seed).
    SeedAdvance,
    /// An inventory count set from the count the pull saw.
    InventoryChange,
    /// Shards added to the inventory (unconditional: the ledger entry beside it explains them).
    ShardsCredit,
    /// One side of a friendship, conditioned on the state the flow read.
    Relation,
    /// The sender's pending requests stay under the cap.
    PendingRequestLimit,
    /// A player's friends stay under the cap.
    FriendLimit,
    /// The other player has not blocked the caller.
    NotBlockedBy,
    /// The caller has not blocked the other player.
    NotBlocking,
    /// A block recorded (unconditional).
    Block,
    /// A new group's meta item.
    GroupMeta,
    /// A group name, claimed once.
    GroupNameClaim,
    /// A player's standing in a group, conditioned on the one the flow read.
    Membership,
    /// The group's member count, under its limit.
    MemberSlot,
    /// The sender is a member of the group (and has read up to their own message).
    GroupMember,
    /// The caller is the group's owner or an admin.
    GroupAdmin,
    /// A message changed by its author (or removed by an admin), if it still stands.
    MessageChange,
    /// A player's lock, taken free: one lobby or queue ticket at a time.
    PlayerLock,
    /// A new lobby's meta item.
    LobbyMeta,
    /// A player's seat in a lobby, as the flow read it.
    LobbySeat,
    /// The lobby's player count, open and under its size (asks for the lobby back).
    LobbySlot,
    /// The lobby moved from open to started or closed, with the players the flow read.
    LobbyEnd,
    /// Each player of a starting match is ready.
    PlayersReady,
    /// A player's lock moved or released, if it still holds what the flow read.
    LockMove,
    /// A matchmaking ticket, as the flow read it.
    Ticket,
}

/// The refusal of a friendship side that moved since the flow read it: the flow reads again and
/// picks the transition from there, never answers it.
pub const RELATION_MOVED: &str = "relation_moved";

/// The refusal of the steps that hold what a pull drew from (pity counters, the seed's nonce,
/// inventory counts): a pull retries on it and never answers it.
pub const DRAW_STATE_MOVED: &str = "draw_state_moved";

/// Runs `attempt` (read, decide, commit conditioned on what was read) until it commits or is
/// refused for a reason other than a relation that moved meanwhile; after `attempts` rounds of
/// moves it gives up with 503. The friends, groups and lobbies flows all retry this way.
pub async fn retry_moved<T, F, Fut>(attempts: u32, what: &str, mut attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Verdict>>,
{
    for round in 0..attempts {
        match attempt().await {
            Ok(done) => return Ok(done),
            Err(Verdict::Refused(ApiError::Conflict { code: RELATION_MOVED, .. })) => {
                store::backoff(round.min(5)).await
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Unavailable(format!("{what} kept changing; try again")))
}

/// What a cancelled transaction means, decided from its failed steps.
#[derive(Debug)]
pub enum Verdict {
    /// The operation was done before under this key: the stored record (to replay).
    Replay(Item),
    /// The wallet moved since it was read: the balance it has now (retry from there).
    WalletMoved(i64),
    /// The work was already done (a redelivery): nothing to do.
    AlreadyDone,
    /// A condition says the request cannot be done (already owned, insufficient funds, ...).
    Refused(ApiError),
    /// The transaction was not decided: the call failed (throttled, unreachable) or no step's
    /// condition explains the cancellation. Whether anything was written is not known.
    Failed(ApiError),
}

impl Step {
    /// What it means that this step's condition did not hold; `found` is the item as the
    /// condition saw it, where the step asked DynamoDB to return it.
    pub fn on_condition_failed(&self, found: Option<&Item>) -> Verdict {
        let conflict = |code: &'static str, detail: String| Verdict::Refused(ApiError::Conflict { code, detail });
        match self {
            Step::Debit { amount } => match found.and_then(wallet::balance_of) {
                Some(balance) if balance >= *amount as i64 => Verdict::WalletMoved(balance),
                _ => Verdict::Refused(ApiError::insufficient_funds()),
            },
            Step::Credit { .. } => match found.and_then(wallet::balance_of) {
                Some(balance) => Verdict::WalletMoved(balance),
                None => Verdict::Refused(ApiError::internal("credit to a player without a wallet")),
            },
            Step::Ownership { game_id } => {
                conflict("already_owned", format!("game {game_id} is already in your library"))
            }
            Step::PriceCheck { game_id } => {
                conflict("price_changed", format!("the price of game {game_id} changed; look it up again"))
            }
            Step::IdempotencyRecord | Step::ClaimCompletion => match found {
                Some(item) => Verdict::Replay(item.clone()),
                None => Verdict::Refused(ApiError::internal(format!("{self:?} failed without its record"))),
            },
            Step::OrderRefund { game_id } => {
                let order =
                    found.and_then(|item| serde_dynamo::from_item::<_, crate::store::orders::Order>(item.clone()).ok());
                match order.as_ref().and_then(|o| o.lines.iter().find(|l| l.game_id == *game_id)) {
                    Some(line) if line.status == crate::store::orders::REFUNDED => {
                        conflict("already_refunded", "this game was refunded".into())
                    }
                    Some(_) => conflict(RELATION_MOVED, "another game of the order was refunded meanwhile".into()),
                    None => Verdict::Refused(ApiError::NotFound { code: "unknown_order", what: "this order".into() }),
                }
            }
            Step::RefundablePlay => match found.and_then(|entry| store::get_n::<u64>(entry, "playedMinutes")) {
                Some(minutes) if minutes >= crate::domain::revenue::REFUND_MAX_PLAYED_MINUTES => {
                    Verdict::Refused(crate::domain::revenue::played_too_long(minutes))
                }
                _ => conflict("not_in_library", "the game of this order is no longer in your library".into()),
            },
            Step::RefundAllowance => Verdict::Refused(ApiError::Rule {
                code: "refund_limit_reached",
                field: None,
                detail: format!(
                    "at most {} refunds a month; ask again next month",
                    crate::domain::revenue::REFUNDS_PER_MONTH
                ),
            }),
            Step::CartItem | Step::CartLeave => Verdict::AlreadyDone,
            Step::SalesChange => conflict(RELATION_MOVED, "the game's sales changed meanwhile; read them again".into()),
            Step::CartSlot => Verdict::Refused(ApiError::Rule {
                code: "cart_full",
                field: Some("gameId"),
                detail: format!("a cart holds at most {} games", crate::domain::checkout::MAX_CART_ITEMS),
            }),
            Step::CartRemoval => conflict("cart_changed", "the cart changed during checkout; look at it again".into()),
            Step::CouponUse => {
                let rule = |code: &'static str, detail: &str| {
                    Verdict::Refused(ApiError::Rule { code, field: Some("couponCode"), detail: detail.into() })
                };
                match found {
                    None => Verdict::Refused(ApiError::NotFound { code: "unknown_coupon", what: "this coupon".into() }),
                    Some(coupon) => {
                        let (uses, max) = (store::get_n::<u64>(coupon, "uses"), store::get_n::<u64>(coupon, "maxUses"));
                        match (uses, max) {
                            (Some(uses), Some(max)) if uses >= max => {
                                rule("coupon_exhausted", "this coupon has been used as many times as it may")
                            }
                            _ => rule("coupon_not_valid_now", "this coupon is not valid now"),
                        }
                    }
                }
            }
            Step::CouponClaim => Verdict::Refused(ApiError::Rule {
                code: "coupon_already_used",
                field: Some("couponCode"),
                detail: "you have used this coupon already".into(),
            }),
            Step::ChargeCredited => conflict("charge_already_credited", "this payment was already credited".into()),
            Step::KeyRedemption => Verdict::Refused(crate::flows::keys::already_redeemed()),
            Step::KeyBatch => Verdict::Refused(ApiError::Rule {
                code: "key_revoked",
                field: Some("key"),
                detail: "this product key was revoked by the game's developer".into(),
            }),
            Step::Friendship => Verdict::Refused(crate::flows::gifts::not_friends()),
            Step::RecipientNotOwner { game_id } => Verdict::Refused(crate::flows::gifts::recipient_owns(*game_id)),
            Step::Gift => Verdict::Failed(ApiError::internal("a new gift's id was taken")),
            Step::GiftPending => {
                conflict("gift_pending", "a gift of this game already waits for this player's answer".into())
            }
            Step::GiftMarker | Step::GiftDecision => {
                let status = found.and_then(|gift| store::get_s(gift, "status")).unwrap_or("answered");
                conflict("gift_decided", format!("this gift was {status} already"))
            }
            Step::UsernameClaim => conflict("username_taken", "that username is already registered".into()),
            Step::EmailClaim => conflict("email_taken", "that email is already registered".into()),
            // The mark returns the message it found: delivered before, or no such message.
            Step::DeliveryMark => match found {
                Some(_) => Verdict::AlreadyDone,
                None => Verdict::Refused(ApiError::internal("delivery of a message that does not exist")),
            },
            // Spent before: the token was reused, which ends its whole session (decided by the flow).
            Step::RefreshTokenSpend => match found {
                Some(token) if sessions::was_spent(token) => Verdict::AlreadyDone,
                _ => Verdict::Refused(ApiError::Unauthorized("the refresh token is invalid or has expired")),
            },
            Step::SessionLive => Verdict::Refused(ApiError::Unauthorized("the session has ended; sign in again")),
            Step::SecondFactorUse => Verdict::Refused(ApiError::Unauthorized("this code was already used")),
            Step::SecondFactorChange => conflict("two_factor_enabled", "two-factor sign-in is already on".into()),
            Step::OneTimeTokenUse => {
                Verdict::Refused(ApiError::Unauthorized("the link or challenge is invalid, expired or used"))
            }
            Step::PasswordSet => Verdict::Refused(ApiError::Unauthorized("the account no longer exists")),
            Step::CredentialsErasure => Verdict::Refused(ApiError::Conflict {
                code: "password_changed",
                detail: "the password was changed by another request; try again".into(),
            }),
            Step::PersonalDataErasure => Verdict::Refused(ApiError::Unauthorized("the account no longer exists")),
            Step::PlaySessionRecord => Verdict::AlreadyDone,
            Step::PlayTimeAdded => conflict("not_owned", "the player does not own this game".into()),
            // Another pull moved what this one drew from first: it draws again from there.
            Step::PityAdvance | Step::SeedAdvance | Step::InventoryChange => {
                conflict(DRAW_STATE_MOVED, "another pull moved the state this one drew from; draw again".into())
            }
            Step::Relation => conflict(RELATION_MOVED, "the relation changed meanwhile; read it again".into()),
            Step::PendingRequestLimit => Verdict::Refused(ApiError::Rule {
                code: "too_many_pending_requests",
                field: None,
                detail: format!(
                    "you have {} friend requests waiting for an answer; cancel some first",
                    crate::domain::friends::MAX_PENDING_SENT
                ),
            }),
            Step::FriendLimit => Verdict::Refused(ApiError::Rule {
                code: "friend_limit_reached",
                field: None,
                detail: format!("a player may have at most {} friends", crate::domain::friends::MAX_FRIENDS),
            }),
            Step::NotBlockedBy => {
                Verdict::Refused(ApiError::Forbidden("this player does not accept messages or requests from you"))
            }
            Step::NotBlocking => conflict("blocked_by_you", "you blocked this player; unblock them first".into()),
            Step::PlayerLock => {
                conflict("already_in_lobby", "you are in a lobby or a matchmaking queue already; leave it first".into())
            }
            Step::LobbySeat | Step::LockMove | Step::Ticket => {
                conflict(RELATION_MOVED, "the lobby or queue changed meanwhile; read it again".into())
            }
            Step::LobbySlot | Step::LobbyEnd => match found.and_then(|lobby| store::get_s(lobby, "status")) {
                Some("open") if *self == Step::LobbySlot => conflict("lobby_full", "the lobby is full".into()),
                Some("open") => conflict(RELATION_MOVED, "players joined or left meanwhile; read again".into()),
                Some(status) => conflict("lobby_not_open", format!("the lobby is {status}")),
                None => Verdict::Refused(ApiError::NotFound { code: "unknown_lobby", what: "this lobby".into() }),
            },
            Step::PlayersReady => Verdict::Refused(ApiError::Rule {
                code: "players_not_ready",
                field: None,
                detail: "a player is no longer ready".into(),
            }),
            Step::GroupNameClaim => conflict("group_name_taken", "a group already has this name".into()),
            Step::Membership => {
                conflict(RELATION_MOVED, "the group's standings changed meanwhile; read them again".into())
            }
            Step::MemberSlot => conflict("group_full", "the group has no free place".into()),
            Step::GroupMember => Verdict::Refused(ApiError::Forbidden("you are not a member of this group")),
            Step::GroupAdmin => Verdict::Refused(ApiError::Forbidden("only the group's owner or admins may do this")),
            Step::MessageChange => match found {
                None => Verdict::Refused(ApiError::NotFound { code: "unknown_message", what: "this message".into() }),
                Some(item) if item.contains_key("deletedAt") => {
                    conflict("message_deleted", "the message was deleted".into())
                }
                Some(_) => Verdict::Refused(ApiError::Forbidden("only the message's author may change it")),
            },
            Step::EmailVerified => {
                Verdict::Refused(ApiError::Unauthorized("the address changed since this link was mailed"))
            }
            Step::LedgerEntry
            | Step::RevenueLine
            | Step::PullRecord
            | Step::Order
            | Step::OutboxEntry
            | Step::Account
            | Step::WalletOpening
            | Step::Message
            | Step::InboxUpdate
            | Step::SessionOpening
            | Step::RefreshTokenIssue
            | Step::ShardsCredit
            | Step::CartCount
            | Step::Block
            | Step::GroupMeta
            | Step::LobbyMeta => Verdict::Refused(ApiError::internal(format!("{self:?}: a fresh id collided"))),
        }
    }
}

impl Verdict {
    /// How decisive a verdict is when several steps failed: the key's first answer wins over
    /// anything this attempt did; a refusal (already owned, price changed) stands whatever the
    /// wallet did; a moved wallet alone is worth a retry.
    fn precedence(&self) -> u8 {
        match self {
            Verdict::Replay(_) => 0,
            Verdict::AlreadyDone => 1,
            // "Moved" refusals only ask the flow to read again: any definitive refusal wins.
            Verdict::Refused(ApiError::Conflict { code: RELATION_MOVED | DRAW_STATE_MOVED, .. }) => 3,
            Verdict::Refused(_) => 2,
            Verdict::WalletMoved(_) => 3,
            Verdict::Failed(_) => 4,
        }
    }
}

impl From<Verdict> for ApiError {
    /// For flows that neither replay nor retry: anything but a refusal is a bug there.
    fn from(verdict: Verdict) -> ApiError {
        match verdict {
            Verdict::Refused(err) | Verdict::Failed(err) => err,
            other => ApiError::internal(format!("unexpected transaction verdict {other:?}")),
        }
    }
}

/// Named steps, committed together or not at all.
#[derive(Debug, Default)]
pub struct Transaction {
    steps: Vec<(Step, TransactWriteItem)>,
}

/// DynamoDB's limit on items in one transaction.
pub const MAX_STEPS: usize = 100;

impl Transaction {
    pub fn new() -> Transaction {
        Transaction::default()
    }

    pub fn add(&mut self, step: Step, item: TransactWriteItem) -> &mut Transaction {
        self.steps.push((step, item));
        self
    }

    /// Commits every step (retrying `TransactionConflict`), or says why not: the verdict of the
    /// most decisive failed step.
    pub async fn commit(self, db: &aws_sdk_dynamodb::Client) -> Result<(), Verdict> {
        if self.steps.len() > MAX_STEPS {
            return Err(Verdict::Failed(ApiError::internal(format!("{} steps exceed {MAX_STEPS}", self.steps.len()))));
        }
        let (steps, items): (Vec<Step>, Vec<TransactWriteItem>) = self.steps.into_iter().unzip();
        match store::transact(db, items).await.map_err(Verdict::Failed)? {
            TxOutcome::Committed => Ok(()),
            TxOutcome::Cancelled(reasons) => Err(judge(&steps, &reasons)),
        }
    }
}

/// The verdict of a cancelled transaction from its steps and DynamoDB's reasons (same order).
pub fn judge(steps: &[Step], reasons: &[store::Cancellation]) -> Verdict {
    steps
        .iter()
        .zip(reasons)
        .filter(|(_, reason)| reason.condition_failed())
        .map(|(step, reason)| step.on_condition_failed(reason.item.as_ref()))
        .min_by_key(Verdict::precedence)
        .unwrap_or_else(|| {
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            Verdict::Failed(ApiError::Unavailable(format!("transaction cancelled: {codes:?}")))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{n, s, Cancellation};

    fn failed(item: Option<Item>) -> Cancellation {
        Cancellation { code: "ConditionalCheckFailed".into(), item }
    }

    fn ok() -> Cancellation {
        Cancellation { code: "None".into(), item: None }
    }

    fn wallet(balance: i64) -> Option<Item> {
        Some(Item::from([("userId".to_string(), s("u")), ("balance".to_string(), n(balance))]))
    }

    fn code(verdict: Verdict) -> &'static str {
        match verdict {
            Verdict::Refused(err) | Verdict::Failed(err) => err.code(),
            other => panic!("expected a refusal or a failure, got {other:?}"),
        }
    }

    #[test]
    fn each_named_step_maps_to_its_own_error() {
        let cases: [(Step, &str); 6] = [
            (Step::Ownership { game_id: 10 }, "already_owned"),
            (Step::PriceCheck { game_id: 10 }, "price_changed"),
            (Step::UsernameClaim, "username_taken"),
            (Step::EmailClaim, "email_taken"),
            (Step::ChargeCredited, "charge_already_credited"),
            (Step::LedgerEntry, "internal_error"),
        ];
        for (step, expected) in cases {
            assert_eq!(code(step.on_condition_failed(None)), expected, "{step:?}");
        }
        assert_eq!(code(Step::Debit { amount: 160 }.on_condition_failed(wallet(159).as_ref())), "insufficient_funds");
        assert_eq!(code(Step::Debit { amount: 160 }.on_condition_failed(None)), "insufficient_funds", "no wallet");
    }

    #[test]
    fn a_redelivered_message_is_already_done_and_a_missing_one_is_an_error() {
        let message = Item::from([("messageId".to_string(), s("m1"))]);
        assert!(matches!(Step::DeliveryMark.on_condition_failed(Some(&message)), Verdict::AlreadyDone));
        assert_eq!(code(Step::DeliveryMark.on_condition_failed(None)), "internal_error");
    }

    #[test]
    fn a_moved_wallet_that_still_covers_the_cost_is_retried() {
        let verdict = Step::Debit { amount: 160 }.on_condition_failed(wallet(500).as_ref());
        assert!(matches!(verdict, Verdict::WalletMoved(500)), "{verdict:?}");
        let verdict = Step::Credit { amount: 1 }.on_condition_failed(wallet(7).as_ref());
        assert!(matches!(verdict, Verdict::WalletMoved(7)), "{verdict:?}");
    }

    #[test]
    fn the_answer_depends_on_the_step_not_its_position() {
        let steps = [Step::LedgerEntry, Step::Ownership { game_id: 1 }, Step::Debit { amount: 5 }];
        let reasons = [ok(), failed(None), ok()];
        assert_eq!(code(judge(&steps, &reasons)), "already_owned");
        let reordered = [Step::Debit { amount: 5 }, Step::LedgerEntry, Step::Ownership { game_id: 1 }];
        let reasons = [ok(), ok(), failed(None)];
        assert_eq!(code(judge(&reordered, &reasons)), "already_owned");
    }

    #[test]
    fn an_idempotency_hit_wins_over_every_other_failure() {
        let record = Item::from([("key".to_string(), s("u#op#k"))]);
        let steps = [Step::Debit { amount: 5 }, Step::Ownership { game_id: 1 }, Step::IdempotencyRecord];
        let reasons = [failed(wallet(0)), failed(None), failed(Some(record.clone()))];
        assert!(matches!(judge(&steps, &reasons), Verdict::Replay(item) if item == record));
    }

    #[test]
    fn a_refusal_stands_whatever_the_wallet_did_and_a_moved_wallet_alone_is_retried() {
        let steps = [Step::Ownership { game_id: 1 }, Step::Debit { amount: 5 }];
        assert_eq!(code(judge(&steps, &[failed(None), failed(wallet(50))])), "already_owned");
        assert!(matches!(judge(&steps, &[ok(), failed(wallet(50))]), Verdict::WalletMoved(50)));
    }

    #[test]
    fn a_cancellation_without_a_failed_condition_is_a_dependency_failure() {
        let reasons = [Cancellation { code: "ThrottlingError".into(), item: None }];
        assert_eq!(code(judge(&[Step::LedgerEntry], &reasons)), "service_unavailable");
    }
}
