//! DynamoDB stream consumer of the RevenueLines table: sums each batch's new lines per game and
//! adds them to the game's lifetime figure and to its month's figure, one update per figure per
//! batch (so a popular game's sales never queue on one item). Each figure remembers the last
//! stream record it counted, so a retried batch adds only what it did not count; a failure fails
//! the batch, and the stream retries it until the table is back.

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{Error, LambdaEvent};
use platform::store::revenue::{count_into_figure, figure_key, padded_sequence, Line};
use platform::App;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub async fn handle(event: LambdaEvent<Event>, app: &App) -> Result<Value, Error> {
    // The figures a batch touches, each with its lines in stream order.
    let mut figures: BTreeMap<(String, String), Vec<(String, Line)>> = BTreeMap::new();
    let mut unreadable = 0;
    for record in event.payload.records {
        if record.event_name != "INSERT" {
            continue;
        }
        let sequence = padded_sequence(record.change.sequence_number.as_deref().unwrap_or_default());
        let line: Line = match serde_dynamo::from_item(record.change.new_image) {
            Ok(line) => line,
            Err(error) => {
                // The lines table keeps it: the figures can be summed again from the lines.
                tracing::error!(%sequence, ?error, "unreadable revenue line left out of the figures");
                unreadable += 1;
                continue;
            }
        };
        for figure in [figure_key(line.game_id, None), figure_key(line.game_id, Some(&line.month))] {
            figures.entry((line.seller.clone(), figure)).or_default().push((sequence.clone(), line.clone()));
        }
    }
    for ((_, figure), lines) in &figures {
        count_into_figure(app, figure.clone(), lines).await?;
    }
    tracing::info!(figures = figures.len(), unreadable, "revenue batch counted");
    Ok(json!({ "figures": figures.len(), "unreadable": unreadable }))
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::dynamodb::Event;
    use platform::store::revenue::{Line, LineKind};

    #[test]
    fn the_sample_stream_event_carries_a_revenue_line() {
        let event: Event = serde_json::from_str(include_str!("../../../events/revenue-aggregate.json")).unwrap();
        let record = event.records.into_iter().next().unwrap();
        let line: Line = serde_dynamo::from_item(record.change.new_image).unwrap();
        assert_eq!((line.game_id, line.kind, line.gross_gems), (620, LineKind::Sale, 719));
        assert_eq!(line.gross_gems - line.fee_gems, line.net_gems);
    }
}
