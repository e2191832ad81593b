//! Task-local storage: `task_local!`, [`LocalKey`] and [`TaskLocalFuture`].
//!
//! A task-local value lives in its scope, not in a thread: [`LocalKey::scope`] keeps the
//! value inside the returned future and swaps it into a per-thread slot only for the
//! duration of each poll, swapping it back out before the poll returns. So the value
//! follows the future across `.await`s and across worker threads, and nested scopes
//! restore the outer value when they end.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;

/// Declares new task-local keys of type [`LocalKey`].
///
/// Each `static NAME: Type;` item becomes a `static NAME: LocalKey<Type>`. A value is only
/// available inside [`LocalKey::scope`] (for a future) or [`LocalKey::sync_scope`] (for a
/// closure), on any thread the scoped future is polled on.
///
/// # Examples
///
/// ```
/// magpie::task_local! {
///     pub static REQUEST_ID: u32;
///     static USER: String;
/// }
///
/// #[magpie::main]
/// async fn main() {
///     REQUEST_ID
///         .scope(7, async {
///             magpie::task::yield_now().await;
///             assert_eq!(REQUEST_ID.get(), 7);
///         })
///         .await;
///     assert!(REQUEST_ID.try_with(|_| ()).is_err());
///     USER.sync_scope("ann".to_string(), || USER.with(|u| assert_eq!(u, "ann")));
/// }
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::__macro_support::LocalKey<$t> = {
            ::std::thread_local! {
                static __KEY: ::std::cell::RefCell<::core::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::core::option::Option::None) };
            }
            $crate::__macro_support::LocalKey::__new(__KEY)
        };
    };
}

/// A key for task-local data, declared with [`task_local!`](crate::task_local).
///
/// The value is set for the duration of a [`scope`](Self::scope) (a future) or a
/// [`sync_scope`](Self::sync_scope) (a closure) and read with [`with`](Self::with),
/// [`try_with`](Self::try_with) or [`get`](Self::get).
pub struct LocalKey<T: 'static> {
    slot: thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Used by `task_local!`; not a public API.
    #[doc(hidden)]
    pub const fn __new(slot: thread::LocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Sets `value` as the task-local value for the future `f`.
    ///
    /// The value is visible to `f` (and to everything it polls) on every poll, whatever
    /// thread polls it, and is dropped with the returned future. Inside an outer scope of
    /// the same key, the inner value shadows the outer one until `f` completes.
    ///
    /// # Panics
    ///
    /// Polling the returned future from inside [`with`](Self::with) or
    /// [`try_with`](Self::try_with) of the same key panics.
    ///
    /// # Examples
    ///
    /// ```
    /// magpie::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// # #[magpie::main(flavor = "current_thread")]
    /// # async fn main() {
    /// NUMBER.scope(1, async move {
    ///     assert_eq!(NUMBER.get(), 1);
    /// }).await;
    /// # }
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, f: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            local: self,
            slot: Some(value),
            future: Some(f),
            _pinned: std::marker::PhantomPinned,
        }
    }

    /// Sets `value` as the task-local value while the closure `f` runs.
    ///
    /// # Panics
    ///
    /// If the key is being read (from inside [`with`](Self::with)'s closure), or the
    /// thread's storage was already destroyed.
    ///
    /// # Examples
    ///
    /// ```
    /// magpie::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// let doubled = NUMBER.sync_scope(21, || NUMBER.get() * 2);
    /// assert_eq!(doubled, 42);
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.scope_inner(&mut value, f) {
            Ok(result) => result,
            Err(err) => err.panic(),
        }
    }

    /// Runs `f` with a reference to the task-local value.
    ///
    /// # Panics
    ///
    /// Outside a [`scope`](Self::scope) or [`sync_scope`](Self::sync_scope) of this key.
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(result) => result,
            Err(_) => panic!("cannot access a task-local storage value without setting it first"),
        }
    }

    /// Runs `f` with a reference to the task-local value, or returns an [`AccessError`]
    /// when no value is set (outside a scope, or the thread's storage is destroyed).
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let found = self.slot.try_with(|slot| {
            // A failed borrow means the value is being swapped, which runs no user code:
            // treat it as unset rather than panicking.
            let slot = slot.try_borrow().ok()?;
            slot.as_ref().map(f)
        });
        match found {
            Ok(Some(result)) => Ok(result),
            _ => Err(AccessError { _private: () }),
        }
    }

    /// Swaps `slot` into the thread's storage around `f`, and back out even if `f` panics.
    fn scope_inner<F, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeInnerErr>
    where
        F: FnOnce() -> R,
    {
        /// Swaps the values back on the way out, including during unwinding.
        struct Restore<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // No borrow can outlive the closure `f`. If the storage was destroyed
                // meanwhile (a scope dropped during thread-local destruction), its value
                // went with it and ours simply stays here.
                let _ = self.local.slot.try_with(|current| {
                    std::mem::swap(self.slot, &mut *current.borrow_mut());
                });
            }
        }

        self.slot
            .try_with(|current| {
                current
                    .try_borrow_mut()
                    .map(|mut current| std::mem::swap(slot, &mut *current))
            })
            .map_err(|_| ScopeInnerErr::AccessError)?
            .map_err(|_| ScopeInnerErr::BorrowError)?;

        let _restore = Restore { local: self, slot };
        Ok(f())
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// Returns a clone of the task-local value.
    ///
    /// # Panics
    ///
    /// Outside a [`scope`](Self::scope) or [`sync_scope`](Self::sync_scope) of this key.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(|value| value.clone())
    }

    /// Returns a clone of the task-local value, or an [`AccessError`] when no value is set
    /// (outside a scope of this key, or the thread's storage is destroyed).
    ///
    /// # Examples
    ///
    /// ```
    /// magpie::task_local! {
    ///     static NUMBER: u32;
    /// }
    ///
    /// assert!(NUMBER.try_get().is_err());
    /// NUMBER.sync_scope(7, || assert_eq!(NUMBER.try_get().unwrap(), 7));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(|value| value.clone())
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// Why a scope could not be entered.
enum ScopeInnerErr {
    BorrowError,
    AccessError,
}

