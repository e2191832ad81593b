//! Child processes with tokio's API: [`Command`] builds and spawns one, [`Child`] waits for
//! it asynchronously, and its standard streams are async pipes.
//!
//! The child's exit is watched on the reactor (see `exit`); its pipes are non-blocking and
//! registered with the reactor too, so nothing here occupies a thread. As with tokio and
//! std, a dropped [`Child`] keeps running unless [`Command::kill_on_drop`] was set; either
//! way it is reaped later rather than left a zombie.

mod exit;
mod pipe;

use std::ffi::OsStr;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use exit::ExitWatch;

/// Builds and spawns a child process: `std::process::Command` plus async waiting.
///
/// ```no_run
/// use magpie_reactor::process::Command;
///
/// # async fn run() -> std::io::Result<()> {
/// let output = Command::new("echo").arg("hello").output().await?;
/// assert_eq!(output.stdout, b"hello\n");
/// # Ok(())
/// # }
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command to run `program`, with tokio's (and std's) defaults: no arguments, the
    /// parent's environment and working directory, inherited stdio for `spawn`/`status`.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// The std command inside.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command inside, to change it.
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std command (its `kill_on_drop` setting is lost).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Clears the environment.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Configures the child's standard input.
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Configures the child's standard output.
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Configures the child's standard error.
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether a [`Child`] dropped before it exited is killed (`SIGKILL`). Off by default,
    /// as in std: a dropped child keeps running (and is reaped later).
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The [`kill_on_drop`](Self::kill_on_drop) setting.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The program.
    pub fn get_program(&self) -> &OsStr {
        self.std.get_program()
    }

    /// The arguments.
    pub fn get_args(&self) -> std::process::CommandArgs<'_> {
        self.std.get_args()
    }

    /// The environment changes.
    pub fn get_envs(&self) -> std::process::CommandEnvs<'_> {
        self.std.get_envs()
    }

    /// The working directory, if set.
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.std.get_current_dir()
    }

    /// Sets the child's user id (`setuid`).
    #[cfg(unix)]
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// Sets the child's group id (`setgid`).
    #[cfg(unix)]
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// Sets the child's `argv[0]`.
    #[cfg(unix)]
    pub fn arg0(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        std::os::unix::process::CommandExt::arg0(&mut self.std, arg);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child).
    #[cfg(unix)]
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec`.
    ///
    /// # Safety
    ///
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a forked copy of a
    /// multi-threaded process, so it may only do async-signal-safe work.
    #[cfg(unix)]
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `CommandExt::pre_exec`'s contract (see above).
        unsafe { std::os::unix::process::CommandExt::pre_exec(&mut self.std, f) };
        self
    }

    /// Spawns the child. Its piped streams are in [`Child`]'s fields.
    ///
    /// # Errors
    ///
    /// As `std::process::Command::spawn` (program not found, permission denied, ...).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O (like tokio).
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        // Checked first, so misuse panics with the reactor's message before any process
        // exists.
        let reactor = crate::Handle::current();
        exit::reap_orphans();
        let listener = ExitWatch::listener_before_spawn()?;
        let mut child = self.std.spawn()?;
        let streams = (|| -> io::Result<_> {
            let stdin = child.stdin.take().map(ChildStdin::from_std).transpose()?;
            let stdout = child.stdout.take().map(ChildStdout::from_std).transpose()?;
            let stderr = child.stderr.take().map(ChildStderr::from_std).transpose()?;
            let watch = ExitWatch::new(child.id(), listener)?;
            Ok((stdin, stdout, stderr, watch))
        })();
        let (stdin, stdout, stderr, watch) = match streams {
            Ok(parts) => parts,
            Err(e) => {
                // Not handed to the caller: do not leave it running unsupervised.
                let _ = child.kill();
                exit::adopt(child);
                return Err(e);
            }
        };
        drop(reactor);
        Ok(Child {
            state: State::Running {
                child,
                watch,
                kill_on_drop: self.kill_on_drop,
            },
            stdin,
            stdout,
            stderr,
        })
    }

    /// Runs the child to completion with inherited stdio and returns its exit status.
    /// Dropping the future drops the child (killing it if `kill_on_drop` is set).
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // Nothing of ours may hold a pipe the child waits on.
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Runs the child to completion, collecting its standard output and error (which are
    /// always piped here, as in tokio, even if configured otherwise before).
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

enum State {
    Running {
        child: std::process::Child,
        watch: ExitWatch,
        kill_on_drop: bool,
    },
    Exited(ExitStatus),
}

/// A spawned child process.
///
/// Unlike most futures' owners, dropping it does not stop the process unless the command
/// set [`kill_on_drop`](Command::kill_on_drop).
pub struct Child {
    state: State,
    /// The child's standard input, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if it was piped.
    pub stderr: Option<ChildStderr>,
}

impl Child {
    /// The child's process id while it runs; `None` once it was reaped (the id may then
    /// belong to another process).
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running { child, .. } => Some(child.id()),
            State::Exited(_) => None,
        }
    }

    /// Sends the child `SIGKILL`, without waiting for it to exit.
    ///
    /// # Errors
    ///
    /// The OS error if the signal fails. A child already reaped (by [`wait`](Self::wait) or
    /// [`try_wait`](Self::try_wait)) has nothing left to kill: that is `Ok`, like tokio, so
    /// killing after a wait is harmless.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running {
                child,
                kill_on_drop,
                ..
            } => {
                child.kill()?;
                // Killed once is enough; dropping it need not kill it again.
                *kill_on_drop = false;
                Ok(())
            }
            State::Exited(_) => Ok(()),
        }
    }

    /// Kills the child and waits for it to exit.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit and returns its status (the same status on every later
    /// call). Closes the child's stdin first, so a child reading it cannot wait for us
    /// while we wait for it.
    ///
    /// Cancel safe: dropping the future before the child exits loses nothing.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        std::future::poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<ExitStatus>> {
        use std::task::{ready, Poll};

        let restore = ready!(magpie_sched::coop::poll_proceed(cx));
        let status = match &mut self.state {
            State::Exited(status) => *status,
            State::Running { child, watch, .. } => {
                let status = ready!(watch.poll_exit(cx, child))?;
                self.state = State::Exited(status);
                status
            }
        };
        restore.made_progress();
        Poll::Ready(Ok(status))
    }

    /// The child's status if it has exited (reaping it), `None` if it still runs. Unlike
    /// [`wait`](Self::wait), leaves stdin open and does not wait.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Exited(status) => Ok(Some(*status)),
            State::Running { child, .. } => {
                let status = child.try_wait()?;
                if let Some(status) = status {
                    self.state = State::Exited(status);
                }
                Ok(status)
            }
        }
    }

    /// Waits for the child to exit while reading all of its piped stdout and stderr.
    /// Closes stdin first, like [`wait`](Self::wait).
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        use std::pin::pin;
        use std::task::Poll;

        use crate::io::AsyncReadExt;

        async fn read_all(
            pipe: &mut Option<impl crate::io::AsyncRead + Unpin>,
        ) -> io::Result<Vec<u8>> {
            let mut out = Vec::new();
            if let Some(pipe) = pipe.as_mut() {
                pipe.read_to_end(&mut out).await?;
            }
            Ok(out)
        }

        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        // All three at once: a child that fills one pipe while we wait on the other (or on
        // its exit) would otherwise never finish.
        let (mut status, mut out, mut err) = (None, None, None);
        {
            let mut wait = pin!(self.wait());
            let mut read_out = pin!(read_all(&mut stdout));
            let mut read_err = pin!(read_all(&mut stderr));
            std::future::poll_fn(|cx| {
                if status.is_none() {
                    if let Poll::Ready(res) = wait.as_mut().poll(cx) {
                        status = Some(res?);
                    }
                }
                if out.is_none() {
                    if let Poll::Ready(res) = read_out.as_mut().poll(cx) {
                        out = Some(res?);
                    }
                }
                if err.is_none() {
                    if let Poll::Ready(res) = read_err.as_mut().poll(cx) {
                        err = Some(res?);
                    }
                }
                if status.is_some() && out.is_some() && err.is_some() {
                    Poll::Ready(Ok::<(), io::Error>(()))
                } else {
                    Poll::Pending
                }
            })
            .await?;
        }
        let (Some(status), Some(stdout), Some(stderr)) = (status, out, err) else {
            unreachable!("all three completed");
        };
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut self.state, State::Exited(ExitStatus::default()));
        if let State::Running {
            mut child,
            kill_on_drop,
            ..
        } = state
        {
            if kill_on_drop {
                let _ = child.kill();
            }
            // Reaped when it exits (at the next spawn or wait), not left a zombie.
            if !matches!(child.try_wait(), Ok(Some(_))) {
                exit::adopt(child);
            }
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}
