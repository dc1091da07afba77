//! [`FieldMap`]: a record's values by storage key, as one vector sorted by key.
//!
//! A record holds a few dozen fields (a few hundred with many custom fields), and the import
//! builds one map per row: a sorted vector is one allocation where a B-tree of that size takes
//! three, it is built from values that already come in key order without a search per value, and
//! it is read from contiguous keys (a scan for an equal key up to [`SCAN_UP_TO`] fields, a binary
//! search beyond; inserting moves the later entries, cheap at these sizes). Keys are
//! [`FieldKey`]s, stored inline up to 23 bytes (every standard field name), so a row's keys cost
//! no allocation either. Iteration is in key order, as a B-tree map's.

use crate::value::Value;
use std::fmt;

/// Maps of up to this many fields are searched by a scan rather than a binary search.
const SCAN_UP_TO: usize = 24;

/// A field's storage key (its api name): inline up to 23 bytes, cheap to clone.
pub type FieldKey = smol_str::SmolStr;

/// Field values keyed by storage key, in key order, each key once.
#[derive(Clone, Default, PartialEq)]
pub struct FieldMap {
    entries: Vec<(FieldKey, Value)>,
}

impl FieldMap {
    /// An empty map.
    pub fn new() -> FieldMap {
        FieldMap { entries: Vec::new() }
    }

    /// Builds a map from entries in strictly increasing key order (a mapping's values by the rank
    /// of their keys), taken as they are: the order is checked in debug builds only (this runs
    /// for every imported row), and a map built out of order would miss keys in searches.
    pub fn from_sorted(entries: Vec<(FieldKey, Value)>) -> FieldMap {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0), "keys out of order: {entries:?}");
        FieldMap { entries }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `key` is, or where it would go.
    fn position(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Where `key` is. A short map is scanned for an equal key (a length comparison rejects most
    /// at once), which costs less than the ordered comparisons of a binary search.
    fn find(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= SCAN_UP_TO {
            self.entries.iter().position(|(k, _)| k.as_str() == key)
        } else {
            self.position(key).ok()
        }
    }

    /// The value of a field.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).map(|at| &self.entries[at].1)
    }

    /// The value of a field, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.find(key).map(|at| &mut self.entries[at].1)
    }

    /// Whether the map holds a field.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Sets a field; returns its value before.
    pub fn insert(&mut self, key: FieldKey, value: Value) -> Option<Value> {
        match self.position(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Removes a field; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).map(|at| self.entries.remove(at).1)
    }

    /// The value of a field, inserting `value` first when it is absent.
    pub fn get_or_insert(&mut self, key: &str, value: Value) -> &mut Value {
        let at = match self.position(key) {
            Ok(at) => at,
            Err(at) => {
                self.entries.insert(at, (FieldKey::new(key), value));
                at
            }
        };
        &mut self.entries[at].1
    }

    /// Keeps only the fields for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&FieldKey, &mut Value) -> bool) {
        self.entries.retain_mut(|(key, value)| keep(key, value));
    }

    /// The fields in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { inner: self.entries.iter() }
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &FieldKey> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(key, _)| key)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, value)| value)
    }

    /// The values in key order, changeable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, value)| value)
    }
}

/// The fields of a [`FieldMap`] in key order.
#[derive(Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, (FieldKey, Value)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a FieldKey, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(key, value)| (key, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(key, value)| (key, value))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a FieldMap {
    type Item = (&'a FieldKey, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for FieldMap {
    type Item = (FieldKey, Value);
    type IntoIter = std::vec::IntoIter<(FieldKey, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<FieldKey>> FromIterator<(K, Value)> for FieldMap {
    /// Collects fields in any order; of two values for one key the later wins, as inserting
    /// them one by one would.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(items: I) -> FieldMap {
        let mut entries: Vec<(FieldKey, Value)> = items.into_iter().map(|(key, value)| (key.into(), value)).collect();
        if entries.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            return FieldMap { entries };
        }
        // Stable: equal keys keep their order, and the last of each run is kept.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(FieldKey, Value)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match kept.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => kept.push((key, value)),
            }
        }
        FieldMap { entries: kept }
    }
}

