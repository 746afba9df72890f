//! Integration timeouts (`timeoutInMillis`) without a tokio timer per request.
//!
//! `tokio::time::timeout` registers a timer-wheel entry for every backend call and removes it
//! again, under the time driver's lock: ~2.3k of a proxied request's ~28k instructions, and a
//! write to the worker's eventfd whenever the wheel was empty (the driver is unparked to learn
//! the new deadline). Here each worker thread keeps its pending deadlines in a list, and one
//! task per worker ([`watchdog`]) sleeps until the earliest of them, wakes the calls that are
//! due, and sleeps again. A call registers only a deadline and a waker; all calls share the
//! watchdog's one timer, which is re-armed only when it fires or an earlier deadline arrives.
//!
//! The list is thread-local, so the watchdog must run on the thread of the calls it watches:
//! the server spawns one on each worker's current-thread runtime (a multi-threaded runtime
//! could move it to another thread). Where none runs (tests, other runtimes), [`within`] falls
//! back to `tokio::time::timeout`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// A call that overran its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// One pending call.
struct Entry {
    deadline: Instant,
    waker: Waker,
    fired: bool,
}

/// This thread's pending deadlines.
#[derive(Default)]
struct Registry {
    /// A watchdog is running on this thread.
    watched: bool,
    /// Slots by index; `free` lists the empty ones.
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    /// The deadline the watchdog's timer is set for (it may have been removed since: the
    /// watchdog then wakes, finds nothing due and sleeps again).
    armed: Option<Instant>,
    /// The watchdog, to wake when a deadline earlier than `armed` arrives.
    watchdog: Option<Waker>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Run `call` for at most `timeout`.
pub fn within<F: Future>(timeout: Duration, call: F) -> Within<F> {
    if REGISTRY.with(|r| r.borrow().watched) {
        Within::Watched {
            call,
            timeout,
            slot: None,
        }
    } else {
        Within::Tokio {
            timeout: tokio::time::timeout(timeout, call),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future [`within`] returns.
    #[project = WithinProj]
    pub enum Within<F> {
        /// Watched by this thread's watchdog.
        Watched {
            #[pin]
            call: F,
            timeout: Duration,
            slot: Option<usize>,
        },
        /// No watchdog on this thread.
        Tokio {
            #[pin]
            timeout: tokio::time::Timeout<F>,
        },
    }

    impl<F> PinnedDrop for Within<F> {
        fn drop(this: Pin<&mut Self>) {
            if let WithinProj::Watched { slot: Some(i), .. } = this.project() {
                remove(*i);
            }
        }
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            WithinProj::Tokio { timeout } => timeout.poll(cx).map_err(|_| Elapsed),
            WithinProj::Watched {
                call,
                timeout,
                slot,
            } => {
                if let Poll::Ready(v) = call.poll(cx) {
                    if let Some(i) = slot.take() {
                        remove(i);
                    }
                    return Poll::Ready(Ok(v));
                }
                match *slot {
                    None => *slot = Some(register(Instant::now() + *timeout, cx.waker())),
                    Some(i) => {
                        if fired_or_rewake(i, cx.waker()) {
                            *slot = None;
                            remove(i);
                            return Poll::Ready(Err(Elapsed));
                        }
                    }
                }
                Poll::Pending
            }
        }
    }
}

/// A deadline that stays registered across many waits, such as a kept-alive connection's idle
/// limit: moving it later costs nothing until the registered one fires, where [`within`]
/// would register and remove an entry around every wait. Registers on first use; with no
/// watchdog on the thread it uses a tokio timer instead.
#[derive(Default)]
pub struct Alarm {
    /// The registered slot (watched threads).
    slot: Option<usize>,
    /// The fallback timer (threads without a watchdog).
    sleep: Option<Pin<Box<Sleep>>>,
}

impl std::fmt::Debug for Alarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alarm").field("slot", &self.slot).finish()
    }
}

impl Alarm {
    /// An alarm not yet set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ready once `at` has passed. `at` may move later between polls: when the registered
    /// deadline fires before `at`, the alarm registers `at` and goes on waiting.
    pub fn poll_until(&mut self, at: Instant, cx: &mut Context<'_>) -> Poll<()> {
        if self.sleep.is_none() && REGISTRY.with(|r| r.borrow().watched) {
            match self.slot {
                None => {
                    self.slot = Some(register(at, cx.waker()));
                    return Poll::Pending;
                }
                Some(i) if fired_or_rewake(i, cx.waker()) => {
                    remove(i);
                    if Instant::now() >= at {
                        self.slot = None;
                        return Poll::Ready(());
                    }
                    self.slot = Some(register(at, cx.waker()));
                    return Poll::Pending;
                }
                Some(_) => return Poll::Pending,
            }
        }
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if sleep.deadline() != at {
            sleep.as_mut().reset(at);
        }
        sleep.as_mut().poll(cx)
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            remove(i);
        }
    }
}

