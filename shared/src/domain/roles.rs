//! Roles beyond "player", which everyone is: a developer publishes games of the studios an admin
//! linked them to; an admin operates the platform. The first admin comes from an operator
//! command (`infra grant-role`), never from an endpoint.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Developer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, ApiError> {
        match raw {
            "developer" => Ok(Role::Developer),
            "admin" => Ok(Role::Admin),
            _ => Err(ApiError::validation("roles", "a role is developer or admin")),
        }
    }
}

/// Studio names as the catalog spells its developers and publishers: 1-100 characters, trimmed,
/// at most 20 of them.
pub fn studios(raw: &[String]) -> Result<Vec<String>, ApiError> {
    if raw.len() > 20 {
        return Err(ApiError::validation("studios", "at most 20 studios"));
    }
    let mut out: Vec<String> = Vec::new();
    for name in raw {
        let name = name.trim();
        if !(1..=100).contains(&name.chars().count()) || name.chars().any(char::is_control) {
            return Err(ApiError::validation("studios", "a studio name is 1-100 characters"));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    Ok(out)
}
