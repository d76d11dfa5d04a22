//! RevenueLines and Revenue tables: the developer's side of every sale and refund.
//!
//! A line is written in the purchase's (or refund's) own transaction, one new item per order, so
//! a popular game's sales never contend on one item. The Revenue table holds the figures a
//! developer reads (per game: lifetime and per month), summed from the lines' stream by
//! `revenue-aggregate` with one update per game per batch, not per sale. Each figure remembers
//! the last stream record it counted, so a redelivered batch is not counted twice.

use super::{get_s, n, put_new, s, Item};
use crate::app::{App, Table};
use crate::domain::revenue::seller_key;
use crate::error::ApiError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Sale,
    Refund,
}

/// One sale or refund of one game, as the seller sees it. A refund's line is its sale's line
/// negated, so the two sum to zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub game_id: u32,
    /// Time-ordered: the sort key.
    pub line_id: String,
    pub kind: LineKind,
    pub seller: String,
    pub name: String,
    pub order_id: String,
    /// +1 for a sale, -1 for a refund.
    pub units: i64,
    pub gross_gems: i64,
    pub fee_gems: i64,
    pub net_gems: i64,
    /// `YYYY-MM` (UTC): the statement the line belongs to.
    pub month: String,
    pub created_at: String,
}

impl Line {
    /// The line of a sale of `gross` gems with the platform's `fee`.
    pub fn sale(game_id: u32, seller: &str, name: &str, order_id: &str, gross: u64, fee: u64) -> Line {
        let now = crate::clock::now_rfc3339();
        Line {
            game_id,
            line_id: super::new_id(),
            kind: LineKind::Sale,
            seller: seller.into(),
            name: name.into(),
            order_id: order_id.into(),
            units: 1,
            gross_gems: gross as i64,
            fee_gems: fee as i64,
            net_gems: gross as i64 - fee as i64,
            month: crate::domain::revenue::month_of(&now).into(),
            created_at: now,
        }
    }

    /// The refund of a sale of `gross` gems that paid `fee`: the sale's line negated, in this
    /// month's statement.
    pub fn refund(game_id: u32, seller: &str, name: &str, order_id: &str, gross: u64, fee: u64) -> Line {
        let sale = Line::sale(game_id, seller, name, order_id, gross, fee);
        Line {
            kind: LineKind::Refund,
            units: -sale.units,
            gross_gems: -sale.gross_gems,
            fee_gems: -sale.fee_gems,
            net_gems: -sale.net_gems,
            ..sale
        }
    }
}

/// The line, written once.
pub fn put_line(app: &App, line: &Line) -> Result<TransactWriteItem, ApiError> {
    put_new(app.table(Table::REVENUE_LINES)?, line, "lineId")
}

/// A game's revenue so far (sales less refunds, gems) as the aggregate knows it: what the fee
/// tier of the next sale is decided on. The aggregate trails the lines by the stream's delay
/// (seconds), so a sale in that gap is charged at the tier the game had just before.
pub async fn lifetime_gross(app: &App, seller: &str, game_id: u32) -> Result<u64, ApiError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table(Table::REVENUE)?)
        .key("sellerKey", s(seller_key(seller)))
        .key("figure", s(lifetime_figure(game_id)))
        .projection_expression("grossGems, refundedGems")
        .send()
        .await?;
    let item = out.item.unwrap_or_default();
    let sum = |k: &str| super::get_n::<i64>(&item, k).unwrap_or(0);
    Ok((sum("grossGems") - sum("refundedGems")).max(0) as u64)
}

fn lifetime_figure(game_id: u32) -> String {
    format!("game#{game_id:010}")
}

fn month_figure(month: &str, game_id: u32) -> String {
    format!("month#{month}#game#{game_id:010}")
}

/// A game's figures over a period, as a developer reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub game_id: u32,
    pub name: String,
    pub seller: String,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// Units and gems over a period: `net = gross - refunded - fee`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Amounts {
    pub units_sold: i64,
    pub units_refunded: i64,
    pub gross_gems: i64,
    pub refunded_gems: i64,
    pub fee_gems: i64,
    pub net_gems: i64,
}

impl Amounts {
    /// Adds one line.
    pub fn add(&mut self, line: &Line) {
        match line.kind {
            LineKind::Sale => {
                self.units_sold += line.units;
                self.gross_gems += line.gross_gems;
            }
            LineKind::Refund => {
                self.units_refunded -= line.units;
                self.refunded_gems -= line.gross_gems;
            }
        }
        self.fee_gems += line.fee_gems;
        self.net_gems += line.net_gems;
    }

    /// Each amount summed over `figures` (a statement's totals).
    pub fn total<'a>(figures: impl IntoIterator<Item = &'a Figures>) -> Amounts {
        let mut total = Amounts::default();
        for f in figures {
            let a = &f.amounts;
            total.units_sold += a.units_sold;
            total.units_refunded += a.units_refunded;
            total.gross_gems += a.gross_gems;
            total.refunded_gems += a.refunded_gems;
            total.fee_gems += a.fee_gems;
            total.net_gems += a.net_gems;
        }
        total
    }
}

/// Stream sequence numbers are digit strings of up to 40 digits: padded, they compare as text.
pub fn padded_sequence(raw: &str) -> String {
    format!("{raw:0>40}")
}

