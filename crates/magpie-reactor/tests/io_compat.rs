//! The `compat` adapters in both directions, and the line/segment streams.
#![cfg(feature = "compat")]

mod io_support;

use futures::io::{AsyncSeekExt as _, AsyncWriteExt as _};
use futures::StreamExt as _;
use io_support::{noise, run, Trickle};
use magpie_reactor::io::compat::{
    FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt, LinesStream, SplitStream,
    TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt,
};
use magpie_reactor::io::{self, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use std::io::SeekFrom;

#[test]
fn magpie_reader_and_writer_as_futures_io() {
    run(async {
        let data = noise(10_000);
        let mut r = Trickle::new(&data, 100, true).compat();
        let mut out = Vec::new();
        futures::io::AsyncReadExt::read_to_end(&mut r, &mut out)
            .await
            .unwrap();
        assert_eq!(out, data);

        let (a, mut b) = io::duplex(64);
        let mut w = a.compat_write();
        let writer = async {
            futures::io::AsyncWriteExt::write_all(&mut w, b"through futures")
                .await
                .unwrap();
            // poll_close maps to poll_shutdown: the peer reads EOF.
            w.close().await.unwrap();
        };
        let mut got = String::new();
        let reader = async {
            AsyncReadExt::read_to_string(&mut b, &mut got)
                .await
                .unwrap();
        };
        futures::join!(writer, reader);
        assert_eq!(got, "through futures");
    });
}

#[test]
fn futures_reader_and_writer_as_magpie_io() {
    run(async {
        let mut r = futures::io::Cursor::new(b"line one\nline two".to_vec()).compat();
        let mut line = String::new();
        AsyncBufReadExt::read_line(&mut r, &mut line).await.unwrap();
        assert_eq!(line, "line one\n");
        let mut rest = String::new();
        AsyncReadExt::read_to_string(&mut r, &mut rest)
            .await
            .unwrap();
        assert_eq!(rest, "line two");

        let mut w = futures::io::Cursor::new(Vec::new()).compat_write();
        AsyncWriteExt::write_all(&mut w, b"abc").await.unwrap();
        AsyncWriteExt::write_u16(&mut w, 0x0102).await.unwrap();
        AsyncWriteExt::shutdown(&mut w).await.unwrap();
        assert_eq!(w.get_ref().get_ref(), b"abc\x01\x02");

        // Copy from a futures reader into a magpie writer with magpie's copy.
        let mut src = futures::io::Cursor::new(noise(5000)).compat();
        let mut dst = Vec::new();
        assert_eq!(io::copy(&mut src, &mut dst).await.unwrap(), 5000);
        assert_eq!(dst, noise(5000));
    });
}

#[test]
fn seek_both_ways() {
    run(async {
        // futures seekable as magpie.
        let mut c = futures::io::Cursor::new(noise(100)).compat();
        assert_eq!(
            AsyncSeekExt::seek(&mut c, SeekFrom::Start(10))
                .await
                .unwrap(),
            10
        );
        assert_eq!(AsyncSeekExt::stream_position(&mut c).await.unwrap(), 10);
        assert_eq!(AsyncReadExt::read_u8(&mut c).await.unwrap(), noise(100)[10]);
        // magpie seekable as futures.
        let mut c = std::io::Cursor::new(noise(100)).compat();
        assert_eq!(c.seek(SeekFrom::End(-1)).await.unwrap(), 99);
        let mut b = [0u8; 1];
        futures::io::AsyncReadExt::read_exact(&mut c, &mut b)
            .await
            .unwrap();
        assert_eq!(b[0], noise(100)[99]);
    });
}

#[test]
fn buf_read_both_ways() {
    run(async {
        let mut r = io::BufReader::new(&b"x\ny\n"[..]).compat();
        let mut line = String::new();
        futures::io::AsyncBufReadExt::read_line(&mut r, &mut line)
            .await
            .unwrap();
        assert_eq!(line, "x\n");
        let lines: Vec<_> = futures::io::AsyncBufReadExt::lines(r)
            .map(|l| l.unwrap())
            .collect()
            .await;
        assert_eq!(lines, ["y"]);
    });
}

#[test]
fn lines_and_split_streams() {
    run(async {
        let lines = LinesStream::new(Trickle::new(b"a\r\nb\nc", 2, true).lines());
        let got: Vec<String> = lines.map(|l| l.unwrap()).collect().await;
        assert_eq!(got, ["a", "b", "c"]);

        let segs = SplitStream::new(AsyncBufReadExt::split(&b"1;2;;3"[..], b';'));
        let got: Vec<Vec<u8>> = segs.map(|s| s.unwrap()).collect().await;
        assert_eq!(got, [b"1".to_vec(), b"2".to_vec(), vec![], b"3".to_vec()]);

        let mut bad = LinesStream::new(AsyncBufReadExt::lines(&b"\xff\nok\n"[..]));
        assert!(bad.next().await.unwrap().is_err());
        assert_eq!(bad.next().await.unwrap().unwrap(), "ok");
        assert!(bad.next().await.is_none());
    });
}
