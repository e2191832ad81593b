//! Unix signals as async events: [`ctrl_c`] and [`unix::signal`], with tokio's API.
//!
//! The first listener for a signal installs a process-wide handler for it (replacing the
//! signal's default action for the rest of the program, as tokio does); deliveries reach
//! every listener of that signal, and several deliveries between two receives make one
//! event. How a delivery travels from the handler to the listeners is in `registry`.

mod kind;
#[cfg(not(loom))]
mod registry;
pub(crate) mod slot;

/// Completes when the process receives `SIGINT` (Ctrl-C).
///
/// The first call installs a handler for `SIGINT`, which from then on no longer ends the
/// process by itself. Only interrupts that arrive after this future was first polled
/// complete it.
///
/// # Panics
///
/// Outside a runtime, or in one built without I/O (like tokio).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// magpie_reactor::signal::ctrl_c().await?;
/// println!("shutting down");
/// # Ok(())
/// # }
/// ```
#[cfg(not(loom))]
pub async fn ctrl_c() -> std::io::Result<()> {
    unix::signal(unix::SignalKind::interrupt())?.recv().await;
    Ok(())
}

/// Unix-specific signal handling: listen for any signal by kind.
#[cfg(not(loom))]
pub mod unix {
    use std::fmt;
    use std::io;
    use std::task::{Context, Poll};

    pub use super::kind::SignalKind;
    use super::registry;
    use super::slot::Slot;
    use crate::Handle;

    /// A listener for one kind of signal; see [`signal`].
    #[must_use = "a listener does nothing unless its `recv` is awaited"]
    pub struct Signal {
        slot: &'static Slot,
        seen: usize,
        key: Option<usize>,
        reactor: Handle,
    }

    /// Listens for `kind`: each [`Signal::recv`] completes after the next delivery of the
    /// signal (deliveries between two receives are merged into one).
    ///
    /// # Errors
    ///
    /// For a signal that cannot or must not be handled (`SIGKILL`, `SIGSTOP`, `SIGSEGV`,
    /// `SIGILL`, `SIGFPE`, non-positive numbers): "Refusing to register signal N"; for a
    /// number beyond the platform's signals: "signal too large".
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O (like tokio).
    ///
    /// ```no_run
    /// use magpie_reactor::signal::unix::{signal, SignalKind};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let mut hangups = signal(SignalKind::hangup())?;
    /// while hangups.recv().await.is_some() {
    ///     println!("reloading the configuration");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn signal(kind: SignalKind) -> io::Result<Signal> {
        let reactor = Handle::current();
        let slot = registry::register(kind.as_raw_value())?;
        Ok(Signal {
            slot,
            seen: slot.current(),
            key: None,
            reactor,
        })
    }

    impl Signal {
        /// Waits for the next delivery of the signal. `None` once the runtime the listener
        /// was created in has shut down.
        ///
        /// Cancel safe: dropping the future loses no delivery (the listener keeps its
        /// place).
        pub async fn recv(&mut self) -> Option<()> {
            std::future::poll_fn(|cx| self.poll_recv(cx)).await
        }

        /// Polls for the next delivery; see [`recv`](Self::recv).
        pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
            if self.reactor.is_shutdown() {
                return Poll::Ready(None);
            }
            match self.slot.poll(cx, self.seen, &mut self.key) {
                Poll::Ready(now) => {
                    self.seen = now;
                    Poll::Ready(Some(()))
                }
                Poll::Pending => Poll::Pending,
            }
        }
    }

    impl Drop for Signal {
        fn drop(&mut self) {
            if let Some(key) = self.key.take() {
                self.slot.remove(key);
            }
        }
    }

    impl fmt::Debug for Signal {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Signal").finish_non_exhaustive()
        }
    }
}
