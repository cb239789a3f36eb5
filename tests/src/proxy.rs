//! A fault-injection TCP proxy for the integration tests: point a pool at
//! [`FaultProxy::addr`] instead of the server and make the network slow, hung, refused or cut
//! on demand.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use tests::FaultProxy;
//!
//! let proxy = FaultProxy::start("127.0.0.1:5432").await?;
//! let url = format!("postgres://postgres@127.0.0.1:{}/test", proxy.port());
//! // ... connect a pool to `url`, run queries ...
//! proxy.delay(Duration::from_millis(50)); // a slow network
//! proxy.blackhole(); // a hung network: every byte stops
//! proxy.cut_all(); // every open connection dies mid-stream
//! proxy.refuse(); // the server looks down
//! proxy.pass(); // back to normal
//! # Ok(())
//! # }
//! ```
//!
//! The proxy runs on the tokio runtime of the test that starts it (current-thread or
//! multi-thread). Modes and cuts take effect at once, also on connections already open:
//! [`delay`](FaultProxy::delay) and [`blackhole`](FaultProxy::blackhole) act on every chunk
//! forwarded from then on, [`refuse`](FaultProxy::refuse) only on connections accepted from
//! then on.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Pass,
    Delay(Duration),
    Refuse,
    Blackhole,
}

/// The rule of [`FaultProxy::cut_after_server_bytes`]; `rule` tells successive calls apart so
/// that each call restarts the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CutAfter {
    rule: u64,
    bytes: u64,
}

/// Everything the tasks follow, published through a `watch` channel whose sender lives in the
/// last handle: when it drops, every task sees the channel closed and stops.
#[derive(Clone, Copy, Debug)]
struct State {
    mode: Mode,
    /// Bumped by `cut_all`: a connection dies when this differs from the value it started with.
    cut_generation: u64,
    cut_after: Option<CutAfter>,
    rules: u64,
    /// Bumped by `cut_next_reply`: the first connection to carry server bytes after that cuts
    /// instead of forwarding them, and marks the request spent in `Counters::replies_cut`.
    cut_reply: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    open: AtomicUsize,
    /// The last `cut_reply` request a connection carried out.
    replies_cut: AtomicU64,
}

/// Decrements the open count however a connection task ends (even when it is dropped with its
/// runtime).
struct OpenGuard(Arc<Counters>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Inner {
    state: watch::Sender<State>,
    counters: Arc<Counters>,
    addr: SocketAddr,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping `state` (right after this) closes the channel, which ends every connection
        // task; the accept loop is aborted as well so that the port closes promptly.
        self.accept_task.abort();
    }
}

