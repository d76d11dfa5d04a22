//! Gifts: a player buys a game for a friend, and the friend accepts it (it enters their library)
//! or declines it (the buyer gets back exactly what was paid).
//!
//! - Sending is one money-flow transaction on the buyer's wallet: the debit and its ledger entry
//!   (`gift_purchase`), the buyer's order (source `gift`, no library entry), the seller's revenue
//!   line, the gift and its pending marker (one waiting gift per friend and game), and checks
//!   that the two are friends, that the friend does not own the game and that the price is the
//!   one shown. `GiftSent` tells the friend.
//! - Accepting moves the gift from pending to accepted (once) and adds the library entry with an
//!   order of price 0 (source `gift`). `GiftAccepted` tells the buyer.
//! - Declining is one money-flow transaction on the *buyer's* wallet: the gift moves from pending
//!   to declined (once), the buyer's order line is refunded, the credit and its ledger entry
//!   (`gift_refund`) and the revenue reversal are written. `GiftDeclined` tells the buyer.
//!
//! A gift's order is not refunded through `POST /store/orders/{id}/refund`: declining is its
//! refund, so a gift can never be both kept and refunded.

use super::purchase::{add_fees, price_lines, Pick};
use super::{Idempotency, MoneyFlow, Step, Transaction, WalletChange};
use crate::app::App;
use crate::domain::friends::State;
use crate::domain::money::LedgerKind;
use crate::error::ApiError;
use crate::outbox;
use crate::store::gifts::{self, Gift, ACCEPTED, DECLINED, EXPIRED, PENDING};
use crate::store::orders::{self, Order};
use crate::store::revenue::Line;
use crate::store::{self, accounts, friends, idempotency, wallet};
use serde_json::{json, Value};

pub const SEND: &str = "store-gifts-send";
/// An order's source when it paid for a gift, or when a gift put the game in the library.
pub const GIFT_SOURCE: &str = "gift";
/// A gift's note to the friend, as Steam's.
pub const MAX_MESSAGE_CHARS: usize = 280;
/// A gift not answered in 30 days expires and its buyer is refunded (`gifts-expire`), so no
/// buyer's gems wait forever on a friend who left.
pub const ANSWER_WITHIN_SECS: u64 = 30 * 24 * 3600;

/// The note as stored: absent or blank is none; otherwise chat's rules (`domain::chat`), with at
/// most `MAX_MESSAGE_CHARS` characters.
pub fn checked_message(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.filter(|text| !text.trim().is_empty()) {
        Some(text) => crate::domain::chat::checked_text("message", text, MAX_MESSAGE_CHARS).map(Some),
        None => Ok(None),
    }
}

