//! [`Id`]: what tells runtimes apart, as tokio's `runtime::Id`.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque identifier of a runtime, unique among the runtimes of this process; from
/// [`Handle::id`](super::Handle::id).
///
/// ```
/// let a = magpie_sched::runtime::Builder::new_current_thread().build().unwrap();
/// let b = magpie_sched::runtime::Builder::new_current_thread().build().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn new(id: NonZeroU64) -> Id {
        Id(id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
