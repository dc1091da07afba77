//! The records an import created for missing references, by (object, key hash), until lookups
//! can find them.

use super::FastMap;
use salesos_model::ids::{ObjectId, RecordId};

/// (object, key hash) → the record created for it (a placeholder until its commit lands).
///
/// One table per object keyed by the hash alone: 16-byte entries instead of 24, which matters
/// because with a key snapshot the map keeps every account a run creates (245,000 for the 1M-row
/// benchmark file, whose peak memory has a 100 MB budget).
#[derive(Debug, Default)]
pub(crate) struct CreatedRefs {
    by_object: FastMap<ObjectId, FastMap<i64, RecordId>>,
}

impl CreatedRefs {
    /// The record created for a key, if any.
    pub fn get(&self, key: &(ObjectId, i64)) -> Option<RecordId> {
        self.by_object.get(&key.0)?.get(&key.1).copied()
    }

    /// The record created for a key, to replace a placeholder by the id created.
    pub fn get_mut(&mut self, key: &(ObjectId, i64)) -> Option<&mut RecordId> {
        self.by_object.get_mut(&key.0)?.get_mut(&key.1)
    }

    /// Records the record created for a key.
    pub fn insert(&mut self, key: (ObjectId, i64), id: RecordId) {
        self.by_object.entry(key.0).or_default().insert(key.1, id);
    }

    /// Forgets a key (lookups find its record now).
    pub fn remove(&mut self, key: &(ObjectId, i64)) {
        if let Some(ids) = self.by_object.get_mut(&key.0) {
            ids.remove(&key.1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_objects_with_the_same_hash_stay_apart() {
        let mut refs = CreatedRefs::default();
        let (accounts, contacts) = (ObjectId(2), ObjectId(1));
        refs.insert((accounts, 42), RecordId::placeholder(0));
        refs.insert((contacts, 42), RecordId(7));
        assert_eq!(refs.get(&(accounts, 42)), Some(RecordId::placeholder(0)));
        assert_eq!(refs.get(&(contacts, 42)), Some(RecordId(7)));
        assert!(refs.get(&(accounts, 43)).is_none());
        *refs.get_mut(&(accounts, 42)).unwrap() = RecordId(9);
        assert_eq!(refs.get(&(accounts, 42)), Some(RecordId(9)));
        refs.remove(&(accounts, 42));
        assert!(refs.get(&(accounts, 42)).is_none());
        assert_eq!(refs.get(&(contacts, 42)), Some(RecordId(7)), "the other object's key is kept");
        refs.remove(&(ObjectId(5), 1));
    }
}