/// `POST /store/gifts`: buys `game_id` for the friend `recipient_id` at the price the buyer sees.
pub async fn send(
    app: &App,
    sender_id: &str,
    key: Option<&str>,
    recipient_id: &str,
    game_id: u32,
    message: Option<String>,
) -> Result<Value, ApiError> {
    if recipient_id == sender_id {
        return Err(ApiError::Rule {
            code: "cannot_gift_self",
            field: Some("friendId"),
            detail: "buy the game for yourself instead".into(),
        });
    }
    let request = json!({ "gameId": game_id, "friendId": recipient_id, "message": message });
    let guard = key.map(|key| idempotency::Guard::new(sender_id, SEND, key, &request));
    let (game, sales, seen, sender, recipient, relation, owned) = tokio::try_join!(
        store::catalog::game(app, game_id),
        store::prices::read(app, game_id),
        wallet::read(app, sender_id),
        accounts::profile(app, sender_id),
        accounts::profile(app, recipient_id),
        friends::relation(app, sender_id, recipient_id),
        orders::library_entry(app, recipient_id, game_id),
    )?;
    let (sender_name, sender_profile) = sender.ok_or(ApiError::Unauthorized("the account no longer exists"))?;
    let region = super::region::of_profile(&sender_profile);
    let picks = [Pick { game, sales }];
    let mut lines = price_lines(&picks, None, region, crate::clock::now_secs())?;
    let total = lines[0].paid_gems;
    let flow = MoneyFlow {
        app,
        user_id: sender_id,
        change: WalletChange::Debit(total),
        idempotency: guard.as_ref().map_or(Idempotency::None, Idempotency::Record),
        balance_field: "newBalance",
    };
    // Refusals go through the flow, so a key used before answers as it did.
    let recipient_name = match (recipient, relation) {
        (Some((name, _)), Some(State::Friend)) => name,
        _ => return flow.refuse(not_friends()).await,
    };
    if owned.is_some() {
        return flow.refuse(recipient_owns(game_id)).await;
    }
    if total == 0 {
        return flow
            .refuse(ApiError::Rule {
                code: "free_game",
                field: Some("gameId"),
                detail: "a free game is not given: your friend can claim it in the store".into(),
            })
            .await;
    }
    add_fees(app, &mut lines).await?;
    let pick = &picks[0];
    let message = &message;
    flow.run(seen, |tx| {
        let mut order = Order::new(sender_id, lines.clone(), None);
        order.price_region = Some(region.code.into());
        order.source = Some(GIFT_SOURCE.into());
        let line = &order.lines[0];
        let gift = Gift {
            gift_id: store::new_id(),
            sender_id: sender_id.into(),
            sender_name: sender_name.clone(),
            recipient_id: recipient_id.into(),
            recipient_name: recipient_name.clone(),
            game_id,
            name: line.name.clone(),
            paid_gems: line.paid_gems,
            order_id: order.order_id.clone(),
            recipient_order_id: None,
            seller: line.seller.clone(),
            message: message.clone(),
            status: PENDING.into(),
            created_at: order.created_at.clone(),
            decided_at: None,
            expires_at: 0,
            waiting: None,
        }
        .waiting_until(crate::clock::now_secs() + ANSWER_WITHIN_SECS);
        tx.add(Step::Friendship, friends::holds(app, sender_id, recipient_id, State::Friend)?);
        tx.add(Step::RecipientNotOwner { game_id }, orders::not_owned(app, recipient_id, game_id)?);
        tx.add(Step::PriceCheck { game_id }, store::catalog::price_unchanged(app, &pick.game)?);
        tx.add(Step::PriceCheck { game_id }, store::prices::unchanged(app, game_id, pick.sales.version)?);
        let sale = Line::sale(game_id, &line.seller, &line.name, &order.order_id, line.paid_gems, line.fee_gems);
        tx.add(Step::RevenueLine, store::revenue::put_line(app, &sale)?);
        tx.add(Step::Gift, gifts::put_gift(app, &gift)?);
        tx.add(Step::GiftPending, gifts::put_pending(app, &gift)?);
        tx.add(
            Step::LedgerEntry,
            store::ledger::entry(app, sender_id, LedgerKind::GiftPurchase, line.paid_gems, &order.order_id)?,
        );
        tx.add(Step::Order, orders::put_order(app, &order)?);
        // The recipient is told of the gift, never of its price; the buyer's receipt event has it.
        let sent = outbox::Entry::event(
            "GiftSent",
            recipient_id,
            json!({
                "giftId": gift.gift_id, "fromUserId": sender_id, "fromUsername": sender_name,
                "gameId": game_id, "name": line.name,
            }),
        );
        tx.add(Step::OutboxEntry, sent.put(app)?);
        let bought = outbox::Entry::event(
            "GiftPurchased",
            sender_id,
            json!({
                "giftId": gift.gift_id, "toUserId": recipient_id, "toUsername": recipient_name,
                "gameId": game_id, "name": line.name, "priceGems": line.paid_gems, "orderId": order.order_id,
            }),
        );
        tx.add(Step::OutboxEntry, bought.put(app)?);
        let mut answer = gift_json(&gift, sender_id);
        answer["message"] = json!("Gift sent");
        answer["priceRegion"] = json!(region.code);
        Ok(answer)
    })
    .await
}

