//! An intrusive doubly linked list of waiters.
//!
//! Every waiting future embeds its list node, so waiting allocates nothing. The list never
//! owns its nodes: whoever links a node must unlink it before the node is moved or dropped,
//! and every access happens under the lock of the primitive that owns the list.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The links embedded in a node.
pub(crate) struct Pointers<T> {
    inner: UnsafeCell<PointersInner<T>>,
}

struct PointersInner<T> {
    prev: Option<NonNull<T>>,
    next: Option<NonNull<T>>,
}

impl<T> Pointers<T> {
    pub(crate) const fn new() -> Pointers<T> {
        Pointers {
            inner: UnsafeCell::new(PointersInner {
                prev: None,
                next: None,
            }),
        }
    }
}

impl<T> std::fmt::Debug for Pointers<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pointers")
    }
}

/// How the list finds the links inside a node.
///
/// # Safety
///
/// `pointers` must return a pointer to a `Pointers<Self>` field inside the node `target`.
pub(crate) unsafe trait Link: Sized {
    /// Returns the node's links.
    ///
    /// # Safety
    ///
    /// `target` must point to a live node.
    unsafe fn pointers(target: NonNull<Self>) -> NonNull<Pointers<Self>>;
}

/// The list: head and tail pointers, nothing else.
pub(crate) struct LinkedList<T: Link> {
    head: Option<NonNull<T>>,
    tail: Option<NonNull<T>>,
    _marker: PhantomData<*const T>,
}

// SAFETY: the list only holds pointers to nodes whose owners (waiting futures) are `Send`;
// it is always accessed under its primitive's lock.
unsafe impl<T: Link + Send> Send for LinkedList<T> {}
// SAFETY: as above; shared access never touches nodes without the lock.
unsafe impl<T: Link + Sync> Sync for LinkedList<T> {}

// SAFETY (for the helpers below): callers pass pointers to live, pinned nodes and hold the
// owning primitive's lock, so no other thread reads or writes the links concurrently.
unsafe fn links<'a, T: Link>(node: NonNull<T>) -> &'a mut PointersInner<T> {
    // SAFETY: see above.
    unsafe { &mut *T::pointers(node).as_ref().inner.get() }
}

impl<T: Link> LinkedList<T> {
    pub(crate) const fn new() -> LinkedList<T> {
        LinkedList {
            head: None,
            tail: None,
            _marker: PhantomData,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    pub(crate) fn front(&self) -> Option<NonNull<T>> {
        self.head
    }

    /// Links `node` at the back.
    ///
    /// # Safety
    ///
    /// `node` is live, not in any list, and stays in place until unlinked.
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<T>) {
        // SAFETY: the caller guarantees `node` is live; the tail, if any, is a live member.
        unsafe {
            let l = links(node);
            l.next = None;
            l.prev = self.tail;
            match self.tail {
                Some(tail) => links(tail).next = Some(node),
                None => self.head = Some(node),
            }
        }
        self.tail = Some(node);
    }

    /// Links `node` at the front.
    ///
    /// # Safety
    ///
    /// As for [`push_back`](Self::push_back).
    pub(crate) unsafe fn push_front(&mut self, node: NonNull<T>) {
        // SAFETY: the caller guarantees `node` is live; the head, if any, is a live member.
        unsafe {
            let l = links(node);
            l.prev = None;
            l.next = self.head;
            match self.head {
                Some(head) => links(head).prev = Some(node),
                None => self.tail = Some(node),
            }
        }
        self.head = Some(node);
    }

    pub(crate) fn pop_front(&mut self) -> Option<NonNull<T>> {
        let node = self.head?;
        // SAFETY: `node` is a member, hence live; members are only unlinked by this list.
        unsafe { self.remove(node) };
        Some(node)
    }

    pub(crate) fn pop_back(&mut self) -> Option<NonNull<T>> {
        let node = self.tail?;
        // SAFETY: as in `pop_front`.
        unsafe { self.remove(node) };
        Some(node)
    }

    /// Unlinks `node`.
    ///
    /// # Safety
    ///
    /// `node` must be a member of this list.
    pub(crate) unsafe fn remove(&mut self, node: NonNull<T>) {
        // SAFETY: the caller guarantees membership, so `node` and its neighbours are live.
        unsafe {
            let l = links(node);
            match l.prev {
                Some(prev) => links(prev).next = l.next,
                None => self.head = l.next,
            }
            match l.next {
                Some(next) => links(next).prev = l.prev,
                None => self.tail = l.prev,
            }
            l.prev = None;
            l.next = None;
        }
    }
}

impl<T: Link> std::fmt::Debug for LinkedList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedList")
            .field("empty", &self.is_empty())
            .finish()
    }
}