impl ScopeInnerErr {
    #[track_caller]
    fn panic(&self) -> ! {
        match self {
            ScopeInnerErr::BorrowError => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeInnerErr::AccessError => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying thread-local"
            ),
        }
    }
}

/// A future that sets a task-local value around every poll of the future it wraps.
///
/// Returned by [`LocalKey::scope`].
pub struct TaskLocalFuture<T: 'static, F> {
    local: &'static LocalKey<T>,
    // Not pinned: swapped in and out of the thread's storage on every poll.
    slot: Option<T>,
    // Structurally pinned; `None` once it completed (it is dropped inside the scope).
    future: Option<F>,
    // `!Unpin` whatever `F` is, as tokio's (code written for tokio pins it).
    _pinned: std::marker::PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the task-local value out, leaving the future without it.
    ///
    /// Returns `None` if the value was already taken. Polling the future afterwards runs it
    /// with the key unset.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `slot` is not structurally pinned; the pinned `future` is not touched.
        let this = unsafe { self.get_unchecked_mut() };
        this.slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: below it is only polled through a `Pin`
        // and dropped in place (by assigning `None`), never moved; `slot` and `local` are
        // not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let future = &mut this.future;
        let polled = this.local.scope_inner(&mut this.slot, || {
            let inner = future.as_mut()?;
            // SAFETY: `inner` lives in the pinned `self` and is never moved (see above).
            let poll = unsafe { Pin::new_unchecked(inner) }.poll(cx);
            if poll.is_ready() {
                // Drop the finished future while its task-local value is still set.
                *future = None;
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after completion"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        if std::mem::needs_drop::<F>() && self.future.is_some() {
            // Drop the future inside the scope, so its destructors can read the value. If
            // the scope cannot be entered, it is dropped afterwards, without the value.
            let future = &mut self.future;
            let _ = self.local.scope_inner(&mut self.slot, || *future = None);
        }
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Shows the value the future will set, or `<missing>` once taken.
        struct Value<'a, T>(&'a Option<T>);
        impl<T: fmt::Debug> fmt::Debug for Value<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    Some(value) => value.fmt(f),
                    None => f.write_str("<missing>"),
                }
            }
        }
        f.debug_struct("TaskLocalFuture")
            .field("value", &Value(&self.slot))
            .finish()
    }
}

/// The error of [`LocalKey::try_with`]: the task-local value is not set.
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt("task-local value not set", f)
    }
}

impl Error for AccessError {}
