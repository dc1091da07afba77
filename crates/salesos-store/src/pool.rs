//! A minimal connection pool: idle connections in a mutex, created on demand, returned on drop.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Keeps idle connections of one kind.
pub(crate) struct Pool<C> {
    idle: Mutex<Vec<C>>,
    max_idle: usize,
}

/// A connection borrowed from a pool; it goes back when dropped.
pub(crate) struct Pooled<'a, C> {
    conn: Option<C>,
    pool: &'a Pool<C>,
}

impl<C> Pool<C> {
    /// Creates a pool keeping at most `max_idle` idle connections.
    pub fn new(max_idle: usize) -> Pool<C> {
        Pool { idle: Mutex::new(Vec::new()), max_idle }
    }

    /// Takes an idle connection or makes a new one.
    pub fn get<E>(&self, make: impl FnOnce() -> Result<C, E>) -> Result<Pooled<'_, C>, E> {
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => make()?,
        };
        Ok(Pooled { conn: Some(conn), pool: self })
    }
}

impl<C> Pooled<'_, C> {
    /// Drops the connection instead of returning it (after an error that may have broken it).
    pub fn discard(mut self) {
        self.conn = None;
    }
}

impl<C> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn.as_ref().expect("pooled connection present until drop")
    }
}

impl<C> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("pooled connection present until drop")
    }
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if idle.len() < self.pool.max_idle {
                idle.push(conn);
            }
        }
    }
}
