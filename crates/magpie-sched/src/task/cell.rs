//! The task's single allocation: header, core (scheduler + stage) and trailer.
//!
//! ```text
//! +---------------- Cell<F, S> (#[repr(C)], one Box) ----------------+
//! | Header  | state word | vtable | owned-list links | id | location  |
//! | Core    | scheduler S | stage: Running(F) / Finished(out) / Consumed |
//! | Trailer | join waker: Option<Waker>                               |
//! +-----------------------------------------------------------------+
//! ```
//!
//! The header is first so a `NonNull<Header>` is the task pointer that wakers, queues and
//! handles carry; the vtable recovers the concrete `Cell<F, S>` when needed.

use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::raw::Vtable;
use super::state::State;
use super::{Id, JoinError};
use crate::loom::cell::UnsafeCell;

/// The type-independent part of a task.
#[repr(C)]
pub(crate) struct Header {
    /// Links in the owned-task list; only touched under that list's shard lock.
    pub(crate) owned_prev: UnsafeCell<Option<NonNull<Header>>>,
    pub(crate) owned_next: UnsafeCell<Option<NonNull<Header>>>,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) id: Id,
    pub(crate) vtable: &'static Vtable,
    pub(crate) state: State,
}

// SAFETY: the header's mutable fields are the atomic state and the list links, which are
// only accessed under the owning list's lock; everything else is immutable after creation.
unsafe impl Send for Header {}
// SAFETY: as for `Send`.
unsafe impl Sync for Header {}

pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
pub(crate) struct Core<F: Future, S> {
    pub(crate) stage: UnsafeCell<Stage<F>>,
    pub(crate) scheduler: S,
}

pub(crate) struct Trailer {
    pub(crate) waker: UnsafeCell<Option<Waker>>,
}

#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) core: Core<F, S>,
    pub(crate) trailer: Trailer,
}

impl<F: Future, S> Cell<F, S> {
    pub(crate) fn new(
        future: F,
        scheduler: S,
        state: State,
        id: Id,
        vtable: &'static Vtable,
        spawned_at: &'static Location<'static>,
    ) -> Box<Cell<F, S>> {
        Box::new(Cell {
            header: Header {
                state,
                vtable,
                owned_prev: UnsafeCell::new(None),
                owned_next: UnsafeCell::new(None),
                id,
                spawned_at,
            },
            core: Core {
                scheduler,
                stage: UnsafeCell::new(Stage::Running(future)),
            },
            trailer: Trailer {
                waker: UnsafeCell::new(None),
            },
        })
    }
}

impl Trailer {
    /// # Safety
    /// The caller must own the waker field (see the state module's rules).
    pub(crate) unsafe fn set_waker(&self, waker: Option<Waker>) {
        // SAFETY: exclusive access is the caller's contract.
        self.waker.with_mut(|p| unsafe { *p = waker });
    }

    /// # Safety
    /// The caller must have at least shared access to the waker field.
    pub(crate) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: shared access is the caller's contract; nobody writes concurrently.
        self.waker
            .with(|p| unsafe { (*p).as_ref().is_some_and(|w| w.will_wake(waker)) })
    }

    /// # Safety
    /// The caller must have shared access to the waker field.
    pub(crate) unsafe fn wake_join(&self) {
        // SAFETY: shared access is the caller's contract.
        self.waker.with(|p| match unsafe { &*p } {
            Some(w) => w.wake_by_ref(),
            None => panic!("join waker missing"),
        })
    }
}