impl<K: Into<FieldKey>, const N: usize> From<[(K, Value); N]> for FieldMap {
    fn from(items: [(K, Value); N]) -> FieldMap {
        items.into_iter().collect()
    }
}

impl fmt::Debug for FieldMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for FieldMap {
    type Output = Value;

    /// The value of a field; panics when absent, as a map's index does.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or_else(|| panic!("no field {key:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn collecting_sorts_by_key_and_keeps_the_later_of_two_values_as_inserting_would() {
        let map: FieldMap = [("phone", text("1")), ("email", text("a")), ("phone", text("2")), ("city", text("x"))].into();
        let keys: Vec<&str> = map.keys().map(FieldKey::as_str).collect();
        assert_eq!(keys, ["city", "email", "phone"]);
        assert_eq!(map.get("phone"), Some(&text("2")));
        let mut inserted = FieldMap::new();
        for (key, value) in [("phone", text("1")), ("email", text("a")), ("phone", text("2")), ("city", text("x"))] {
            inserted.insert(key.into(), value);
        }
        assert_eq!(inserted, map);
    }

    #[test]
    fn from_sorted_takes_sorted_entries_as_they_are() {
        let sorted = vec![(FieldKey::new("a"), text("1")), (FieldKey::new("b"), text("2"))];
        let map = FieldMap::from_sorted(sorted.clone());
        assert_eq!(map, sorted.iter().cloned().collect());
        assert_eq!(map.into_iter().collect::<Vec<_>>(), sorted);
    }

    #[test]
    #[should_panic(expected = "keys out of order")]
    #[cfg(debug_assertions)]
    fn from_sorted_refuses_entries_out_of_order_in_debug_builds() {
        let _ = FieldMap::from_sorted(vec![(FieldKey::new("b"), text("2")), (FieldKey::new("a"), text("1"))]);
    }

    #[test]
    fn lookups_find_the_same_fields_in_short_and_long_maps() {
        for size in [0, 1, 5, SCAN_UP_TO, SCAN_UP_TO + 1, 100] {
            let mut map: FieldMap = (0..size).rev().map(|i| (format!("field_{i:03}"), Value::Number(i as f64))).collect();
            for i in 0..size {
                let key = format!("field_{i:03}");
                assert_eq!(map.get(&key), Some(&Value::Number(i as f64)), "{key} of {size}");
                assert!(map.contains_key(&key));
            }
            assert_eq!((map.get("field_"), map.get("field_999"), map.get("")), (None, None, None));
            if size > 0 {
                *map.get_mut("field_000").unwrap() = Value::Null;
                assert_eq!(map.remove("field_000"), Some(Value::Null));
                assert_eq!((map.len(), map.get("field_000")), (size - 1, None));
            }
        }
    }

    #[test]
    fn insert_get_remove_and_retain_behave_as_a_maps() {
        let mut map = FieldMap::new();
        assert_eq!(map.insert("b".into(), text("1")), None);
        assert_eq!(map.insert(String::from("a").into(), text("2")), None);
        assert_eq!(map.insert("b".into(), text("3")), Some(text("1")));
        assert_eq!((map.len(), map.get("b"), map.contains_key("c")), (2, Some(&text("3")), false));
        *map.get_or_insert("c", Value::Null) = text("4");
        assert_eq!(map.get_or_insert("c", Value::Null), &text("4"));
        assert_eq!(map.remove("a"), Some(text("2")));
        assert_eq!(map.remove("a"), None);
        map.retain(|key, _| key != "b");
        assert_eq!(map.keys().map(FieldKey::as_str).collect::<Vec<_>>(), ["c"]);
        assert_eq!(map["c"], text("4"));
    }
}
