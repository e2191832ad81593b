//! [`ReadBuf`]: the buffer every [`AsyncRead`](super::AsyncRead) fills.
//!
//! The buffer tracks three regions of a possibly uninitialised byte slice: the filled prefix,
//! the initialised-but-unfilled middle, and the uninitialised tail. Keeping the initialised
//! mark lets a reader hand the same memory to the OS over and over without zeroing it again.

use std::fmt;
use std::mem::MaybeUninit;

/// A wrapper around a byte buffer that is incrementally filled and initialized.
///
/// The buffer is split in three regions:
///
/// ```text
/// [             capacity              ]
/// [ filled |         unfilled         ]
/// [    initialized    | uninitialized ]
/// ```
///
/// The filled part is always initialized.
///
/// # Examples
///
/// ```
/// use magpie_reactor::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"hi");
/// assert_eq!(buf.filled(), b"hi");
/// assert_eq!(buf.remaining(), 6);
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// Creates a new `ReadBuf` from a fully initialized buffer.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and the `ReadBuf` API never
        // writes uninitialised bytes into the initialised prefix, which here is the whole slice.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// Creates a new `ReadBuf` from a buffer that may be uninitialized.
    ///
    /// The internal cursor will mark the entire buffer as uninitialized.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// Returns the total capacity of the buffer.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Returns a shared reference to the filled portion of the buffer.
    #[inline]
    pub fn filled(&self) -> &[u8] {
        let slice = &self.buf[..self.filled];
        // SAFETY: bytes below `filled` are initialised (`filled <= initialized` always holds).
        unsafe { slice_assume_init(slice) }
    }

    /// Returns a mutable reference to the filled portion of the buffer.
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.filled];
        // SAFETY: bytes below `filled` are initialised.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns a new `ReadBuf` comprised of the unfilled section up to `n`.
    ///
    /// The returned buffer starts empty; what is written to it is not reflected in `self`
    /// (use [`assume_init`](Self::assume_init) and [`advance`](Self::advance) for that).
    #[inline]
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let max = std::cmp::min(self.remaining(), n);
        let initialized = std::cmp::min(self.initialized - self.filled, max);
        // SAFETY: the sub-buffer only exposes the unfilled region; its own `initialized` mark
        // covers only bytes that are initialised in `self` too, and a `ReadBuf` never
        // de-initialises bytes, so `self`'s marks stay true whatever the caller does with it.
        let unfilled = unsafe { self.unfilled_mut() };
        ReadBuf {
            buf: &mut unfilled[..max],
            filled: 0,
            initialized,
        }
    }

    /// Returns a shared reference to the initialized portion of the buffer.
    ///
    /// This includes the filled portion.
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        let slice = &self.buf[..self.initialized];
        // SAFETY: bytes below `initialized` are initialised.
        unsafe { slice_assume_init(slice) }
    }

    /// Returns a mutable reference to the initialized portion of the buffer.
    ///
    /// This includes the filled portion.
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        let slice = &mut self.buf[..self.initialized];
        // SAFETY: bytes below `initialized` are initialised.
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns a mutable reference to the entire buffer, without ensuring that it has been
    /// fully initialized.
    ///
    /// The elements between 0 and `self.filled().len()` are filled, and those between 0 and
    /// `self.initialized().len()` are initialized (and so can be converted to a `&mut [u8]`).
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize portions of the buffer that have already been
    /// initialized. This includes any bytes in the region marked as uninitialized by
    /// `ReadBuf`.
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// Returns a mutable reference to the unfilled part of the buffer without ensuring that
    /// it has been fully initialized.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialize portions of the buffer that have already been
    /// initialized. This includes any bytes in the region marked as uninitialized by
    /// `ReadBuf`.
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// Returns a mutable reference to the unfilled part of the buffer, ensuring it is fully
    /// initialized.
    ///
    /// Since `ReadBuf` tracks the region of the buffer that has been initialized, this is
    /// effectively "free" after the first use.
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Returns a mutable reference to the first `n` bytes of the unfilled part of the buffer,
    /// ensuring it is fully initialized.
    ///
    /// # Panics
    ///
    /// Panics if `self.remaining()` is less than `n`.
    #[inline]
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(self.remaining() >= n, "n overflows remaining");

        let end = self.filled + n;
        if self.initialized < end {
            self.buf[self.initialized..end].fill(MaybeUninit::new(0));
            self.initialized = end;
        }

        let slice = &mut self.buf[self.filled..end];
        // SAFETY: bytes up to `end` were initialised just above (or before).
        unsafe { slice_assume_init_mut(slice) }
    }

    /// Returns the number of bytes at the end of the slice that have not yet been filled.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Clears the buffer, resetting the filled region to empty.
    ///
    /// The number of initialized bytes is not changed, and the contents of the buffer are
    /// not modified.
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Advances the size of the filled region of the buffer.
    ///
    /// The number of initialized bytes is not changed.
    ///
    /// # Panics
    ///
    /// Panics if the filled region of the buffer would become larger than the initialized
    /// region.
    #[inline]
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let new = self.filled.checked_add(n).expect("filled overflow");
        self.set_filled(new);
    }

    /// Sets the size of the filled region of the buffer.
    ///
    /// The number of initialized bytes is not changed.
    ///
    /// Note that this can be used to *shrink* the filled region of the buffer in addition to
    /// growing it (for example, by a `AsyncRead` implementation that compresses data
    /// in-place).
    ///
    /// # Panics
    ///
    /// Panics if the filled region of the buffer would become larger than the initialized
    /// region.
    #[inline]
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "filled must not become larger than initialized"
        );
        self.filled = n;
    }

    /// Asserts that the first `n` unfilled bytes of the buffer are initialized.
    ///
    /// `ReadBuf` assumes that bytes are never de-initialized, so this method does nothing
    /// when called with fewer bytes than are already known to be initialized.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `n` unfilled bytes of the buffer have already been
    /// initialized.
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let new = self.filled + n;
        if new > self.initialized {
            self.initialized = new;
        }
    }

    /// Appends data to the buffer, advancing the written position and possibly also the
    /// initialized position.
    ///
    /// # Panics
    ///
    /// Panics if `self.remaining()` is less than `buf.len()`.
    #[inline]
    #[track_caller]
    pub fn put_slice(&mut self, buf: &[u8]) {
        assert!(
            self.remaining() >= buf.len(),
            "buf.len() must fit in remaining(); buf.len() = {}, remaining() = {}",
            buf.len(),
            self.remaining()
        );

        let amt = buf.len();
        let end = self.filled + amt;

        // SAFETY: `&[u8]` and `&[MaybeUninit<u8>]` have the same layout, and the copy only
        // writes initialised bytes.
        let src = unsafe { &*(buf as *const [u8] as *const [MaybeUninit<u8>]) };
        self.buf[self.filled..end].copy_from_slice(src);

        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }
}

