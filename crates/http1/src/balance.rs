//! Spreading connections evenly over the workers.
//!
//! Every worker accepts on the one listening socket, and whichever wakes first takes the
//! connection, so nothing makes the split even. (With one `SO_REUSEPORT` socket per worker,
//! as before, the kernel's hash of the client's address and port landed 64 keep-alive
//! connections 38/26 as often as 32/32.) The worker with more then saturates its core while
//! the other idles, which showed as throughput moving by a third from one benchmark run to the
//! next and a p99 tens of times the median. So a worker that accepts a connection while it serves more than
//! another worker does hands the socket to the least-loaded one. That costs a channel send per
//! connection and nothing per request; nginx reaches the same evenness by letting only idle
//! workers accept.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// An accepted connection on its way to another worker, already counted there.
pub type Handed = (std::net::TcpStream, SocketAddr, Live);

/// The live connection count of each worker, and a way to hand each one a connection.
pub struct Workers {
    live: Box<[AtomicUsize]>,
    inboxes: Box<[UnboundedSender<Handed>]>,
}

impl Workers {
    /// `n` workers, and the inbox each one receives handed connections on.
    pub fn new(n: usize) -> (Arc<Self>, Vec<UnboundedReceiver<Handed>>) {
        let (inboxes, receivers): (Vec<_>, Vec<_>) =
            (0..n.max(1)).map(|_| unbounded_channel()).unzip();
        let workers = Self {
            live: inboxes.iter().map(|_| AtomicUsize::new(0)).collect(),
            inboxes: inboxes.into_boxed_slice(),
        };
        (Arc::new(workers), receivers)
    }

    /// Count a connection worker `me` accepted on the worker that should serve it: `me`
    /// unless another serves fewer. The count goes up at once, so a burst of accepts
    /// alternates between workers.
    pub fn place(self: &Arc<Self>, me: usize) -> Live {
        let mine = self.live[me].load(Ordering::Relaxed);
        let (best, fewest) = self
            .live
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .enumerate()
            .min_by_key(|&(_, n)| n)
            .unwrap_or((me, mine));
        let worker = if fewest < mine { best } else { me };
        self.live[worker].fetch_add(1, Ordering::Relaxed);
        Live {
            workers: self.clone(),
            worker,
        }
    }

    /// Give a connection to the worker [`place`](Self::place) chose. If that worker has
    /// stopped (the server is shutting down) the connection is closed and uncounted.
    pub fn hand(&self, conn: Handed) {
        let to = conn.2.worker;
        let _ = self.inboxes[to].send(conn);
    }
}

/// One connection counted on a worker: the count goes down when this is dropped.
pub struct Live {
    workers: Arc<Workers>,
    worker: usize,
}

impl Live {
    /// The worker that serves the connection.
    pub fn worker(&self) -> usize {
        self.worker
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.workers.live[self.worker].fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(w: &Workers) -> Vec<usize> {
        w.live.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }

    #[test]
    fn a_burst_on_one_worker_alternates() {
        let (w, _rx) = Workers::new(2);
        let held: Vec<Live> = (0..6).map(|_| w.place(0)).collect();
        let placed: Vec<usize> = held.iter().map(Live::worker).collect();
        assert_eq!(placed, [0, 1, 0, 1, 0, 1]);
        assert_eq!(counts(&w), [3, 3]);
        drop(held);
        assert_eq!(counts(&w), [0, 0]);
    }

    #[test]
    fn the_least_loaded_worker_gets_it() {
        let (w, _rx) = Workers::new(3);
        let held: Vec<Live> = (0..4).map(|_| w.place(2)).collect();
        // Worker 2 keeps a connection while no other serves fewer; ties go to itself.
        assert_eq!(
            held.iter().map(Live::worker).collect::<Vec<_>>(),
            [2, 0, 1, 2]
        );
        assert_eq!(counts(&w), [1, 1, 2]);
        drop(held);
        assert_eq!(counts(&w), [0, 0, 0]);
    }

    #[test]
    fn a_stopped_worker_closes_and_uncounts_the_connection() {
        let (w, mut rx) = Workers::new(2);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _mine = w.place(0);
        let live = w.place(0);
        assert_eq!(live.worker(), 1);
        drop(rx.pop());
        w.hand((std::net::TcpStream::connect(addr).unwrap(), addr, live));
        assert_eq!(counts(&w), [1, 0]);
        let (mut client, _) = listener.accept().unwrap();
        let mut byte = [0u8; 1];
        assert_eq!(std::io::Read::read(&mut client, &mut byte).unwrap(), 0);
    }

    #[test]
    fn one_worker_keeps_everything() {
        let (w, _rx) = Workers::new(1);
        let held: Vec<Live> = (0..4).map(|_| w.place(0)).collect();
        assert!(held.iter().all(|l| l.worker() == 0));
    }
}
