//! Scheduled (every minute): announces over the WebSocket API each banner that opened or closed
//! in the last hour, once: `{type: "bannerOpened" | "bannerClosed", bannerId, banner}` to every
//! open connection. The claim to announce is written before the broadcast (at most once: a
//! failed broadcast is logged, and players still see the banner list).

use lambda_runtime::{Error, LambdaEvent};
use platform::domain::gacha::Banner;
use platform::store::{banners, connections};
use platform::{clock, sockets, App};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

/// How far back a run looks: a banner that changed state while runs were failing is still
/// announced when they recover, if within this window.
const WINDOW: Duration = Duration::hours(1);

pub async fn handle(_event: LambdaEvent<Value>, app: &App) -> Result<Value, Error> {
    let announced = announce(app, clock::now()).await.map_err(|e| format!("{e:?}"))?;
    tracing::info!(?announced, "banner announcements");
    Ok(json!({ "announced": announced }))
}

/// The changes due at `now`: (frame type, banner, the time it changed).
fn due(banners: Vec<Banner>, now: OffsetDateTime) -> Vec<(&'static str, Banner, OffsetDateTime)> {
    let recent = |at: Option<OffsetDateTime>| at.filter(|at| *at <= now && now - *at < WINDOW);
    let mut due = Vec::new();
    for banner in banners {
        if let Some(at) = recent(banner.starts_at) {
            due.push(("bannerOpened", banner.clone(), at));
        }
        if let Some(at) = recent(banner.ends_at) {
            due.push(("bannerClosed", banner, at));
        }
    }
    due
}

/// What this run announced, as `bannerId kind`.
async fn announce(app: &App, now: OffsetDateTime) -> Result<Vec<String>, platform::ApiError> {
    let mut announced = Vec::new();
    for (kind, banner, at) in due(banners::list(app).await?, now) {
        if !banners::claim_announcement(app, &banner.banner_id, kind, &clock::format(at)).await? {
            continue; // an earlier run announced it
        }
        let frame = json!({ "type": kind, "bannerId": banner.banner_id, "banner": banner.listing(now) });
        sockets::push_each(app, &connections::all(app).await?, &frame).await;
        announced.push(format!("{} {kind}", banner.banner_id));
    }
    Ok(announced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banner(starts: Duration, ends: Duration, now: OffsetDateTime) -> Banner {
        let mut banner: Banner = serde_json::from_value(json!({
            "bannerId": "b", "name": "B", "costPerPull": 1,
            "rates": { "rare": 10000, "superRare": 0, "ultraRare": 0 },
            "items": [{ "id": "r", "name": "R", "type": "hero", "rarity": "rare" }]
        }))
        .unwrap();
        banner.starts_at = Some(now + starts);
        banner.ends_at = Some(now + ends);
        banner
    }

    #[test]
    fn a_banner_is_due_once_it_opens_or_closes_and_for_an_hour_after() {
        let now = OffsetDateTime::now_utc();
        let kinds = |b: Banner| due(vec![b], now).into_iter().map(|(k, ..)| k).collect::<Vec<_>>();
        assert_eq!(kinds(banner(Duration::minutes(-1), Duration::days(1), now)), ["bannerOpened"]);
        assert_eq!(kinds(banner(Duration::minutes(1), Duration::days(1), now)), Vec::<&str>::new(), "not yet");
        assert_eq!(kinds(banner(Duration::days(-7), Duration::minutes(-5), now)), ["bannerClosed"]);
        assert_eq!(kinds(banner(Duration::hours(-2), Duration::days(1), now)), Vec::<&str>::new(), "too long ago");
    }
}