/// `POST /store/gifts/{giftId}/accept`: the game enters the recipient's library, once; asking
/// again answers the same.
pub async fn accept(app: &App, recipient_id: &str, gift_id: &str) -> Result<Value, ApiError> {
    let gift = waiting_gift(app, recipient_id, gift_id).await?;
    match gift.status.as_str() {
        ACCEPTED => return Ok(accepted(&gift)),
        PENDING => {}
        _ => return Err(decided(&gift)),
    }
    let (order, owned) = orders::free_order(recipient_id, gift.game_id, &gift.name, &gift.seller, GIFT_SOURCE);
    let event = outbox::Entry::event(
        "GiftAccepted",
        &gift.sender_id,
        json!({
            "giftId": gift.gift_id, "byUserId": recipient_id, "byUsername": gift.recipient_name,
            "gameId": gift.game_id, "name": gift.name,
        }),
    );
    let mut tx = Transaction::new();
    tx.add(Step::GiftDecision, gifts::decide(app, &gift, ACCEPTED, &order.created_at, Some(&order.order_id))?);
    tx.add(Step::GiftMarker, gifts::clear_pending(app, &gift)?);
    tx.add(Step::Ownership { game_id: gift.game_id }, orders::put_ownership(app, &owned)?);
    tx.add(Step::Order, orders::put_order(app, &order)?);
    tx.add(Step::OutboxEntry, event.put(app)?);
    match tx.commit(&app.db).await {
        Ok(()) => {
            let done = Gift {
                status: ACCEPTED.into(),
                decided_at: Some(order.created_at.clone()),
                recipient_order_id: Some(order.order_id.clone()),
                ..gift
            };
            Ok(accepted(&done))
        }
        // A concurrent accept won (answer as it did), or a decline did, or the recipient owns the
        // game now (the refusal).
        Err(verdict) => answered_meanwhile(app, gift_id, ACCEPTED, verdict.into(), accepted).await,
    }
}

/// `POST /store/gifts/{giftId}/decline`: the buyer gets back exactly what was paid, once; asking
/// again answers the same.
pub async fn decline(app: &App, recipient_id: &str, gift_id: &str) -> Result<Value, ApiError> {
    let gift = waiting_gift(app, recipient_id, gift_id).await?;
    match gift.status.as_str() {
        DECLINED => return Ok(declined(&gift)),
        PENDING => {}
        _ => return Err(decided(&gift)),
    }
    match refund_buyer(app, &gift, DECLINED, "GiftDeclined").await {
        Ok(done) => Ok(declined(&done)),
        Err(refusal) => answered_meanwhile(app, gift_id, DECLINED, refusal, declined).await,
    }
}

