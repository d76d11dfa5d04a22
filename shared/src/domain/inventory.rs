//! A player's collection: how many of each item they hold, and what duplicates past the cap
//! turn into. Pure: no I/O.

use super::gacha::{GachaItem, Rarity};
use std::collections::HashMap;

/// Copies of one item a player can hold (the first and six duplicates, as Genshin's
/// constellations); every copy past it converts to shards.
pub const DUPLICATE_CAP: u64 = 7;

/// Shards one converted copy is worth.
pub fn shards_per_copy(rarity: Rarity) -> u64 {
    match rarity {
        Rarity::Rare => 1,
        Rarity::SuperRare => 10,
        Rarity::UltraRare => 50,
    }
}

/// What a pull does to one item of the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemGain {
    pub item: GachaItem,
    /// Copies held before the pull (the write is conditioned on it).
    pub before: u64,
    /// Copies held after, at most the cap.
    pub after: u64,
    /// Copies past the cap, turned into shards.
    pub converted: u64,
}

/// The gains of `drawn` on top of `held` (copies per item id), one per distinct item in the
/// order first drawn, and the shards the converted copies give.
pub fn gains<'a>(drawn: impl IntoIterator<Item = &'a GachaItem>, held: &HashMap<String, u64>) -> (Vec<ItemGain>, u64) {
    let mut gains: Vec<ItemGain> = Vec::new();
    for item in drawn {
        match gains.iter_mut().find(|g| g.item.id == item.id) {
            Some(gain) => gain.after += 1,
            None => {
                let before = held.get(&item.id).copied().unwrap_or(0);
                gains.push(ItemGain { item: item.clone(), before, after: before + 1, converted: 0 });
            }
        }
    }
    let mut shards = 0;
    for gain in &mut gains {
        if gain.after > DUPLICATE_CAP {
            gain.converted = gain.after - DUPLICATE_CAP.max(gain.before);
            gain.after = DUPLICATE_CAP.max(gain.before);
            shards += gain.converted * shards_per_copy(gain.item.rarity);
        }
    }
    (gains, shards)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gacha::ItemType;

    fn item(id: &str, rarity: Rarity) -> GachaItem {
        GachaItem { id: id.into(), name: id.into(), item_type: ItemType::Hero, rarity }
    }

    #[test]
    fn copies_up_to_the_cap_are_kept_and_the_rest_become_shards() {
        let (r, s, u) = (item("r", Rarity::Rare), item("s", Rarity::SuperRare), item("u", Rarity::UltraRare));
        let held = HashMap::from([("r".to_owned(), 6), ("u".to_owned(), 7)]);
        let (gains, shards) = gains([&r, &r, &r, &s, &u], &held);
        assert_eq!(gains.len(), 3, "one gain per distinct item");
        assert_eq!((gains[0].before, gains[0].after, gains[0].converted), (6, 7, 2));
        assert_eq!((gains[1].before, gains[1].after, gains[1].converted), (0, 1, 0));
        assert_eq!((gains[2].before, gains[2].after, gains[2].converted), (7, 7, 1));
        assert_eq!(shards, 2 + 50, "two rare copies at 1, one ultra rare at 50");
    }

    #[test]
    fn a_first_pull_converts_nothing() {
        let r = item("r", Rarity::Rare);
        let (gains, shards) = gains([&r], &HashMap::new());
        assert_eq!((gains[0].before, gains[0].after, gains[0].converted, shards), (0, 1, 0, 0));
    }
}
