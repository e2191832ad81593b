//! Auto traits match tokio's: the io types are `Send + Sync + Unpin`, the extension traits'
//! futures are `Send + Sync` but `!Unpin` (so code written for tokio pins them the same way).
//! A regression here is a compile error.

use magpie_reactor::io::{
    self, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufStream,
    BufWriter, DuplexStream, Empty, Lines, ReadBuf, ReadHalf, Repeat, SimplexStream, Sink, Split,
    Take, WriteHalf,
};
use std::io::SeekFrom;
use std::pin::Pin;

fn send_sync_unpin<T: Send + Sync + Unpin>() {}

fn send_sync<T: Send + Sync>(_: &T) {}

/// Fails to compile for an `Unpin` type: both impls apply and the call is ambiguous.
trait AmbiguousIfUnpin<A> {
    fn check(&self) {}
}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

macro_rules! not_unpin {
    ($($fut:expr),* $(,)?) => {$({
        let fut = $fut;
        send_sync(&fut);
        AmbiguousIfUnpin::check(&fut);
    })*};
}

type BoxRead = Pin<Box<dyn io::AsyncBufRead + Send + Sync>>;
type BoxWrite = Pin<Box<dyn io::AsyncWrite + Send + Sync>>;
type BoxSeek = Pin<Box<dyn io::AsyncSeek + Send + Sync>>;

#[test]
fn io_types_are_send_sync_unpin() {
    send_sync_unpin::<BufReader<DuplexStream>>();
    send_sync_unpin::<BufWriter<DuplexStream>>();
    send_sync_unpin::<BufStream<DuplexStream>>();
    send_sync_unpin::<DuplexStream>();
    send_sync_unpin::<SimplexStream>();
    send_sync_unpin::<Empty>();
    send_sync_unpin::<Repeat>();
    send_sync_unpin::<Sink>();
    send_sync_unpin::<Lines<DuplexStream>>();
    send_sync_unpin::<Split<DuplexStream>>();
    send_sync_unpin::<Take<DuplexStream>>();
    send_sync_unpin::<ReadHalf<DuplexStream>>();
    send_sync_unpin::<WriteHalf<DuplexStream>>();
    send_sync_unpin::<ReadBuf<'static>>();
    send_sync_unpin::<io::Stdin>();
    send_sync_unpin::<io::Stdout>();
    send_sync_unpin::<io::Stderr>();
}

#[test]
#[allow(clippy::let_underscore_future)]
fn extension_futures_are_send_sync_not_unpin() {
    let mut r: BoxRead = Box::pin(&b""[..]);
    let mut w: BoxWrite = Box::pin(Vec::new());
    let mut s: BoxSeek = Box::pin(std::io::Cursor::new(Vec::<u8>::new()));
    let mut buf = [0u8; 4];
    let mut v = Vec::new();
    let mut st = String::new();
    not_unpin!(
        r.read(&mut buf),
        r.read_exact(&mut buf),
        r.read_to_end(&mut v),
        r.read_to_string(&mut st),
        r.read_u8(),
        r.read_i8(),
        r.read_u16(),
        r.read_i32_le(),
        r.read_u64(),
        r.read_f64_le(),
        r.read_until(b'\n', &mut v),
        r.read_line(&mut st),
        r.fill_buf(),
        w.write(b"x"),
        w.write_vectored(&[]),
        w.write_all(b"x"),
        w.write_u8(1),
        w.write_i16(1),
        w.write_u128_le(1),
        w.write_f32(1.0),
        w.flush(),
        w.shutdown(),
        s.seek(SeekFrom::Start(0)),
        s.stream_position(),
        s.rewind(),
    );
}
