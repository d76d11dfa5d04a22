//! Provably fair draws. Pure: no I/O.
//!
//! Each player has a secret server seed whose SHA-256 (the commitment) is published before any
//! draw uses it, a client seed the player may choose, and a nonce that counts their draws. Every
//! random number a draw needs is
//!
//! ```text
//! HMAC-SHA256(key = server seed, message = "{client seed}:{nonce}:{round}")
//! ```
//!
//! read as the big-endian integer of its first 8 bytes, modulo the range (the bias of a 64-bit
//! value modulo a range below 2^16 is under 10^-14). Round 0 picks the rarity (0..10_000); on a
//! banner with pity, round 1 is the featured coin (0..10_000) and round 2 the item within its
//! pool; without pity round 1 is the item. Rotating the seed reveals it: anyone can then check
//! the commitment and recompute every draw made with it.

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a draw needs: the next number in `0..range`.
pub trait Rolls {
    fn roll(&mut self, range: u32) -> u32;
}

/// Simulations draw from any ordinary generator.
impl<R: rand::Rng + ?Sized> Rolls for R {
    fn roll(&mut self, range: u32) -> u32 {
        self.random_range(0..range)
    }
}

/// A new server seed: 32 random bytes as hex (`rand::rng` is a CSPRNG seeded by the OS).
pub fn new_server_seed() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A client seed for players who never chose one.
pub fn new_client_seed() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The published commitment to a server seed: SHA-256 of its text, as hex.
pub fn commitment(server_seed: &str) -> String {
    hex::encode(Sha256::digest(server_seed.as_bytes()))
}

/// A client seed the player sets: 1-64 printable ASCII characters without a colon (the colon
/// separates the HMAC message's parts).
pub fn valid_client_seed(seed: &str) -> bool {
    (1..=64).contains(&seed.len()) && seed.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// The random number of `round` of draw `nonce`, in `0..range`.
pub fn roll(server_seed: &str, client_seed: &str, nonce: u64, round: u32, range: u32) -> u32 {
    let mut mac = Hmac::<Sha256>::new_from_slice(server_seed.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{client_seed}:{nonce}:{round}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let head = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 8 bytes"));
    (head % u64::from(range)) as u32
}

/// The rolls of one draw: rounds 0, 1, 2, ... of its nonce, in the order the engine asks.
pub struct FairDraw<'a> {
    pub server_seed: &'a str,
    pub client_seed: &'a str,
    pub nonce: u64,
    round: u32,
}

impl<'a> FairDraw<'a> {
    pub fn new(server_seed: &'a str, client_seed: &'a str, nonce: u64) -> FairDraw<'a> {
        FairDraw { server_seed, client_seed, nonce, round: 0 }
    }
}

impl Rolls for FairDraw<'_> {
    fn roll(&mut self, range: u32) -> u32 {
        let value = roll(self.server_seed, self.client_seed, self.nonce, self.round, range);
        self.round += 1;
        value
    }
}

/// What a pull record keeps so the draw can be recomputed once the seed is revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrawProof {
    /// SHA-256 of the server seed the draw used.
    pub commitment: String,
    pub client_seed: String,
    pub nonce: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roll_is_the_hmac_of_seed_and_message_modulo_the_range() {
        // Computed independently: python3 -c "import hmac,hashlib;
        // d=hmac.new(b'server',b'client:7:2',hashlib.sha256).digest();print(int.from_bytes(d[:8],'big')%10000)"
        assert_eq!(roll("server", "client", 7, 2, 10_000), 8187);
        assert!(roll("server", "client", 7, 2, 10_000) < 10_000);
        assert_ne!(roll("server", "client", 7, 2, u32::MAX), roll("server", "client", 8, 2, u32::MAX));
    }

    #[test]
    fn a_fair_draw_walks_the_rounds_of_its_nonce() {
        let mut draw = FairDraw::new("s", "c", 3);
        let got: Vec<u32> = (0..3).map(|_| draw.roll(1_000_000)).collect();
        let want: Vec<u32> = (0..3).map(|r| roll("s", "c", 3, r, 1_000_000)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_commitment_binds_the_seed() {
        let seed = new_server_seed();
        assert_eq!(seed.len(), 64);
        assert_eq!(commitment(&seed), commitment(&seed));
        assert_ne!(commitment(&seed), commitment(&new_server_seed()));
        assert_eq!(commitment("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn client_seeds_are_short_printable_and_colon_free() {
        assert!(valid_client_seed("lucky-7"));
        assert!(valid_client_seed(&new_client_seed()));
        assert!(!valid_client_seed(""));
        assert!(!valid_client_seed("a:b"));
        assert!(!valid_client_seed("with space"));
        assert!(!valid_client_seed(&"x".repeat(65)));
    }
}