// SAFETY: `chunk_mut` is exactly the unfilled region, `remaining_mut` is its length, and
// `advance_mut` moves `filled` (and `initialized`, on the caller's word) forward by at most
// that length, so the filled/initialised bytes `ReadBuf` reports are always real ones.
unsafe impl bytes::BufMut for ReadBuf<'_> {
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    #[inline]
    #[track_caller]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        // Checked before `assume_init`: it must never mark bytes past the end initialised.
        assert!(
            cnt <= self.remaining(),
            "cannot advance past `remaining_mut`: {cnt} > {}",
            self.remaining()
        );
        // SAFETY: `advance_mut`'s caller guarantees the first `cnt` bytes of `chunk_mut()`,
        // i.e. of the unfilled region, were initialised.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    #[inline]
    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: an `UninitSlice` only lets bytes be written, never de-initialised, which is
        // all `unfilled_mut` requires of us.
        let unfilled = unsafe { self.unfilled_mut() };
        bytes::buf::UninitSlice::uninit(unfilled)
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
///
/// Every byte of `slice` must be initialised.
#[inline]
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: the caller promises the bytes are initialised; the layouts are identical.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
///
/// Every byte of `slice` must be initialised.
#[inline]
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: the caller promises the bytes are initialised; the layouts are identical.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_is_fully_initialized() {
        let mut storage = [7u8; 4];
        let buf = ReadBuf::new(&mut storage);
        assert_eq!(buf.capacity(), 4);
        assert_eq!(buf.initialized(), &[7, 7, 7, 7]);
        assert!(buf.filled().is_empty());
        assert_eq!(buf.remaining(), 4);
    }

    #[test]
    fn uninit_starts_uninitialized() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 6];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert!(buf.initialized().is_empty());
        assert_eq!(buf.initialize_unfilled_to(2), &[0, 0]);
        assert_eq!(buf.initialized().len(), 2);
        buf.advance(2);
        assert_eq!(buf.filled(), &[0, 0]);
        assert_eq!(buf.initialize_unfilled().len(), 4);
        assert_eq!(buf.initialized().len(), 6);
    }

    #[test]
    fn put_slice_and_clear() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 5];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"abc");
        assert_eq!(buf.filled(), b"abc");
        assert_eq!(buf.initialized(), b"abc");
        buf.filled_mut()[0] = b'x';
        assert_eq!(buf.filled(), b"xbc");
        buf.clear();
        assert!(buf.filled().is_empty());
        assert_eq!(buf.initialized(), b"xbc");
        buf.set_filled(3);
        assert_eq!(buf.filled(), b"xbc");
        buf.set_filled(1);
        assert_eq!(buf.filled(), b"x");
    }

    #[test]
    #[should_panic(expected = "buf.len() must fit in remaining()")]
    fn put_slice_overflow_panics() {
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"abc");
    }

    #[test]
    #[should_panic(expected = "filled must not become larger than initialized")]
    fn advance_past_initialized_panics() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.advance(1);
    }

    #[test]
    #[should_panic(expected = "n overflows remaining")]
    fn initialize_unfilled_to_overflow_panics() {
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        buf.initialize_unfilled_to(3);
    }

    #[test]
    fn assume_init_marks_bytes() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = ReadBuf::uninit(&mut storage);
        // SAFETY: we write the bytes before marking them.
        unsafe {
            buf.unfilled_mut()[0].write(1);
            buf.unfilled_mut()[1].write(2);
            buf.assume_init(2);
        }
        buf.advance(2);
        assert_eq!(buf.filled(), &[1, 2]);
        // Smaller than known: no change.
        // SAFETY: zero bytes claimed.
        unsafe { buf.assume_init(0) };
        assert_eq!(buf.initialized().len(), 2);
    }

    #[test]
    fn take_limits_and_carries_initialized() {
        let mut storage = [9u8; 8];
        let mut buf = ReadBuf::new(&mut storage);
        buf.put_slice(b"ab");
        let mut sub = buf.take(3);
        assert_eq!(sub.capacity(), 3);
        assert_eq!(sub.initialized().len(), 3);
        sub.put_slice(b"xyz");
        assert_eq!(sub.filled(), b"xyz");
        let n = sub.filled().len();
        buf.advance(n);
        assert_eq!(buf.filled(), b"abxyz");
        let sub = buf.take(100);
        assert_eq!(sub.capacity(), 3);
    }

    #[test]
    fn take_from_uninit() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.initialize_unfilled_to(2);
        let sub = buf.take(5);
        assert_eq!(sub.initialized().len(), 2);
        assert_eq!(sub.capacity(), 5);
    }

    #[test]
    fn zero_capacity() {
        let mut storage = [0u8; 0];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(buf.remaining(), 0);
        assert!(buf.initialize_unfilled().is_empty());
        buf.put_slice(b"");
        buf.advance(0);
        assert!(buf.filled().is_empty());
    }

    #[test]
    fn debug_shows_marks() {
        let mut storage = [0u8; 3];
        let buf = ReadBuf::new(&mut storage);
        let s = format!("{buf:?}");
        assert!(s.contains("capacity: 3"), "{s}");
    }
}
