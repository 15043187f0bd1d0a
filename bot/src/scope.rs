//! What one processor transaction has looked up already, so a batch of
//! messages from a few chats and people reads each chat, opt-out flag and
//! person once instead of once per message, and a person's profile is
//! sealed again only when it changed.
//!
//! A [`Scope`] lives exactly as long as one transaction: what it holds was
//! read or written inside that transaction (on SQLite the transaction holds
//! the write lock, so nobody else changes those rows meanwhile). Capture and
//! edits use it; every other route may change what it caches (/optout,
//! /forget, /mode, the bot joining a chat), so the processor clears it after
//! each of those. A rolled-back transaction drops its scope unused.
//!
//! [`ProfileMemo`] outlives transactions: it remembers, per person row, a
//! fingerprint of the profile last committed, so an unchanged name is not
//! sealed again on every message. It is filled only after a commit, from
//! what the scope recorded.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::Mutex;

use domain::records::Profile;
use domain::store::chats::Chat;
use domain::store::people::Person;

/// People remembered by [`ProfileMemo`] before it starts over (about 16
/// bytes each, plus the map's overhead).
const MEMO_CAPACITY: usize = 100_000;

/// Lookups made inside one transaction.
#[derive(Debug, Default)]
pub struct Scope {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    chats: HashMap<i64, Chat>,
    opted_out: HashMap<Vec<u8>, bool>,
    /// By user index: the row and the fingerprint of the profile it holds.
    people: HashMap<Vec<u8>, (Person, u64)>,
    /// Profiles written in this transaction: (person id, fingerprint).
    saved: Vec<(i64, u64)>,
}

impl Scope {
    /// An empty scope, for a new transaction.
    pub fn new() -> Scope {
        Scope::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A poisoned lock only means a panic elsewhere: the data is plain.
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The chat's row, if read in this transaction.
    pub fn chat(&self, id: i64) -> Option<Chat> {
        self.with(|i| i.chats.get(&id).cloned())
    }

    /// Remembers a chat's row as it is now in the transaction.
    pub fn put_chat(&self, chat: &Chat) {
        self.with(|i| i.chats.insert(chat.id, chat.clone()));
    }

    /// Forgets a chat's row (it was just changed).
    pub fn forget_chat(&self, id: i64) {
        self.with(|i| i.chats.remove(&id));
    }

    /// Whether the person is opted out, if checked in this transaction.
    pub fn opted_out(&self, index: &[u8]) -> Option<bool> {
        self.with(|i| i.opted_out.get(index).copied())
    }

    /// Remembers an opt-out check.
    pub fn put_opted_out(&self, index: &[u8], opted_out: bool) {
        self.with(|i| i.opted_out.insert(index.to_vec(), opted_out));
    }

    /// The person's row if it holds the profile with `fingerprint`.
    pub fn person(&self, index: &[u8], fingerprint: u64) -> Option<Person> {
        self.with(|i| {
            i.people
                .get(index)
                .filter(|(_, f)| *f == fingerprint)
                .map(|(p, _)| p.clone())
        })
    }

    /// Remembers a person's row holding the profile with `fingerprint`;
    /// `written` when this transaction wrote that profile.
    pub fn put_person(&self, person: &Person, fingerprint: u64, written: bool) {
        self.with(|i| {
            i.people
                .insert(person.user_index.clone(), (person.clone(), fingerprint));
            if written {
                i.saved.push((person.id, fingerprint));
            }
        });
    }

    /// Forgets every lookup (keeps the record of profiles written).
    pub fn clear(&self) {
        self.with(|i| {
            i.chats.clear();
            i.opted_out.clear();
            i.people.clear();
        });
    }

    /// Hands the profiles written to `memo`: call after the commit.
    pub fn committed(self, memo: &ProfileMemo) {
        let saved = match self.inner.into_inner() {
            Ok(i) => i.saved,
            Err(poisoned) => poisoned.into_inner().saved,
        };
        memo.remember(&saved);
    }
}

/// Per person row, the fingerprint of the profile last committed.
#[derive(Debug)]
pub struct ProfileMemo {
    hasher: RandomState,
    seen: Mutex<HashMap<i64, u64>>,
}

impl Default for ProfileMemo {
    fn default() -> Self {
        ProfileMemo::new()
    }
}

impl ProfileMemo {
    /// An empty memo with a fresh, random hash key (fingerprints mean
    /// nothing outside this process).
    pub fn new() -> ProfileMemo {
        ProfileMemo {
            hasher: RandomState::new(),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The fingerprint of a profile.
    pub fn fingerprint(&self, p: &Profile) -> u64 {
        let mut h = self.hasher.build_hasher();
        p.telegram_user_id.hash(&mut h);
        p.name.hash(&mut h);
        p.username.hash(&mut h);
        p.language_code.hash(&mut h);
        h.finish()
    }

    /// Whether person `id`'s row holds the profile with `fingerprint`, as
    /// far as this process committed it.
    pub fn holds(&self, id: i64, fingerprint: u64) -> bool {
        match self.seen.lock() {
            Ok(m) => m.get(&id) == Some(&fingerprint),
            Err(_) => false,
        }
    }

    fn remember(&self, saved: &[(i64, u64)]) {
        if saved.is_empty() {
            return;
        }
        if let Ok(mut m) = self.seen.lock() {
            if m.len() + saved.len() > MEMO_CAPACITY {
                m.clear();
            }
            m.extend(saved.iter().copied());
        }
    }

    /// Forgets person `id` (erased).
    pub fn forget(&self, id: i64) {
        if let Ok(mut m) = self.seen.lock() {
            m.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> Profile {
        Profile {
            telegram_user_id: 7,
            name: name.to_owned(),
            username: Some("ann".to_owned()),
            language_code: Some("en".to_owned()),
        }
    }

    #[test]
    fn a_changed_profile_has_another_fingerprint() {
        let memo = ProfileMemo::new();
        assert_eq!(
            memo.fingerprint(&profile("Ann")),
            memo.fingerprint(&profile("Ann"))
        );
        assert_ne!(
            memo.fingerprint(&profile("Ann")),
            memo.fingerprint(&profile("Anna"))
        );
    }

    #[test]
    fn only_committed_profiles_are_remembered() {
        let memo = ProfileMemo::new();
        let scope = Scope::new();
        let person = Person {
            id: 3,
            user_index: vec![1, 2, 3],
            key_id: Some(9),
            name_ct: None,
            username_ct: None,
            username_index: None,
            language_code: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let fp = memo.fingerprint(&profile("Ann"));
        scope.put_person(&person, fp, true);
        assert_eq!(scope.person(&[1, 2, 3], fp), Some(person.clone()));
        assert_eq!(scope.person(&[1, 2, 3], fp ^ 1), None);
        // Not committed yet: a rolled-back scope leaves the memo empty.
        assert!(!memo.holds(3, fp));
        scope.clear();
        assert_eq!(scope.person(&[1, 2, 3], fp), None);
        scope.committed(&memo);
        assert!(memo.holds(3, fp));
        assert!(!memo.holds(3, fp ^ 1));
        memo.forget(3);
        assert!(!memo.holds(3, fp));
    }
}
