//! The streaming generator: originals, near-duplicates from a bounded reservoir, invalid rows.

use crate::locale::Country;
use crate::objects::Draft;
use crate::rng::{hash2, Rng};
use crate::world::World;
use crate::{GenError, GenObject, GenOptions};
use salesos_model::record::{ExternalId, Fields};

/// How many earlier originals near-duplicates are drawn from.
pub const RESERVOIR_CAPACITY: usize = 1024;

/// What a generated row is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// An original with valid cells.
    Clean,
    /// A messy copy of the clean original at row `of` (0-based row index).
    NearDuplicate {
        /// Index of the original row.
        of: u64,
    },
    /// An original with one invalid cell.
    Invalid {
        /// The header of the invalid cell.
        field: String,
    },
}

/// One generated row.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedRow {
    /// Position in the output, from 0.
    pub index: u64,
    /// Clean, near-duplicate or invalid.
    pub kind: RowKind,
    /// Cells as a spreadsheet holds them, in [`crate::header`] order.
    pub cells: Vec<String>,
    /// The clean typed values keyed by the model's field api names. For invalid rows, the
    /// values before the cell was broken; references (account, contact, deal) are left out.
    pub fields: Fields,
    /// The row's id in the generator's namespace: system `salesos-gen`, id
    /// `<object>:<seed>:<index>`.
    pub external_id: Option<ExternalId>,
}

/// A deterministic, streaming iterator of rows; memory stays constant in the row count.
#[derive(Debug, Clone)]
pub struct Generator {
    world: World,
    rng: Rng,
    rows: u64,
    next_index: u64,
    originals: u64,
    clean_seen: u64,
    duplicate_rate: f64,
    invalid_rate: f64,
    /// (row index, original number) of clean originals, a uniform sample of those so far.
    reservoir: Vec<(u64, u64)>,
}

impl Generator {
    /// Creates the generator, never failing: rates are clamped into `0..=1` (the invalid rate
    /// shrinks when both add up to more than 1, NaN counts as 0) and an unsupported default
    /// country falls back to `US`. Use [`Generator::try_new`] to refuse such options instead.
    pub fn new(options: &GenOptions) -> Generator {
        let clamp = |rate: f64| if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) };
        let duplicate_rate = clamp(options.duplicate_rate);
        let invalid_rate = clamp(options.invalid_rate).min(1.0 - duplicate_rate);
        let country = Country::parse(&options.default_country).unwrap_or(Country::Us);
        let world = World::new(options.object, options.seed, country, options.rows);
        Generator {
            rng: Rng::new(hash2(world.object_key, 0x5EED)),
            world,
            rows: options.rows,
            next_index: 0,
            originals: 0,
            clean_seen: 0,
            duplicate_rate,
            invalid_rate,
            reservoir: Vec::with_capacity(RESERVOIR_CAPACITY.min(usize::try_from(options.rows).unwrap_or(usize::MAX))),
        }
    }

    /// Checks the options (see [`GenOptions::validate`]) and creates the generator.
    pub fn try_new(options: &GenOptions) -> Result<Generator, GenError> {
        options.validate()?;
        Ok(Generator::new(options))
    }

    /// The object generated.
    pub fn object(&self) -> GenObject {
        self.world.object
    }

    /// The column names of the rows.
    pub fn header(&self) -> Vec<String> {
        crate::header(self.world.object)
    }

    /// Rows not yet generated.
    pub fn remaining(&self) -> u64 {
        self.rows - self.next_index
    }

    /// Originals currently kept for near-duplicates; never more than [`RESERVOIR_CAPACITY`].
    pub fn reservoir_len(&self) -> usize {
        self.reservoir.len()
    }

    fn offer(&mut self, index: u64, original: u64) {
        if self.reservoir.len() < RESERVOIR_CAPACITY {
            self.reservoir.push((index, original));
        } else {
            // Algorithm R: every clean original so far is equally likely to be kept.
            let slot = self.rng.below(self.clean_seen + 1);
            if let Some(entry) = self.reservoir.get_mut(slot as usize) {
                *entry = (index, original);
            }
        }
        self.clean_seen += 1;
    }
}

impl Iterator for Generator {
    type Item = GeneratedRow;

    fn next(&mut self) -> Option<GeneratedRow> {
        if self.next_index >= self.rows {
            return None;
        }
        let index = self.next_index;
        self.next_index += 1;
        let roll = self.rng.unit();
        let (draft, kind): (Draft, RowKind) = if roll < self.duplicate_rate && !self.reservoir.is_empty() {
            let (of, original) = self.reservoir[self.rng.index(self.reservoir.len())];
            let mut draft = self.world.original(original);
            self.world.perturb(&mut draft, &mut self.rng);
            (draft, RowKind::NearDuplicate { of })
        } else {
            let original = self.originals;
            self.originals += 1;
            let mut draft = self.world.original(original);
            if roll >= self.duplicate_rate && roll < self.duplicate_rate + self.invalid_rate {
                let field = self.world.corrupt(&mut draft, &mut self.rng);
                (draft, RowKind::Invalid { field: field.to_string() })
            } else {
                self.offer(index, original);
                (draft, RowKind::Clean)
            }
        };
        let external_id = ExternalId {
            system: "salesos-gen".to_string(),
            id: format!("{}:{}:{index}", self.world.object.api_name(), self.world.seed),
        };
        Some(GeneratedRow { index, kind, cells: draft.cells, fields: draft.fields, external_id: Some(external_id) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.remaining();
        (usize::try_from(remaining).unwrap_or(usize::MAX), usize::try_from(remaining).ok())
    }
}
