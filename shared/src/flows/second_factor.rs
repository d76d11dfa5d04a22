//! Proving the second factor: a TOTP code or a recovery code, checked against the secret, then
//! spent by a conditional write (a code works once). Code attempts take a slot first, per account.

use crate::domain::second_factor::{matching_step, recovery_code_hash};
use crate::error::ApiError;
use crate::store::accounts::SecondFactor;
use crate::store::rate_limit::{Limit, Scope};
use serde::Deserialize;

/// Wrong codes per account per minute, and per hour: with three steps accepted, 20 an hour
/// leaves a guesser about 0.15 % a day of a code's million.
pub const CODE_ATTEMPTS: Limit = Limit { max: 5, window_secs: 60 };
pub const CODE_ATTEMPTS_HOURLY: Limit = Limit { max: 20, window_secs: 3600 };

pub fn attempts(user_id: &str) -> [Scope; 2] {
    [
        Scope::new(format!("second-factor#{user_id}"), CODE_ATTEMPTS),
        Scope::new(format!("second-factor-hour#{user_id}"), CODE_ATTEMPTS_HOURLY),
    ]
}

/// What a client sends as its second factor: one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Proof {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
}

impl Proof {
    /// The factor this proof shows, if it is right for `secret` now. Whether it was used before
    /// is for the write that spends it to say.
    pub fn check(&self, secret: &str) -> Result<SecondFactor, ApiError> {
        let wrong = || ApiError::Unauthorized("the code is not right");
        match (&self.code, &self.recovery_code) {
            (Some(code), None) => {
                matching_step(secret, code, crate::clock::now_secs())?.map(SecondFactor::Step).ok_or_else(wrong)
            }
            (None, Some(recovery)) if recovery.len() <= 64 => {
                Ok(SecondFactor::RecoveryCode(recovery_code_hash(recovery)))
            }
            (None, Some(_)) => Err(wrong()),
            _ => Err(ApiError::Validation {
                field: None,
                detail: "send exactly one of `code` and `recoveryCode`".into(),
            }),
        }
    }
}
