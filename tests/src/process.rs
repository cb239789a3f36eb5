//! Process plumbing shared by the test servers ([`crate::PgCluster`], [`crate::PgBouncer`],
//! [`crate::PgTlsServer`], [`crate::MariaDbTlsServer`]): running a program to the end, running
//! a server as its own system account when the tests run as root, fresh temp folders, free
//! loopback ports, waiting for a condition, and watchdogs that clean up after a killed test
//! process.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{announce, required_by, servers_required};

/// The longest a start, a stop, a promotion or a catch-up may take before it fails.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Between two checks of a condition being waited for.
const POLL: Duration = Duration::from_millis(25);

/// Announces a skip, or panics with `why` when servers are required.
pub(crate) fn skip(why: &str) {
    if servers_required() {
        panic!("cannot run this test: {why} ({} makes this a failure)", required_by());
    }
    announce(&format!("skipping: {why} ({}; set it to 1 to fail instead)", required_by()));
}

/// Runs `cmd` to the end with stdin closed and returns its stdout without the trailing
/// newline; the error names the command and holds its exit status and stderr.
pub(crate) fn run(cmd: &mut Command) -> Result<String, String> {
    run_recorded(cmd, None)
}

/// [`run`], with `cmd` in a process group of its own whose id is in `pid_file` (a name
/// ending in `.running`) while it runs, so that a watchdog whose script starts with
/// [`kill_running_script`] ends it and its children when the test process is killed
/// meanwhile: they would otherwise go on writing into the folder being removed.
pub(crate) fn run_tracked(cmd: &mut Command, pid_file: &Path) -> Result<String, String> {
    use std::os::unix::process::CommandExt;
    run_recorded(cmd.process_group(0), Some(pid_file))
}