fn register(deadline: Instant, waker: &Waker) -> usize {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let entry = Some(Entry {
            deadline,
            waker: waker.clone(),
            fired: false,
        });
        let i = match r.free.pop() {
            Some(i) => {
                r.entries[i] = entry;
                i
            }
            None => {
                r.entries.push(entry);
                r.entries.len() - 1
            }
        };
        if r.armed.is_none_or(|t| deadline < t) {
            // The watchdog sleeps past this deadline, or not at all: it re-arms.
            r.armed = Some(deadline);
            if let Some(w) = &r.watchdog {
                w.wake_by_ref();
            }
        }
        i
    })
}

/// Whether slot `i` has fired; if not, keep the waker current.
fn fired_or_rewake(i: usize, waker: &Waker) -> bool {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        match r.entries.get_mut(i).and_then(Option::as_mut) {
            Some(e) if e.fired => true,
            Some(e) => {
                if !e.waker.will_wake(waker) {
                    e.waker = waker.clone();
                }
                false
            }
            None => false,
        }
    })
}

fn remove(i: usize) {
    // `try_with`: a call dropped while the thread's locals are torn down has nothing to remove.
    let _ = REGISTRY.try_with(|r| {
        let mut r = r.borrow_mut();
        if r.entries.get_mut(i).and_then(Option::take).is_some() {
            r.free.push(i);
        }
    });
}

/// The watchdog for the calling thread's deadlines: spawn it on this thread's current-thread
/// runtime before serving (it is polled on the thread that made it only there). [`within`]
/// uses the tokio timer again once it is dropped.
pub fn watchdog() -> Watchdog {
    REGISTRY.with(|r| r.borrow_mut().watched = true);
    Watchdog {
        sleep: Box::pin(tokio::time::sleep_until(Instant::now())),
        armed: None,
    }
}

/// The future [`watchdog`] returns; it never completes.
pub struct Watchdog {
    sleep: Pin<Box<Sleep>>,
    /// Where `sleep` is set for, when it is.
    armed: Option<Instant>,
}

impl Future for Watchdog {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let now = Instant::now();
            let next = REGISTRY.with(|r| {
                let mut r = r.borrow_mut();
                let mut next: Option<Instant> = None;
                for e in r.entries.iter_mut().flatten() {
                    if e.fired {
                        continue;
                    }
                    if e.deadline <= now {
                        e.fired = true;
                        e.waker.wake_by_ref();
                    } else if next.is_none_or(|t| e.deadline < t) {
                        next = Some(e.deadline);
                    }
                }
                r.armed = next;
                if !r.watchdog.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    r.watchdog = Some(cx.waker().clone());
                }
                next
            });
            let Some(next) = next else {
                self.armed = None;
                return Poll::Pending;
            };
            if self.armed != Some(next) {
                self.armed = Some(next);
                self.sleep.as_mut().reset(next);
            }
            if self.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = REGISTRY.try_with(|r| {
            let mut r = r.borrow_mut();
            r.watched = false;
            r.watchdog = None;
            r.armed = None;
            // Calls still waiting fall back to nothing: wake them so they end as timed out
            // rather than hang (the runtime is going away).
            for e in r.entries.iter_mut().flatten() {
                e.fired = true;
                e.waker.wake_by_ref();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn slow(ms: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_watchdog_the_tokio_timer_serves() {
        assert_eq!(within(Duration::from_millis(50), slow(10)).await, Ok(10));
        assert_eq!(
            within(Duration::from_millis(50), slow(100)).await,
            Err(Elapsed)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_watchdog_ends_overdue_calls_and_only_those() {
        let watch = tokio::spawn(watchdog());
        let started = Instant::now();
        let (a, b, c) = tokio::join!(
            within(Duration::from_millis(300), slow(100)),
            within(Duration::from_millis(200), slow(1_000)),
            within(Duration::from_millis(50), slow(60)),
        );
        assert_eq!((a, b, c), (Ok(100), Err(Elapsed), Err(Elapsed)));
        // The 200 ms call ended at its deadline (the paused clock advances exactly).
        assert_eq!(started.elapsed(), Duration::from_millis(200));
        // Every slot was given back.
        REGISTRY.with(|r| {
            let r = r.borrow();
            assert!(r.entries.iter().all(Option::is_none));
        });
        // Once the watchdog is gone, the tokio timer serves again.
        watch.abort();
        let _ = watch.await;
        assert!(matches!(
            within(Duration::from_millis(10), slow(20)),
            Within::Tokio { .. }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_deadline_rearms_the_watchdog() {
        let _watch = tokio::spawn(watchdog());
        let long = tokio::spawn(within(Duration::from_millis(1_000), slow(2_000)));
        // The watchdog is now asleep until the long call's deadline.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let started = Instant::now();
        assert_eq!(
            within(Duration::from_millis(50), slow(100)).await,
            Err(Elapsed)
        );
        assert_eq!(started.elapsed(), Duration::from_millis(50));
        assert_eq!(long.await.unwrap(), Err(Elapsed));
    }
}
