//! [`Handle`]: how sockets find their reactor, and the thread-local "current reactor".
//!
//! A socket registers with the reactor of the thread's current runtime (the runtime
//! carries its reactor's handle among its drivers, see
//! `magpie_sched::runtime::with_current_driver`), or with one entered explicitly with
//! [`Handle::enter`]. Outside any runtime, or inside one built
//! without I/O, creating a socket panics with a message that says which mistake was made.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::sync::Arc;

use super::reactor::Shared;

// Both messages are tokio's, word for word: code moving from tokio may match on them.
const NO_CONTEXT_MSG: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
const DISABLED_MSG: &str = "A Tokio 1.x context was found, but IO is disabled. \
     Call `enable_io` on the runtime builder to enable IO.";

#[derive(Clone)]
enum Current {
    None,
    Disabled,
    Enabled(Handle),
}

thread_local! {
    static CURRENT: RefCell<Current> = const { RefCell::new(Current::None) };
    /// How many [`EnterGuard`]s are alive on this thread: while none is, lookups go
    /// straight to the runtime without touching `CURRENT`.
    static ENTERED: Cell<usize> = const { Cell::new(0) };
}

/// A handle to a [`Reactor`](crate::Reactor): cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle { shared }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Makes this the current thread's reactor until the guard is dropped.
    ///
    /// Guards nest: dropping one restores whatever was current before it.
    ///
    /// ```
    /// let reactor = magpie_reactor::Reactor::new().unwrap();
    /// let _guard = reactor.handle().enter();
    /// assert!(magpie_reactor::Handle::try_current().is_ok());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard::set(Current::Enabled(self.clone()))
    }

    /// Marks the current thread as inside a runtime built without I/O until the guard is
    /// dropped: creating a socket then panics telling the user to enable I/O.
    pub fn enter_disabled() -> EnterGuard {
        EnterGuard::set(Current::Disabled)
    }

    /// The current thread's reactor.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or inside one built without I/O.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// The current thread's reactor, or why there is none.
    ///
    /// A handle entered with [`Handle::enter`] wins; otherwise the reactor is the one the
    /// thread's current runtime was built with (a runtime without one means I/O is
    /// disabled there).
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        let explicit = ENTERED.try_with(Cell::get).is_ok_and(|n| n > 0);
        let entered = if explicit {
            CURRENT
                .try_with(|c| match &*c.borrow() {
                    Current::Enabled(h) => Ok(h.clone()),
                    Current::Disabled => Err(TryCurrentError { disabled: true }),
                    Current::None => Err(TryCurrentError { disabled: false }),
                })
                .unwrap_or(Err(TryCurrentError { disabled: false }))
        } else {
            Err(TryCurrentError { disabled: false })
        };
        match entered {
            Err(TryCurrentError { disabled: false }) => {
                match magpie_sched::runtime::with_current_driver::<Handle, _>(|h| h.cloned()) {
                    Ok(Some(handle)) => Ok(handle),
                    Ok(None) => Err(TryCurrentError { disabled: true }),
                    Err(_) => Err(TryCurrentError { disabled: false }),
                }
            }
            entered => entered,
        }
    }

    /// Whether the reactor behind this handle has shut down.
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    pub(crate) fn shutdown_error() -> io::Error {
        super::shutdown::shutdown_error()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// Restores the previous current reactor when dropped. Returned by [`Handle::enter`].
#[must_use = "the reactor is current only while the guard lives"]
pub struct EnterGuard {
    prev: Option<Current>,
    // The guard restores a thread-local: it must be dropped on the thread that made it.
    _not_send: PhantomData<*const ()>,
}

impl EnterGuard {
    fn set(current: Current) -> EnterGuard {
        let prev = CURRENT.with(|c| c.replace(current));
        ENTERED.with(|n| n.set(n.get() + 1));
        EnterGuard {
            prev: Some(prev),
            _not_send: PhantomData,
        }
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
            let _ = ENTERED.try_with(|n| n.set(n.get().saturating_sub(1)));
        }
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// Why [`Handle::try_current`] found no reactor.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError {
    disabled: bool,
}

impl TryCurrentError {
    /// The thread is not inside any runtime.
    pub fn is_missing_context(&self) -> bool {
        !self.disabled
    }

    /// The thread is inside a runtime built without I/O.
    pub fn is_io_disabled(&self) -> bool {
        self.disabled
    }
}

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.disabled {
            DISABLED_MSG
        } else {
            NO_CONTEXT_MSG
        })
    }
}

impl Error for TryCurrentError {}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn guards_nest_and_restore() {
        assert!(Handle::try_current().unwrap_err().is_missing_context());
        let reactor = crate::Reactor::new().unwrap();
        let g1 = reactor.handle().enter();
        {
            let _g2 = Handle::enter_disabled();
            assert!(Handle::try_current().unwrap_err().is_io_disabled());
        }
        assert!(Handle::try_current().is_ok());
        drop(g1);
        assert!(Handle::try_current().is_err());
    }

    #[test]
    #[should_panic(expected = "there is no reactor running")]
    fn current_panics_outside() {
        let _ = Handle::current();
    }
}
