//! How the data-plane workers are scheduled by the kernel.
//!
//! apigw-local usually shares its cores with the client driving it and the backend behind it
//! (integration tests on a laptop or a CI box). Under the default policy each request hop ping-
//! pongs: a worker's write wakes the peer, the peer preempts the worker at once, answers one
//! request and sleeps again, one context switch per message (`perf sched timehist` shows ~10 µs
//! runs). Under `SCHED_BATCH` a woken worker does not preempt the running thread; it runs when
//! the scheduler next picks it, so the others finish their batches first. On the project's
//! 2-core machine that gave +18% HTTP_PROXY throughput with the gateway started from the same
//! shell session as its load (README, Performance): under autogroup scheduling they then share
//! one scheduling group, and the worker's ping-pong is with the client. Started in a session of
//! its own, the two policies measured even.
//! An idle core still runs a woken worker at once: only a contended machine sees a difference.

/// The scheduling policy of the worker threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum WorkerPolicy {
    /// `SCHED_BATCH`: woken workers do not preempt other threads.
    Batch,
    /// The kernel's default (`SCHED_OTHER`).
    Normal,
}

/// Put the calling thread under `policy`. A thread whose niceness is not the default is left
/// alone: whoever set it chose the priority (and the library below would reset it).
///
/// # Errors
/// The kernel refused, or the thread's niceness could not be read.
pub fn apply(policy: WorkerPolicy) -> Result<(), String> {
    if policy == WorkerPolicy::Normal {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        };
        let (nice, _) = own_nice_and_policy()?;
        if nice != 0 {
            return Err(format!("niceness is {nice}; scheduling left as it is"));
        }
        // For the normal policies the library also sets the niceness, from a 0–99 scale:
        // 47 is niceness 0 (checked by this module's test).
        let priority = ThreadPriority::Crossplatform(
            ThreadPriorityValue::try_from(47u8).map_err(|e| e.to_string())?,
        );
        set_thread_priority_and_policy(
            thread_native_id(),
            priority,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
        )
        .map_err(|e| format!("{e:?}"))
    }
    #[cfg(not(target_os = "linux"))]
    Err("worker scheduling policies are applied on Linux only".to_string())
}

/// The calling thread's niceness and policy number, from `/proc/thread-self/stat` (fields 19
/// and 41; the command name before them may hold spaces, so they are counted after its `)`).
#[cfg(target_os = "linux")]
fn own_nice_and_policy() -> Result<(i64, u32), String> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").map_err(|e| e.to_string())?;
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).copied().unwrap_or_default();
    let nice = field(19).parse().map_err(|_| "no niceness in stat")?;
    let policy = field(41).parse().map_err(|_| "no policy in stat")?;
    Ok((nice, policy))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_the_default_niceness() {
        // A thread of its own: the policy stays with the thread that set it.
        std::thread::spawn(|| {
            let (nice, policy) = own_nice_and_policy().unwrap();
            assert_eq!(policy, 0, "starts under SCHED_OTHER");
            match apply(WorkerPolicy::Batch) {
                Ok(()) => assert_eq!(own_nice_and_policy().unwrap(), (0, 3)),
                // Started under `nice`: nothing changes.
                Err(_) => assert_eq!(own_nice_and_policy().unwrap(), (nice, 0)),
            }
            apply(WorkerPolicy::Normal).unwrap();
        })
        .join()
        .unwrap();
    }
}