/// A TCP proxy between the tests and a server that injects faults on demand.
///
/// Cloning gives another handle to the same proxy. Dropping the last handle stops accepting
/// and closes every connection the proxy holds.
#[derive(Clone)]
pub struct FaultProxy {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.inner.addr)
            .field("state", &*self.inner.state.borrow())
            .field("accepted", &self.accepted())
            .field("open", &self.open())
            .finish()
    }
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and forwards each accepted connection to `upstream` (e.g.
    /// `"127.0.0.1:5432"`, resolved for each connection), starting in [`pass`](Self::pass)
    /// mode. Must be called within a tokio runtime, which then runs the proxy.
    pub async fn start(upstream: impl Into<String>) -> io::Result<FaultProxy> {
        let upstream: Arc<str> = upstream.into().into();
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (state, rx) = watch::channel(State {
            mode: Mode::Pass,
            cut_generation: 0,
            cut_after: None,
            rules: 0,
            cut_reply: 0,
        });
        let counters = Arc::new(Counters::default());
        let accept_task = tokio::spawn(accept_loop(listener, upstream, rx, counters.clone()));
        Ok(FaultProxy { inner: Arc::new(Inner { state, counters, addr, accept_task }) })
    }

    /// The port the proxy listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Forwards normally: ends any delay, blackhole or refusal and clears the
    /// [`cut_after_server_bytes`](Self::cut_after_server_bytes) rule. Connections stalled by a
    /// blackhole resume where they stopped.
    pub fn pass(&self) {
        self.inner.state.send_modify(|s| {
            s.mode = Mode::Pass;
            s.cut_after = None;
        });
    }

    /// A slow network: waits `delay` before forwarding each chunk read, in both directions, on
    /// new and open connections alike.
    pub fn delay(&self, delay: Duration) {
        self.set_mode(Mode::Delay(delay));
    }

    /// The server looks down: new connections are accepted and at once closed with a reset
    /// (`SO_LINGER` 0). Connections already open keep forwarding (add
    /// [`cut_all`](Self::cut_all) for a server that dies).
    pub fn refuse(&self) {
        self.set_mode(Mode::Refuse);
    }

    /// A hung network: nothing is forwarded and nothing answers, in either direction, on new
    /// and open connections alike; no connection is closed. New connections are accepted but
    /// not yet connected upstream. When the mode changes, the stalled connections carry on
    /// where they stopped (new ones are then connected upstream, or reset under
    /// [`refuse`](Self::refuse)).
    pub fn blackhole(&self) {
        self.set_mode(Mode::Blackhole);
    }

    /// Cuts every connection open now, mid-stream: both sides are closed at once (whatever is
    /// in flight inside the proxy is lost). New connections follow the current mode.
    pub fn cut_all(&self) {
        self.inner.state.send_modify(|s| s.cut_generation += 1);
    }

    /// Cuts each connection once `bytes` bytes have gone from the server to the client on it,
    /// counted from this call for connections open now and from their start for later ones;
    /// the client receives exactly those `bytes` bytes, then the connection closes (a result
    /// cut mid-stream). Stays in force, for every connection, until [`pass`](Self::pass) or
    /// another call of this method (which restarts the count).
    pub fn cut_after_server_bytes(&self, bytes: u64) {
        self.inner.state.send_modify(|s| {
            s.rules += 1;
            s.cut_after = Some(CutAfter { rule: s.rules, bytes });
        });
    }

    /// Cuts, once, the first connection on which the server sends anything after this call:
    /// those bytes are dropped and both sides closed, so the client loses the reply to what it
    /// sent while the server has already acted on it (a write applied, its answer lost). Later
    /// bytes and connections pass as before.
    pub fn cut_next_reply(&self) {
        self.inner.state.send_modify(|s| s.cut_reply += 1);
    }

    /// Connections accepted so far, including refused and blackholed ones.
    pub fn accepted(&self) -> u64 {
        self.inner.counters.accepted.load(Ordering::SeqCst)
    }

    /// Connections open now (accepted, not refused, and not yet closed by either side or
    /// cut). A connection closed by its client counts until the proxy has noticed, which takes
    /// a moment (and waits for the end of a blackhole).
    pub fn open(&self) -> usize {
        self.inner.counters.open.load(Ordering::SeqCst)
    }

    fn set_mode(&self, mode: Mode) {
        self.inner.state.send_modify(|s| s.mode = mode);
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: Arc<str>,
    mut rx: watch::Receiver<State>,
    counters: Arc<Counters>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // The last handle is gone.
            Err(_) = rx.changed() => return,
        };
        let Ok((client, _)) = accepted else {
            // Out of file descriptors and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        counters.accepted.fetch_add(1, Ordering::SeqCst);
        let state = *rx.borrow_and_update();
        if state.mode == Mode::Refuse {
            reset(client);
            continue;
        }
        counters.open.fetch_add(1, Ordering::SeqCst);
        let guard = OpenGuard(counters.clone());
        let counters = counters.clone();
        tokio::spawn(connection(
            client,
            upstream.clone(),
            rx.clone(),
            state.cut_generation,
            guard,
            counters,
        ));
    }
}

/// Closes `stream` with a reset where possible, else plainly.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Resolves when the connection that started at `generation` must die: cut, or the proxy gone.
async fn cut_signal(mut rx: watch::Receiver<State>, generation: u64) {
    let _ = rx.wait_for(|s| s.cut_generation != generation).await;
}

