//! A thread that commits an import's batches of new records while the driver prepares the next
//! batch on other connections (PostgreSQL, and SQLite's write-ahead log, whose readers run beside
//! its one writer): the database's work on batch N overlaps the reading, transforming and lookups
//! of batch N+1.
//!
//! At most one batch is in flight, and batches commit in order. Only batches without updates go
//! through it (new records, and the outcomes and checkpoint of rows that create nothing): a batch
//! with updates is committed on the driver's thread, because its outcomes
//! (updated, unchanged, conflict) are needed before the next batch is planned. The driver waits
//! for the batch in flight before anything else it writes (the last batch), so writes under one
//! import never run side by side. Missing accounts are created by the commit of the rows that
//! name them, first; rows of the next batch name those of the batch in flight by placeholders,
//! whose ids the committing thread keeps ([`PlaceholderIds`]).

use crate::error::{AppError, AppResult};
use salesos_model::error::ErrorCode;
use salesos_model::schema::ObjectDef;
use salesos_store::{CommitBatch, PlaceholderIds, Store, StoreError, WriteContext};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

/// The driver's end of the committing thread.
pub(crate) struct Committer {
    batches: SyncSender<CommitBatch>,
    results: Receiver<Result<(), StoreError>>,
    in_flight: bool,
}

impl Committer {
    /// Starts the thread; it ends when the committer is dropped.
    pub fn spawn<'scope, 'env>(
        scope: &'scope Scope<'scope, 'env>,
        store: &'env Store,
        write: WriteContext,
        object: ObjectDef,
        placeholder_ids: Arc<Mutex<PlaceholderIds>>,
    ) -> Committer {
        let (batches, incoming) = sync_channel::<CommitBatch>(0);
        let (done, results) = channel();
        let thread = std::thread::Builder::new().name("salesos-commit".into()).spawn_scoped(scope, move || {
            for batch in incoming {
                // The commit works on a copy (two commits' ids): holding the shared ids through
                // the whole commit would stall the driver, which reads them right after the
                // handover to learn the ids of the commit before.
                let mut ids = placeholder_ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
                let result = store.commit_batch(&write, &object, batch, &mut ids).map(|_| ());
                *placeholder_ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = ids;
                if done.send(result).is_err() {
                    return;
                }
            }
        });
        // Without a thread of its own (the system refused one) the batches go nowhere: the
        // driver's first handover fails with `stopped`.
        drop(thread);
        Committer { batches, results, in_flight: false }
    }

    /// Waits for the batch in flight, if any, and returns its error.
    pub fn settle(&mut self) -> AppResult<()> {
        if !std::mem::take(&mut self.in_flight) {
            return Ok(());
        }
        match self.results.recv() {
            Ok(result) => Ok(result?),
            Err(_) => Err(stopped()),
        }
    }

    /// Waits for the batch in flight, then hands `batch` to the thread.
    pub fn commit(&mut self, batch: CommitBatch) -> AppResult<()> {
        self.settle()?;
        if self.batches.send(batch).is_err() {
            return Err(stopped());
        }
        self.in_flight = true;
        Ok(())
    }
}

fn stopped() -> AppError {
    AppError::new(ErrorCode::Internal, "the thread committing the import's batches stopped")
}