fn run_recorded(cmd: &mut Command, pid_file: Option<&Path>) -> Result<String, String> {
    let line = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{line}`: {e}"))?;
    if let Some(pid_file) = pid_file
        && let Err(e) = write(pid_file, &child.id().to_string())
    {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let out = child.wait_with_output().map_err(|e| format!("cannot run `{line}`: {e}"));
    if let Some(pid_file) = pid_file {
        let _ = std::fs::remove_file(pid_file);
    }
    let out = out?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut message = format!("`{line}` failed ({}): {}", out.status, stderr.trim());
        if !stdout.trim().is_empty() {
            let _ = write!(message, " (stdout: {})", stdout.trim());
        }
        Err(message)
    }
}

fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// A system account a server runs as when the tests run as root.
#[derive(Debug, Clone)]
pub(crate) struct ServerUser {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// `Some(postgres)` when this process runs as root (PostgreSQL and PgBouncer refuse root),
/// `None` otherwise; an error when root but there is no `postgres` user.
pub(crate) fn server_user_checked() -> Result<Option<ServerUser>, String> {
    static USER: OnceLock<Result<Option<ServerUser>, String>> = OnceLock::new();
    USER.get_or_init(|| account_checked("postgres", "PostgreSQL")).clone()
}

/// `Some(account)` when this process runs as root, `None` otherwise; an error when root but
/// there is no such account. `server` names the program that refuses root, for the message.
pub(crate) fn account_checked(account: &str, server: &str) -> Result<Option<ServerUser>, String> {
    if effective_uid() != Some(0) {
        return Ok(None);
    }
    let id = |flag: &str| -> Result<u32, String> {
        run(Command::new("id").args([flag, account]))?
            .trim()
            .parse()
            .map_err(|e| format!("`id {flag} {account}`: {e}"))
    };
    match (id("-u"), id("-g")) {
        (Ok(uid), Ok(gid)) => Ok(Some(ServerUser { name: account.to_owned(), uid, gid })),
        (Err(e), _) | (_, Err(e)) => Err(format!(
            "running as root, and {server} will not: no `{account}` user to run it as ({e})"
        )),
    }
}

pub(crate) fn server_user() -> Option<ServerUser> {
    server_user_checked().ok().flatten()
}

/// This process's effective uid, from /proc (Linux), else from `id -u`.
fn effective_uid() -> Option<u32> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        // "Uid:\t<real>\t<effective>\t<saved>\t<fs>"
        let line = status.lines().find(|l| l.starts_with("Uid:"))?;
        return line.split_whitespace().nth(2)?.parse().ok();
    }
    run(Command::new("id").arg("-u")).ok()?.trim().parse().ok()
}

/// A command that runs `program` as the `postgres` user when this process is root; see
/// [`command_as`].
pub(crate) fn server_command(program: &Path) -> Command {
    command_as(program, server_user().as_ref())
}

/// A command that runs `program` as `user` (through `setuid`, so the child is the program
/// itself; `None`: as this process), with a working folder every user can enter.
pub(crate) fn command_as(program: &Path, user: Option<&ServerUser>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    if let Some(user) = user {
        cmd.uid(user.uid).gid(user.gid);
    }
    // The tests' own folder may be closed to the server user (e.g. under /root).
    cmd.current_dir("/");
    cmd
}

/// A new empty folder under the temp folder, owned by the `postgres` user when root.
pub(crate) fn fresh_dir(kind: &str) -> Result<PathBuf, String> {
    fresh_dir_for(kind, server_user_checked()?.as_ref())
}

/// A new empty folder under the temp folder, owned by `user` (`None`: by this process).
pub(crate) fn fresh_dir_for(kind: &str, user: Option<&ServerUser>) -> Result<PathBuf, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "dal-{kind}-{}-{}-{nanos:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    make_dir_for(&dir, user)?;
    Ok(dir)
}

/// Creates the folder `dir`, owned by `user` (`None`: by this process); an error when it
/// exists already (`create_dir`, not `create_dir_all`: a folder that exists is someone
/// else's).
pub(crate) fn make_dir_for(dir: &Path, user: Option<&ServerUser>) -> Result<(), String> {
    std::fs::create_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some(user) = user
        && let Err(e) = chown(dir, user)
    {
        let _ = std::fs::remove_dir_all(dir);
        return Err(e);
    }
    Ok(())
}

/// Gives `path` to `user` (and its group).
pub(crate) fn chown(path: &Path, user: &ServerUser) -> Result<(), String> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .map_err(|e| format!("cannot give {} to {}: {e}", path.display(), user.name))
}

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
pub(crate) fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// A shell word that stands for `text` exactly.
pub(crate) fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Calls `check` every [`POLL`] until it says `true`, for at most [`READY_TIMEOUT`]; errors
/// of `check` count as "not yet" (a server that is coming up refuses connections).
pub(crate) fn wait_until(
    what: &str,
    mut check: impl FnMut() -> Result<bool, String>,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let last = match check() {
            Ok(true) => return Ok(()),
            Ok(false) => "not yet".to_owned(),
            Err(e) => e,
        };
        if started.elapsed() >= READY_TIMEOUT {
            return Err(format!("gave up waiting for {what} after {READY_TIMEOUT:?}: {last}"));
        }
        std::thread::sleep(POLL);
    }
}

/// `name` on the `PATH`, else the first of `fallbacks` that is a file.
pub(crate) fn find_program(name: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .chain(fallbacks.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

/// The last `max` bytes of `text` (at a character boundary).
pub(crate) fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// SIGTERM to `child`, SIGKILL when it is still there after `timeout`, then its exit status
/// is collected.
pub(crate) fn stop_child(child: &mut Child, timeout: Duration) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Shell commands that end every process group [`run_tracked`] recorded in `dir` (the
/// first thing a watchdog script does: they may still be writing there).
pub(crate) fn kill_running_script(dir: &Path) -> String {
    let dir = sh_quote(&dir.to_string_lossy());
    format!(
        "for f in {dir}/*.running; do \
           if [ -f \"$f\" ]; then kill -KILL -- \"-$(cat \"$f\")\" 2>/dev/null; sleep 1; fi; \
         done; "
    )
}

/// Shell commands that remove `dir`, once more a moment later when something was still
/// writing into it (the last thing a watchdog script does).
pub(crate) fn remove_dir_script(dir: &Path) -> String {
    let dir = sh_quote(&dir.to_string_lossy());
    format!("rm -rf {dir} 2>/dev/null || {{ sleep 1; rm -rf {dir}; }}")
}

/// A shell process that waits for this process to end, then runs a clean-up script: what
/// `Drop` would have done had the process not been killed. Dropping it ends it.
#[derive(Debug)]
pub(crate) struct Watchdog {
    child: Child,
}

impl Watchdog {
    /// Starts the watchdog, in a process group of its own (a Ctrl-C on the tests does not
    /// reach it) with every standard stream on /dev/null (`cargo test` waits for the pipes
    /// it hands out to close, so a process holding one would hang it).
    pub(crate) fn spawn(cleanup: &str) -> Result<Watchdog, String> {
        use std::os::unix::process::CommandExt;
        let script = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; {cleanup}",
            std::process::id()
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start a watchdog shell: {e}"))?;
        Ok(Watchdog { child })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // The whole group: the shell and the `sleep` it may be waiting for.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