/// Adds a batch's `sum` of one game's lines to one figure (the game's lifetime, or one month)
/// unless the figure already counted through `last_sequence`. `first_sequence` is the lowest of
/// the lines summed; if the figure counted some of them (a retried batch), `Err(Some(counted))`
/// says through which record, and the caller sums only the later lines and tries again.
async fn add_to_figure(
    app: &App,
    figure: String,
    sum: &Figures,
    first_sequence: &str,
    last_sequence: &str,
) -> Result<Result<(), String>, ApiError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table(Table::REVENUE)?)
        .key("sellerKey", s(seller_key(&sum.seller)))
        .key("figure", s(figure))
        .update_expression(
            "SET gameId = :game, #name = :name, seller = :seller, lastSequence = :last \
             ADD unitsSold :sold, unitsRefunded :refunded, grossGems :gross, refundedGems :refundedGems, \
             feeGems :fee, netGems :net",
        )
        .condition_expression("attribute_not_exists(lastSequence) OR lastSequence < :first")
        .expression_attribute_names("#name", "name")
        .expression_attribute_values(":game", n(sum.game_id))
        .expression_attribute_values(":name", s(&sum.name))
        .expression_attribute_values(":seller", s(&sum.seller))
        .expression_attribute_values(":last", s(last_sequence))
        .expression_attribute_values(":first", s(first_sequence))
        .expression_attribute_values(":sold", n(sum.amounts.units_sold))
        .expression_attribute_values(":refunded", n(sum.amounts.units_refunded))
        .expression_attribute_values(":gross", n(sum.amounts.gross_gems))
        .expression_attribute_values(":refundedGems", n(sum.amounts.refunded_gems))
        .expression_attribute_values(":fee", n(sum.amounts.fee_gems))
        .expression_attribute_values(":net", n(sum.amounts.net_gems))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                Ok(Err(e.item().and_then(|item| get_s(item, "lastSequence")).unwrap_or_default().to_owned()))
            }
            _ => Err(err.into()),
        },
    }
}

/// Counts `lines` (one game's, with their padded stream sequence numbers, in stream order) into
/// the figure, skipping those it counted before.
pub async fn count_into_figure(app: &App, figure: String, lines: &[(String, Line)]) -> Result<(), ApiError> {
    let mut pending: Vec<&(String, Line)> = lines.iter().collect();
    // Twice at most: the second attempt sums only lines after what the figure had counted.
    for _ in 0..3 {
        let (Some(first), Some(last)) = (pending.first(), pending.last()) else { return Ok(()) };
        let mut sum = Figures {
            game_id: first.1.game_id,
            name: first.1.name.clone(),
            seller: first.1.seller.clone(),
            ..Figures::default()
        };
        for (_, line) in &pending {
            sum.amounts.add(line);
        }
        match add_to_figure(app, figure.clone(), &sum, &first.0, &last.0).await? {
            Ok(()) => return Ok(()),
            Err(counted_through) => pending.retain(|(sequence, _)| *sequence > counted_through),
        }
    }
    Err(ApiError::Unavailable("a revenue figure kept moving while it was counted".into()))
}

/// The key of a game's lifetime figure (`month: None`) or of one month's.
pub fn figure_key(game_id: u32, month: Option<&str>) -> String {
    match month {
        Some(month) => month_figure(month, game_id),
        None => lifetime_figure(game_id),
    }
}

/// Every game's figures of a seller: lifetime, or one month's.
pub async fn seller_figures(app: &App, seller: &str, month: Option<&str>) -> Result<Vec<Figures>, ApiError> {
    let prefix = match month {
        Some(month) => format!("month#{month}#"),
        None => "game#".into(),
    };
    let mut out = Vec::new();
    let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
    loop {
        let page = app
            .db
            .query()
            .table_name(app.table(Table::REVENUE)?)
            .key_condition_expression("sellerKey = :seller AND begins_with(figure, :prefix)")
            .expression_attribute_values(":seller", s(seller_key(seller)))
            .expression_attribute_values(":prefix", s(&prefix))
            .set_exclusive_start_key(start.take())
            .send()
            .await?;
        for item in page.items.unwrap_or_default() {
            out.push(figures_from(&item));
        }
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(out),
        }
    }
}

fn figures_from(item: &Item) -> Figures {
    let num = |k: &str| super::get_n::<i64>(item, k).unwrap_or(0);
    Figures {
        game_id: super::get_n(item, "gameId").unwrap_or(0),
        name: get_s(item, "name").unwrap_or_default().into(),
        seller: get_s(item, "seller").unwrap_or_default().into(),
        amounts: Amounts {
            units_sold: num("unitsSold"),
            units_refunded: num("unitsRefunded"),
            gross_gems: num("grossGems"),
            refunded_gems: num("refundedGems"),
            fee_gems: num("feeGems"),
            net_gems: num("netGems"),
        },
    }
}

/// Every game's figures of a developer's studios (lifetime, or one month's), by game id.
pub async fn studios_figures(app: &App, studios: &[String], month: Option<&str>) -> Result<Vec<Figures>, ApiError> {
    let mut all = Vec::new();
    for studio in studios {
        all.extend(seller_figures(app, studio, month).await?);
    }
    all.sort_by_key(|f| f.game_id);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refund_line_cancels_its_sale_in_the_figures() {
        let sale = Line::sale(620, "Valve", "Portal 2", "o1", 719, 216);
        assert_eq!(sale.net_gems, 503);
        let refund = Line::refund(620, "Valve", "Portal 2", "o1", 719, 216);
        let mut figures = Amounts::default();
        figures.add(&sale);
        figures.add(&refund);
        assert_eq!((figures.units_sold, figures.units_refunded), (1, 1));
        assert_eq!((figures.gross_gems, figures.refunded_gems), (719, 719));
        assert_eq!((figures.fee_gems, figures.net_gems), (0, 0));
        assert_eq!(sale.gross_gems + refund.gross_gems, 0);
    }

    #[test]
    fn padded_sequence_numbers_compare_as_numbers() {
        assert!(padded_sequence("900") < padded_sequence("1000"));
        assert_eq!(padded_sequence("12").len(), 40);
    }
}
