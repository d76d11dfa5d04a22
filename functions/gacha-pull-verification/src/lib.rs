//! `GET /gacha/pulls/{pullId}/verification`: recomputes one of the caller's pulls from its
//! revealed server seed, client seed and nonce, the pity counters it started from and the
//! banner's (locked) draw rules, and says whether the seed matches its commitment and the
//! recomputed item the recorded one. The README has a standalone script doing the same.

use lambda_http::Request;
use platform::domain::fairness::{commitment, FairDraw, Rolls};
use platform::http::{json_response, path_param, HttpResult};
use platform::store::{banners, fairness, pulls};
use platform::{ApiError, App};
use serde_json::json;

/// The rolls a draw asked for, kept to show them.
struct Recorded<'a> {
    inner: FairDraw<'a>,
    rolls: Vec<serde_json::Value>,
}

impl Rolls for Recorded<'_> {
    fn roll(&mut self, range: u32) -> u32 {
        let round = self.rolls.len();
        let value = self.inner.roll(range);
        self.rolls.push(json!({ "round": round, "range": range, "value": value }));
        value
    }
}

pub async fn handle(req: Request, app: &App) -> HttpResult {
    let player = app.authenticate(&req).await?;
    let pull_id = path_param(&req, "pullId")?;
    let unknown = || ApiError::NotFound { code: "unknown_pull", what: format!("pull {pull_id}") };
    if uuid::Uuid::parse_str(&pull_id).is_err() {
        return Err(unknown());
    }
    let record = pulls::get(app, &player.user_id, &pull_id).await?.ok_or_else(unknown)?;
    let proof = record.proof.as_ref().ok_or_else(|| ApiError::Conflict {
        code: "not_verifiable",
        detail: "this pull was drawn before provably fair pulls existed".into(),
    })?;
    let seed =
        fairness::revealed(app, &player.user_id, &proof.commitment).await?.ok_or_else(|| ApiError::Conflict {
            code: "seed_not_revealed",
            detail: "the seed of this pull is still active: rotate it (POST /gacha/fairness/rotate) to reveal it"
                .into(),
        })?;
    let banner = banners::get(app, &record.banner_id).await?;
    let mut state = record.pity_before.unwrap_or_default();
    let mut rolls =
        Recorded { inner: FairDraw::new(&seed.server_seed, &proof.client_seed, proof.nonce), rolls: vec![] };
    let recomputed = banner.pull_with_pity(&mut state, &mut rolls).clone();
    json_response(
        200,
        &json!({
            "pullId": record.pull_id,
            "bannerId": record.banner_id,
            "serverSeed": seed.server_seed,
            "commitment": proof.commitment,
            "commitmentMatches": commitment(&seed.server_seed) == proof.commitment,
            "clientSeed": proof.client_seed,
            "nonce": proof.nonce,
            "pityBefore": record.pity_before,
            "rolls": rolls.rolls,
            "recordedItem": record.item,
            "recomputedItem": recomputed,
            "nonceInRange": proof.nonce < seed.draws,
            "matches": recomputed == record.item && proof.nonce < seed.draws,
        }),
    )
}
