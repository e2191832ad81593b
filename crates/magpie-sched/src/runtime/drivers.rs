//! The driver handles a runtime carries, so that drivers built on top of the scheduler
//! (the reactor, the timer) find their own handle from the thread's current runtime.
//!
//! Entering a runtime (`block_on`, `Handle::enter`, a worker thread starting) then sets one
//! thread-local, the scheduler's, instead of one per driver: the drivers look themselves up
//! through it, by type, when a socket or a timer is created. This is tokio's arrangement
//! too (its drivers hang off the scheduler handle), and it made `block_on(async {})` about
//! twice as fast as entering each driver's own thread-local on every entry.

use std::any::{Any, TypeId};
use std::fmt;

use super::TryCurrentError;
use crate::context;

/// A small set of driver handles, at most one per type.
///
/// # Examples
///
/// ```
/// use magpie_sched::runtime::DriverHandles;
///
/// let mut drivers = DriverHandles::new();
/// drivers.insert(7_u32);
/// assert_eq!(drivers.get::<u32>(), Some(&7));
/// assert_eq!(drivers.get::<u64>(), None);
/// ```
#[derive(Default)]
pub struct DriverHandles {
    // A runtime has two or three drivers: a linear scan beats any map. The type id is kept
    // beside each handle so the scan compares ids inline instead of calling through the
    // `Any` vtable per entry (this lookup runs for every `Sleep` created).
    entries: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
}

impl DriverHandles {
    /// An empty set.
    pub fn new() -> DriverHandles {
        DriverHandles::default()
    }

    /// Adds `handle`, replacing a handle of the same type.
    pub fn insert<T: Any + Send + Sync>(&mut self, handle: T) {
        let id = TypeId::of::<T>();
        match self.entries.iter_mut().find(|(t, _)| *t == id) {
            Some((_, entry)) => *entry = Box::new(handle),
            None => self.entries.push((id, Box::new(handle))),
        }
    }

    /// The handle of type `T`, if the set has one.
    #[inline]
    pub fn get<T: Any>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        let (_, entry) = self.entries.iter().find(|(t, _)| *t == id)?;
        let ptr: *const (dyn Any + Send + Sync) = &**entry;
        // SAFETY: `insert` stores each handle beside the `TypeId` of its own type, and the
        // entries are never mutated otherwise, so this entry's value is a `T`; the pointer
        // comes from a live `&` borrow of `self`, so the returned reference lives no longer
        // than the box it points into.
        Some(unsafe { &*ptr.cast::<T>() })
    }

    /// Whether the set holds no handle.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for DriverHandles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverHandles")
            .field("len", &self.entries.len())
            .finish()
    }
}

/// Runs `f` with the driver handle of type `T` of the thread's current runtime: `Ok(f(None))`
/// if that runtime carries no such driver (it was built without it), `Err` if no runtime is
/// current. The handle is borrowed, not cloned; `f` must not enter or leave a runtime.
///
/// # Examples
///
/// ```
/// use magpie_sched::runtime::{with_current_driver, Builder, DriverHandles, DriverStack};
/// use magpie_sched::park::{boxed, Parker};
///
/// let rt = Builder::new_current_thread()
///     .driver(|| {
///         let mut drivers = DriverHandles::new();
///         drivers.insert("a driver's handle");
///         Ok(DriverStack { park: boxed(Parker::new()), enter: None, drivers })
///     })
///     .build()
///     .unwrap();
/// assert!(with_current_driver::<&str, _>(|d| d.copied()).is_err());
/// rt.block_on(async {
///     assert_eq!(with_current_driver::<&str, _>(|d| d.copied()).unwrap(), Some("a driver's handle"));
///     assert_eq!(with_current_driver::<u32, _>(|d| d.copied()).unwrap(), None);
/// });
/// ```
#[inline]
pub fn with_current_driver<T: Any, R>(
    f: impl FnOnce(Option<&T>) -> R,
) -> Result<R, TryCurrentError> {
    let mut f = Some(f);
    let out = context::with_current_ref(|handle| {
        handle.map(|h| (f.take().expect("called once"))(h.common().drivers.get::<T>()))
    })?;
    out.ok_or_else(TryCurrentError::no_context)
}