/// Expires a gift left unanswered past its time (`gifts-expire`): the buyer is refunded as by a
/// decline, and told with `GiftExpired`. `false` if it was answered meanwhile.
pub async fn expire(app: &App, gift: &Gift) -> Result<bool, ApiError> {
    match refund_buyer(app, gift, EXPIRED, "GiftExpired").await {
        Ok(_) => Ok(true),
        Err(ApiError::Conflict { code: "gift_decided", .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// One money-flow transaction on the *buyer's* wallet: the gift moves from pending to `to`
/// (once), the buyer's order line is refunded, the credit and its ledger entry (`gift_refund`)
/// and the revenue reversal are written, and `event` tells the buyer. Returns the gift as left.
async fn refund_buyer(app: &App, gift: &Gift, to: &str, event: &str) -> Result<Gift, ApiError> {
    let (order, seen) =
        tokio::try_join!(orders::order(app, &gift.sender_id, &gift.order_id), wallet::read(app, &gift.sender_id))?;
    let order = order.ok_or_else(|| ApiError::internal(format!("gift {} has no order", gift.gift_id)))?;
    let line = order.lines.first().ok_or_else(|| ApiError::internal(format!("order {} is empty", order.order_id)))?;
    let flow = MoneyFlow {
        app,
        user_id: &gift.sender_id,
        change: WalletChange::Credit(gift.paid_gems),
        // The gift's state is what makes a refund happen once.
        idempotency: Idempotency::None,
        balance_field: BUYER_BALANCE,
    };
    let mut left = None;
    flow.run(seen, |tx| {
        let now = crate::clock::now_rfc3339();
        tx.add(Step::GiftDecision, gifts::decide(app, gift, to, &now, None)?);
        tx.add(Step::GiftMarker, gifts::clear_pending(app, gift)?);
        tx.add(Step::OrderRefund { game_id: gift.game_id }, orders::mark_line_refunded(app, &order, 0, &now)?);
        tx.add(
            Step::LedgerEntry,
            store::ledger::entry(app, &gift.sender_id, LedgerKind::GiftRefund, gift.paid_gems, &order.order_id)?,
        );
        let reversal =
            Line::refund(gift.game_id, &line.seller, &line.name, &order.order_id, line.paid_gems, line.fee_gems);
        tx.add(Step::RevenueLine, store::revenue::put_line(app, &reversal)?);
        let told = outbox::Entry::event(
            event,
            &gift.sender_id,
            json!({
                "giftId": gift.gift_id, "byUserId": gift.recipient_id, "byUsername": gift.recipient_name,
                "gameId": gift.game_id, "name": gift.name, "refundedGems": gift.paid_gems,
            }),
        );
        tx.add(Step::OutboxEntry, told.put(app)?);
        left = Some(Gift { status: to.into(), decided_at: Some(now), waiting: None, ..gift.clone() });
        // The buyer's new balance is theirs alone: nobody else's answer carries it.
        Ok(json!({}))
    })
    .await?;
    left.ok_or_else(|| ApiError::internal("a refunded gift without its state"))
}

/// Where the money flow of a refund puts the buyer's new balance (never shown to anyone else).
const BUYER_BALANCE: &str = "buyerBalance";

/// The gift, if it was sent to this player (anyone else's gift is unknown to them).
async fn waiting_gift(app: &App, recipient_id: &str, gift_id: &str) -> Result<Gift, ApiError> {
    match gifts::gift(app, gift_id).await? {
        Some(gift) if gift.recipient_id == recipient_id => Ok(gift),
        _ => Err(ApiError::NotFound { code: "unknown_gift", what: format!("gift {gift_id}") }),
    }
}

/// After a refused answer: if the gift was answered `status` meanwhile (a concurrent duplicate),
/// the same answer; otherwise the refusal.
async fn answered_meanwhile(
    app: &App,
    gift_id: &str,
    status: &str,
    refusal: ApiError,
    answer: fn(&Gift) -> Value,
) -> Result<Value, ApiError> {
    match gifts::gift(app, gift_id).await? {
        Some(gift) if gift.status == status => Ok(answer(&gift)),
        _ => Err(refusal),
    }
}

fn accepted(gift: &Gift) -> Value {
    let mut answer = gift_json(gift, &gift.recipient_id);
    answer["message"] = json!("Gift accepted");
    answer
}

fn declined(gift: &Gift) -> Value {
    let mut answer = gift_json(gift, &gift.recipient_id);
    answer["message"] = json!("Gift declined");
    answer
}

fn decided(gift: &Gift) -> ApiError {
    ApiError::Conflict { code: "gift_decided", detail: format!("this gift was {} already", gift.status) }
}

pub fn not_friends() -> ApiError {
    ApiError::Rule { code: "not_friends", field: Some("friendId"), detail: "gifts go to friends only".into() }
}

pub fn recipient_owns(game_id: u32) -> ApiError {
    ApiError::Conflict { code: "recipient_owns_game", detail: format!("your friend already owns game {game_id}") }
}

/// A gift as `viewer` (its buyer or its recipient) sees it: the price and the buyer's order are
/// the buyer's alone; the recipient's order is the recipient's alone.
pub fn gift_json(gift: &Gift, viewer: &str) -> Value {
    let mut shown = json!({
        "giftId": gift.gift_id,
        "from": { "userId": gift.sender_id, "username": gift.sender_name },
        "to": { "userId": gift.recipient_id, "username": gift.recipient_name },
        "gameId": gift.game_id,
        "name": gift.name,
        "note": gift.message,
        "status": gift.status,
        "createdAt": gift.created_at,
        "decidedAt": gift.decided_at,
    });
    if viewer == gift.sender_id {
        shown["priceGems"] = json!(gift.paid_gems);
        shown["orderId"] = json!(gift.order_id);
    } else {
        shown["orderId"] = json!(gift.recipient_order_id);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gift_message_is_trimmed_bounded_and_printable() {
        assert_eq!(checked_message(None).unwrap(), None);
        assert_eq!(checked_message(Some("   ")).unwrap(), None);
        assert_eq!(checked_message(Some("  enjoy!\nfrom me ")).unwrap().as_deref(), Some("enjoy!\nfrom me"));
        assert!(checked_message(Some(&"é".repeat(MAX_MESSAGE_CHARS))).is_ok());
        assert!(checked_message(Some(&"é".repeat(MAX_MESSAGE_CHARS + 1))).is_err());
        assert!(checked_message(Some("bell\u{7}")).is_err());
        assert!(checked_message(Some("\u{200B}\u{200B}")).is_err(), "invisible only");
        assert!(checked_message(Some("abc\u{202E}def")).is_err(), "bidi override");
    }
}