/// Waits out a blackhole and returns the state then; `Err` when the proxy is gone.
async fn unstalled(rx: &mut watch::Receiver<State>) -> io::Result<State> {
    match rx.wait_for(|s| s.mode != Mode::Blackhole).await {
        Ok(state) => Ok(*state),
        Err(_) => Err(io::Error::other("the proxy stopped")),
    }
}

async fn connection(
    client: TcpStream,
    upstream: Arc<str>,
    rx: watch::Receiver<State>,
    generation: u64,
    _open: OpenGuard,
    counters: Arc<Counters>,
) {
    let cut = cut_signal(rx.clone(), generation);
    // Biased, the cut first: both branches live in this one task, so once `cut_all` has run,
    // any poll of the task (a request arriving from the client, say) ends it before the pumps
    // forward another byte. Unbiased, `select!` could poll the pumps first and let a request
    // made after the cut through to the server (seen under load: a query answered after
    // `refuse` + `cut_all`).
    tokio::select! {
        biased;
        () = cut => {}
        _ = forward(client, &upstream, rx, &counters) => {}
    }
    // Everything (both sockets) is dropped here: both sides close.
}

async fn forward(
    client: TcpStream,
    upstream: &str,
    mut rx: watch::Receiver<State>,
    counters: &Counters,
) -> io::Result<()> {
    // A connection accepted during a blackhole waits for its end, then follows the mode.
    if unstalled(&mut rx).await?.mode == Mode::Refuse {
        reset(client);
        return Ok(());
    }
    let server = match TcpStream::connect(upstream).await {
        Ok(server) => server,
        Err(e) => {
            reset(client);
            return Err(e);
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // The first error (or cut) in either direction ends both: `try_join!` drops the other.
    tokio::try_join!(
        pump(client_read, server_write, rx.clone(), None),
        pump(server_read, client_write, rx, Some(counters)),
    )?;
    Ok(())
}

/// Copies `from` to `to` chunk by chunk under the current mode until end of stream (which it
/// passes on as a write shutdown) or error. `server_to_client` (the proxy's counters) enables
/// the byte limit of `cut_after_server_bytes` and the cut of `cut_next_reply`.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut rx: watch::Receiver<State>,
    server_to_client: Option<&Counters>,
) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    // (rule, bytes sent since this connection first saw that rule)
    let mut counted: Option<(u64, u64)> = None;
    loop {
        unstalled(&mut rx).await?;
        let n = from.read(&mut buf).await?;
        if n == 0 {
            let _ = to.shutdown().await;
            return Ok(());
        }
        let mut state = unstalled(&mut rx).await?;
        if let Mode::Delay(delay) = state.mode {
            tokio::time::sleep(delay).await;
            state = unstalled(&mut rx).await?;
        }
        if let Some(counters) = server_to_client {
            let spent = counters.replies_cut.load(Ordering::SeqCst);
            if state.cut_reply != spent
                && counters
                    .replies_cut
                    .compare_exchange(spent, state.cut_reply, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                return Err(io::Error::other("cut before the server's reply"));
            }
        }
        let mut chunk = &buf[..n];
        let mut limit = None;
        if server_to_client.is_some()
            && let Some(rule) = state.cut_after
        {
            let sent = match counted {
                Some((seen, sent)) if seen == rule.rule => sent,
                _ => 0,
            };
            let room = rule.bytes.saturating_sub(sent);
            let take = usize::try_from(room).map_or(n, |room| room.min(n));
            chunk = &buf[..take];
            counted = Some((rule.rule, sent + take as u64));
            limit = Some(sent + take as u64 >= rule.bytes);
        }
        to.write_all(chunk).await?;
        if limit == Some(true) {
            to.flush().await?;
            return Err(io::Error::other("cut after the server byte limit"));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use std::time::Instant;

    /// An echo server on 127.0.0.1:0 (it runs until the test's runtime ends).
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn proxy() -> FaultProxy {
        FaultProxy::start(echo_server().await.to_string()).await.unwrap()
    }

    async fn connect(proxy: &FaultProxy) -> TcpStream {
        TcpStream::connect(proxy.addr()).await.unwrap()
    }

    /// Sends `msg` and reads its echo back (failing after 10 s).
    async fn round_trip(stream: &mut TcpStream, msg: &[u8]) {
        stream.write_all(msg).await.unwrap();
        let mut back = vec![0u8; msg.len()];
        tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut back))
            .await
            .expect("the echo came back in time")
            .unwrap();
        assert_eq!(back, msg);
    }

    /// Reads until the connection ends; `Ok(0)` or an error both count as closed. Fails when
    /// it stays open for 10 s.
    async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
                .await
                .expect("the connection was closed in time");
            match read {
                Ok(0) | Err(_) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    }

    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(started.elapsed() < Duration::from_secs(10), "never happened: {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn pass_forwards_both_ways() {
        let proxy = proxy().await;
        let mut client = connect(&proxy).await;
        round_trip(&mut client, b"hello").await;
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        round_trip(&mut client, &big).await;
        // A half-close reaches the server, whose close comes back.
        client.shutdown().await.unwrap();
        assert!(read_to_close(&mut client).await.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pass_works_on_the_multi_thread_runtime() {
        let proxy = proxy().await;
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(connect(&proxy).await);
        }
        for client in &mut clients {
            round_trip(client, b"ping").await;
        }
        assert_eq!(proxy.accepted(), 4);
        assert_eq!(proxy.open(), 4);
    }

    #[tokio::test]
    async fn delay_delays_each_chunk() {
        let proxy = proxy().await;
        let mut client = connect(&proxy).await;
        round_trip(&mut client, b"warm").await;
        let delay = Duration::from_millis(150);
        proxy.delay(delay);
        let started = Instant::now();
        round_trip(&mut client, b"slow").await;
        // One delay on the way there, one on the way back.
        assert!(started.elapsed() >= delay * 2, "elapsed {:?}", started.elapsed());
        proxy.pass();
        round_trip(&mut client, b"fast").await;
    }

    #[tokio::test]
    async fn refuse_closes_new_connections_at_once() {
        let proxy = proxy().await;
        let mut open = connect(&proxy).await;
        round_trip(&mut open, b"before").await;
        proxy.refuse();
        let mut client = connect(&proxy).await;
        let _ = client.write_all(b"anyone?").await;
        assert!(read_to_close(&mut client).await.is_empty());
        assert_eq!(proxy.accepted(), 2);
        assert_eq!(proxy.open(), 1);
        // Connections already open keep working.
        round_trip(&mut open, b"still here").await;
        proxy.pass();
        let mut again = connect(&proxy).await;
        round_trip(&mut again, b"back").await;
    }

    #[tokio::test]
    async fn blackhole_hangs_new_and_open_connections() {
        let proxy = proxy().await;
        let mut open = connect(&proxy).await;
        round_trip(&mut open, b"before").await;
        proxy.blackhole();

        let mut fresh = connect(&proxy).await;
        fresh.write_all(b"anyone?").await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_millis(200), fresh.read(&mut buf)).await;
        assert!(read.is_err(), "a blackholed connection answered: {read:?}");

        open.write_all(b"stuck").await.unwrap();
        let read = tokio::time::timeout(Duration::from_millis(200), open.read(&mut buf)).await;
        assert!(read.is_err(), "an open connection answered in a blackhole: {read:?}");
        assert_eq!(proxy.accepted(), 2);
        assert_eq!(proxy.open(), 2);

        // The network comes back: both carry on where they stopped, and new ones work.
        proxy.pass();
        let mut back = [0u8; 5];
        open.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"stuck");
        let mut back = [0u8; 7];
        fresh.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"anyone?");
        let mut again = connect(&proxy).await;
        round_trip(&mut again, b"hello").await;
    }

    #[tokio::test]
    async fn cut_all_closes_open_connections_only() {
        let proxy = proxy().await;
        let mut a = connect(&proxy).await;
        let mut b = connect(&proxy).await;
        round_trip(&mut a, b"a").await;
        round_trip(&mut b, b"b").await;
        assert_eq!(proxy.open(), 2);
        proxy.cut_all();
        assert!(read_to_close(&mut a).await.is_empty());
        assert!(read_to_close(&mut b).await.is_empty());
        until("both connections counted closed", || proxy.open() == 0).await;
        let mut c = connect(&proxy).await;
        round_trip(&mut c, b"after the cut").await;
        assert_eq!(proxy.accepted(), 3);
        assert_eq!(proxy.open(), 1);
    }

    #[tokio::test]
    async fn cut_next_reply_cuts_one_connection_once() {
        let proxy = proxy().await;
        let mut first = connect(&proxy).await;
        let mut second = connect(&proxy).await;
        round_trip(&mut first, b"before").await;
        proxy.cut_next_reply();
        // The echo's reply is the first server bytes after the call: dropped, connection cut.
        first.write_all(b"lost").await.unwrap();
        assert_eq!(read_to_close(&mut first).await, Vec::<u8>::new());
        // Spent: the other connection and new ones pass.
        round_trip(&mut second, b"after").await;
        let mut fresh = connect(&proxy).await;
        round_trip(&mut fresh, b"fresh").await;
    }

    #[tokio::test]
    async fn cut_after_server_bytes_cuts_mid_result() {
        let proxy = proxy().await;
        let mut open = connect(&proxy).await;
        round_trip(&mut open, b"handshake").await;
        proxy.cut_after_server_bytes(3000);
        // Counted from the call for the open connection...
        let msg = vec![7u8; 10_000];
        open.write_all(&msg).await.unwrap();
        assert_eq!(read_to_close(&mut open).await.len(), 3000);
        // ... and from the start for a new one.
        let mut fresh = connect(&proxy).await;
        round_trip(&mut fresh, &[1u8; 2000]).await;
        fresh.write_all(&[2u8; 2000]).await.unwrap();
        let rest = read_to_close(&mut fresh).await;
        assert_eq!(rest, vec![2u8; 1000]);
        proxy.pass();
        let mut again = connect(&proxy).await;
        round_trip(&mut again, &msg).await;
    }

    #[tokio::test]
    async fn counts_follow_clients_closing() {
        let proxy = proxy().await;
        assert_eq!((proxy.accepted(), proxy.open()), (0, 0));
        let mut a = connect(&proxy).await;
        round_trip(&mut a, b"a").await;
        let mut b = connect(&proxy).await;
        round_trip(&mut b, b"b").await;
        assert_eq!((proxy.accepted(), proxy.open()), (2, 2));
        drop(a);
        until("the closed connection is no longer open", || proxy.open() == 1).await;
        assert_eq!(proxy.accepted(), 2);
    }

    #[tokio::test]
    async fn dropping_the_last_handle_stops_everything() {
        let proxy = proxy().await;
        let addr = proxy.addr();
        let mut client = connect(&proxy).await;
        round_trip(&mut client, b"x").await;
        let clone = proxy.clone();
        drop(proxy);
        round_trip(&mut client, b"the clone keeps it alive").await;
        drop(clone);
        assert!(read_to_close(&mut client).await.is_empty());
        // The listener is gone too (given a moment for the aborted task to drop it).
        let started = Instant::now();
        loop {
            match TcpStream::connect(addr).await {
                Err(_) => break,
                Ok(mut s) => {
                    // Accepted by the kernel before the listener closed: it must not forward.
                    let _ = s.write_all(b"?").await;
                    assert!(read_to_close(&mut s).await.is_empty());
                }
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the port stayed open");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn unreachable_upstream_closes_the_client() {
        // A port nothing listens on: bind one, note it, close it.
        let port = TcpListener::bind(("127.0.0.1", 0)).await.unwrap().local_addr().unwrap().port();
        let proxy = FaultProxy::start(format!("127.0.0.1:{port}")).await.unwrap();
        let mut client = connect(&proxy).await;
        assert!(read_to_close(&mut client).await.is_empty());
        until("the failed connection is no longer open", || proxy.open() == 0).await;
    }
}
