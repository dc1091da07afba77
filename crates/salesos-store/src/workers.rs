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

/// Work over fewer items than this stays on the calling thread: a join costs more than it saves.
/// Low enough that an import batch's new records (a 500-row batch less its skipped and failed
/// rows) are encoded on both threads: at 2,000 they stayed on one, a fifth of its work in s1.
pub const SPLIT_AT: usize = 200;

/// Makes sure the calling thread has its helper, so that its `rayon_core::join`s split work
/// between the two instead of handing both halves to rayon's global pool (whose threads would
/// allocate what this thread frees). The pool lives until the thread exits (rayon cannot yet
/// detach a thread from a pool it joined). Cheap after the first call on a thread.
pub fn attach() {
    POOL.with(|_| ());
}

/// The index where `len` items split into the halves every function here uses, or `None` when
/// they stay on the calling thread. One rule, so that items built in halves (a batch's rows)
/// are later checked and freed in the same halves, each by the thread that built it.
fn split_point(len: usize) -> Option<usize> {
    (len >= SPLIT_AT).then_some(len / 2)
}

/// Maps every item, the first half on the calling thread and the second on its helper; results
/// in item order. A panic in either half resumes on the calling thread.
pub fn map_halves<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let Some(mid) = split_point(items.len()) else { return items.iter().map(f).collect() };
    attach();
    let (first, second) = items.split_at(mid);
    let (mut results, rest) =
        rayon_core::join(|| first.iter().map(&f).collect::<Vec<_>>(), || second.iter().map(&f).collect::<Vec<_>>());
    results.extend(rest);
    results
}

/// Runs `first` on the calling thread and `second` on its helper, and returns both results.
pub fn join<A: Send, B: Send>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B + Send) -> (A, B) {
    attach();
    rayon_core::join(first, second)
}

/// Runs `f` on every item in the same halves as [`map_halves`].
pub fn for_each_halves<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let Some(mid) = split_point(items.len()) else { return items.iter_mut().for_each(f) };
    attach();
    let (first, second) = items.split_at_mut(mid);
    rayon_core::join(|| first.iter_mut().for_each(&f), || second.iter_mut().for_each(&f));
}

/// Drops the items in the same halves as [`map_halves`], each half on its own thread.
pub fn drop_halves<T: Send>(mut items: Vec<T>) {
    let Some(mid) = split_point(items.len()) else { return };
    attach();
    let second = items.split_off(mid);
    rayon_core::join(move || drop(items), move || drop(second));
}

/// Runs `foreground` on the calling thread while its helper runs `background`, and returns
/// `foreground`'s result once both are done: a pipeline stage (reading the next batch) beside
/// the work on this one. The helper takes `background` as soon as it is idle; two-way splits
/// that `foreground` makes meanwhile run on the calling thread alone until then. A panic in
/// either resumes on the calling thread.
pub fn beside<R>(background: impl FnOnce() + Send, foreground: impl FnOnce() -> R) -> R {
    attach();
    rayon_core::in_place_scope(|scope| {
        scope.spawn(|_| background());
        foreground()
    })
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

    #[test]
    fn background_work_runs_beside_the_foreground_and_both_finish() {
        let caller = std::thread::current().id();
        let mut background_ran = None;
        let (foreground_thread, sum) = super::beside(
            || background_ran = Some((0..1000u64).sum::<u64>()),
            || (std::thread::current().id(), super::map_halves(&(0..5000u64).collect::<Vec<_>>(), |i| *i).iter().sum::<u64>()),
        );
        assert_eq!(foreground_thread, caller, "the foreground stays on the calling thread");
        assert_eq!(sum, (0..5000u64).sum::<u64>());
        assert_eq!(background_ran, Some(499_500), "the background finished before beside returned");
    }

    #[test]
    fn halves_keep_item_order_and_reach_every_item() {
        for len in [0, 1, super::SPLIT_AT - 1, super::SPLIT_AT, 2 * super::SPLIT_AT + 1] {
            let items: Vec<usize> = (0..len).collect();
            assert_eq!(super::map_halves(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>(), "{len}");
            let mut touched = items.clone();
            super::for_each_halves(&mut touched, |i| *i += 1);
            assert_eq!(touched, items.iter().map(|i| i + 1).collect::<Vec<_>>(), "{len}");
            super::drop_halves(touched);
        }
    }
}
