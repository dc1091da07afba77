//! The helper thread that shares a batch's work: the two-way splits of a batch (an import's
//! transforms and checks, the store's record encoding) run as `rayon_core::join` on a pool made
//! of the calling thread and one persistent helper.
//!
//! A helper that lives as long as the calling thread matters for memory as much as for start-up:
//! rows the helper builds are freed by the calling thread, and had the helper exited after each
//! batch (a scoped thread), every such free would land in an abandoned allocator page and take
//! mimalloc's slow reclaim path (6 % of a dry run's instructions).

use rayon_core::{ThreadPool, ThreadPoolBuilder};

thread_local! {
    /// This thread's pool; `None` when the thread already belongs to one (then `join` uses that).
    static POOL: Option<ThreadPool> = ThreadPoolBuilder::new()
        .num_threads(2)
        .use_current_thread()
        .thread_name(|_| "salesos-import-helper".to_string())
        .build()
        .ok();
}

/// Makes sure the calling thread has its helper, so that its `rayon_core::join`s split work
/// between the two instead of handing both halves to rayon's global pool (whose threads would
/// allocate what this thread frees). The pool lives until the thread exits (rayon cannot yet
/// detach a thread from a pool it joined). Cheap after the first call on a thread.
pub fn attach() {
    POOL.with(|_| ());
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins_run_on_the_calling_thread_and_its_helper() {
        super::attach();
        let caller = std::thread::current().id();
        let (first, second) = rayon_core::join(|| std::thread::current().id(), || std::thread::current().id());
        assert_eq!(first, caller, "the first half runs on the calling thread");
        assert_eq!(rayon_core::current_num_threads(), 2);
        assert_eq!(rayon_core::current_thread_index(), Some(0));
        // The second half may run on either thread, depending on whether the helper stole it.
        let _ = second;
    }
}
