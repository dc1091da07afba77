//! [`Cells`]: the cells of one source row, as one text with the cells' end positions.
//!
//! A row read from a CSV file is copied in one piece (a record's cells lie one after the other
//! in the parser's buffer, so one copy takes them all), and whoever reads it next (the transform,
//! often on the other core) finds it in a few adjacent cache lines rather than in one heap
//! allocation per cell. Rows are reused across batches: the buffers keep their capacity.

use std::fmt;

/// The cells of a row, in column order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cells {
    /// Every cell's text, one after the other.
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
}

impl Cells {
    /// No cells.
    pub fn new() -> Cells {
        Cells::default()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of cell `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1],
        };
        // Cells are pushed whole, so their bounds are character boundaries.
        self.text.get(start..end)
    }

    /// The cells' texts in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { cells: self, next: 0, end: self.ends.len() }
    }

    /// Appends a cell.
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
        self.ends.push(self.text.len());
    }

    /// Appends an empty cell.
    pub fn push_empty(&mut self) {
        self.ends.push(self.text.len());
    }

    /// Appends cells whose texts are already laid out one after the other in `text`, ending at
    /// `ends` (positions in `text`, increasing, on character boundaries): one copy for them all.
    /// Returns false, with nothing appended, if an end is not a boundary of `text`.
    pub fn push_laid_out(&mut self, text: &str, ends: impl ExactSizeIterator<Item = usize> + Clone) -> bool {
        let mut start = 0;
        for end in ends.clone() {
            if end < start || !text.is_char_boundary(end) {
                return false;
            }
            start = end;
        }
        let Some(used) = text.get(..start) else { return false };
        let base = self.text.len();
        self.text.push_str(used);
        self.ends.reserve(ends.len());
        self.ends.extend(ends.map(|end| base + end));
        true
    }

    /// Removes every cell, keeping the buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Keeps the first `len` cells.
    pub fn truncate(&mut self, len: usize) {
        if len < self.ends.len() {
            let end = match len {
                0 => 0,
                _ => self.ends[len - 1],
            };
            self.ends.truncate(len);
            self.text.truncate(end);
        }
    }

    /// Adds empty cells up to `len` cells (never removes any).
    pub fn pad_to(&mut self, len: usize) {
        while self.ends.len() < len {
            self.push_empty();
        }
    }

    /// Replaces every cell with these texts.
    pub fn set_all<S: AsRef<str>>(&mut self, texts: impl IntoIterator<Item = S>) {
        self.clear();
        for text in texts {
            self.push(text.as_ref());
        }
    }

    /// The cells as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// The cells joined with `separator`.
    pub fn join(&self, separator: &str) -> String {
        self.iter().collect::<Vec<&str>>().join(separator)
    }
}

/// The texts of a row's cells in order.
#[derive(Clone)]
pub struct Iter<'a> {
    cells: &'a Cells,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.next >= self.end {
            return None;
        }
        self.next += 1;
        self.cells.get(self.next - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.end - self.next;
        (left, Some(left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        self.cells.get(self.end)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Cells {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl std::ops::Index<usize> for Cells {
    type Output = str;

    /// The text of cell `index`; panics past the last cell, as a slice does.
    fn index(&self, index: usize) -> &str {
        self.get(index).unwrap_or_else(|| panic!("cell {index} of {}", self.len()))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Cells {
    fn from_iter<I: IntoIterator<Item = S>>(texts: I) -> Cells {
        let mut cells = Cells::new();
        cells.set_all(texts);
        cells
    }
}

impl<S: AsRef<str>> From<Vec<S>> for Cells {
    fn from(texts: Vec<S>) -> Cells {
        texts.into_iter().collect()
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Cells {
    fn eq(&self, other: &Vec<S>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Cells {
    fn eq(&self, other: &[S; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_push_read_truncate_and_pad_like_a_vector_of_strings() {
        let mut cells = Cells::new();
        for text in ["a", "", "Zoë", "x,y"] {
            cells.push(text);
        }
        assert_eq!(cells, ["a", "", "Zoë", "x,y"]);
        assert_eq!((cells.len(), &cells[2], cells.get(4)), (4, "Zoë", None));
        assert_eq!(cells.iter().rev().collect::<Vec<_>>(), ["x,y", "Zoë", "", "a"]);
        assert_eq!(cells.join("|"), "a||Zoë|x,y");
        cells.truncate(3);
        assert_eq!(cells.to_vec(), ["a", "", "Zoë"]);
        cells.pad_to(4);
        cells.push_empty();
        assert_eq!(cells, ["a", "", "Zoë", "", ""]);
        cells.pad_to(2);
        assert_eq!(cells.len(), 5);
        cells.truncate(0);
        assert!(cells.is_empty());
        cells.set_all(["b", "c"]);
        assert_eq!(cells, vec!["b".to_string(), "c".to_string()]);
    }

    #[test]
    fn laid_out_cells_are_taken_in_one_piece_and_refused_off_a_character_boundary() {
        let mut cells: Cells = ["first"].into_iter().collect();
        assert!(cells.push_laid_out("abZoëcdUNUSED", [2, 6, 8].into_iter()));
        assert_eq!(cells, ["first", "ab", "Zoë", "cd"]);
        // `ë` is two bytes: 3 falls inside it.
        assert!(!cells.push_laid_out("Zoë", [1, 3].into_iter()));
        assert!(!cells.push_laid_out("abc", [2, 1].into_iter()));
        assert!(!cells.push_laid_out("abc", [4].into_iter()));
        assert_eq!(cells, ["first", "ab", "Zoë", "cd"]);
    }

    #[test]
    fn a_reused_row_keeps_nothing_of_a_longer_one_before_it() {
        let mut cells = Cells::new();
        assert!(cells.push_laid_out("Müllerstraße 1Berlin", [15, 21].into_iter()));
        cells.clear();
        assert!(cells.push_laid_out("ab", [1, 2].into_iter()));
        assert_eq!(cells, ["a", "b"]);
        cells.pad_to(3);
        assert_eq!((cells.len(), &cells[2], cells.join("|")), (3, "", "a|b|".to_string()));
    }
}
