//! fs: whole-file helpers, directories, and File through the io traits.

mod support;

use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::poll_fn;
use magpie_reactor::fs::{self, File, OpenOptions};
use magpie_reactor::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use support::block_on;

fn scratch(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "magpie-fs-{}-{}-{}",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

async fn read_some(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    poll_fn(|cx| Pin::new(&mut *f).poll_read(cx, &mut rb)).await?;
    Ok(rb.filled().len())
}

async fn write_all(f: &mut File, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *f).poll_write(cx, buf)).await?;
        buf = &buf[n..];
    }
    Ok(())
}

async fn flush(f: &mut File) -> std::io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *f).poll_flush(cx)).await
}

async fn seek(f: &mut File, pos: SeekFrom) -> std::io::Result<u64> {
    poll_fn(|cx| Pin::new(&mut *f).poll_complete(cx)).await?;
    Pin::new(&mut *f).start_seek(pos)?;
    poll_fn(|cx| Pin::new(&mut *f).poll_complete(cx)).await
}

#[test]
fn whole_file_helpers_and_dirs() {
    let dir = scratch("helpers");
    block_on(async {
        let a = dir.join("a.txt");
        fs::write(&a, "hello").await.unwrap();
        assert_eq!(fs::read(&a).await.unwrap(), b"hello");
        assert_eq!(fs::read_to_string(&a).await.unwrap(), "hello");
        assert_eq!(fs::metadata(&a).await.unwrap().len(), 5);
        let b = dir.join("b.txt");
        assert_eq!(fs::copy(&a, &b).await.unwrap(), 5);
        let c = dir.join("c.txt");
        fs::rename(&b, &c).await.unwrap();
        assert!(!fs::try_exists(&b).await.unwrap());
        assert!(fs::try_exists(&c).await.unwrap());
        assert_eq!(
            fs::canonicalize(&c).await.unwrap(),
            std::fs::canonicalize(&c).unwrap()
        );
        fs::remove_file(&c).await.unwrap();
        let err = fs::remove_file(&c).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);

        let nested = dir.join("x/y/z");
        fs::create_dir_all(&nested).await.unwrap();
        fs::create_dir(dir.join("solo")).await.unwrap();
        assert_eq!(
            fs::create_dir(dir.join("solo")).await.unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        fs::remove_dir(dir.join("solo")).await.unwrap();

        let mut names = Vec::new();
        for i in 0..70 {
            fs::write(dir.join(format!("f{i:02}")), [i as u8])
                .await
                .unwrap();
        }
        let mut entries = fs::read_dir(&dir).await.unwrap();
        while let Some(e) = entries.next_entry().await.unwrap() {
            assert_eq!(e.path(), dir.join(e.file_name()));
            if e.file_type().await.unwrap().is_file() && e.file_name() != "a.txt" {
                assert_eq!(e.metadata().await.unwrap().len(), 1);
            }
            names.push(e.file_name().into_string().unwrap());
        }
        assert!(entries.next_entry().await.unwrap().is_none());
        names.sort();
        assert_eq!(names.len(), 72, "{names:?}"); // 70 files, a.txt, x
        let mut entries = fs::read_dir(&dir).await.unwrap();
        let first = poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap();
        assert!(first.is_some());

        fs::remove_dir_all(dir.join("x")).await.unwrap();
        assert!(!fs::try_exists(dir.join("x")).await.unwrap());
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn file_write_read_seek() {
    let dir = scratch("file");
    block_on(async {
        let path = dir.join("data.bin");
        let mut f = File::create(&path).await.unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        write_all(&mut f, &data).await.unwrap();
        flush(&mut f).await.unwrap();
        f.sync_all().await.unwrap();
        assert_eq!(f.metadata().await.unwrap().len(), data.len() as u64);
        drop(f);

        let mut f = File::open(&path).await.unwrap();
        let mut back = Vec::new();
        let mut buf = vec![0u8; 70_000];
        loop {
            let n = read_some(&mut f, &mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
        assert_eq!(back, data);

        assert_eq!(seek(&mut f, SeekFrom::Start(10)).await.unwrap(), 10);
        let mut small = [0u8; 4];
        assert_eq!(read_some(&mut f, &mut small).await.unwrap(), 4);
        assert_eq!(small, [10, 11, 12, 13]);
        // Buffered unread bytes do not move the logical position.
        assert_eq!(seek(&mut f, SeekFrom::Current(0)).await.unwrap(), 14);
        let err = write_all(&mut f, b"x").await;
        // Opened read-only: the background write fails and the error surfaces.
        let err = match err {
            Err(e) => e,
            Ok(()) => flush(&mut f).await.unwrap_err(),
        };
        assert_ne!(err.kind(), ErrorKind::WouldBlock);
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn open_options_set_len_and_interleaving() {
    let dir = scratch("opts");
    block_on(async {
        let path = dir.join("o.txt");
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .unwrap();
        assert!(OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .is_err());
        write_all(&mut f, b"0123456789").await.unwrap();
        seek(&mut f, SeekFrom::Start(0)).await.unwrap();
        let mut two = [0u8; 2];
        assert_eq!(read_some(&mut f, &mut two).await.unwrap(), 2);
        // Writing after a partial read lands right after what was read.
        write_all(&mut f, b"AB").await.unwrap();
        flush(&mut f).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"01AB456789");
        f.set_len(4).await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"01AB");
        let mut appender = OpenOptions::new().append(true).open(&path).await.unwrap();
        write_all(&mut appender, b"+").await.unwrap();
        flush(&mut appender).await.unwrap();
        assert_eq!(fs::read_to_string(&path).await.unwrap(), "01AB+");
        let std = appender.into_std().await;
        assert!(std.metadata().unwrap().is_file());
        assert_eq!(
            File::open(dir.join("missing")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dir_builder_options() {
    let dir = scratch("dir_builder");
    block_on(async {
        let nested = dir.join("a/b/c");
        let err = fs::DirBuilder::new().create(&nested).await.unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::NotFound,
            "parents are not created by default"
        );
        fs::DirBuilder::new()
            .recursive(true)
            .create(&nested)
            .await
            .unwrap();
        assert!(fs::metadata(&nested).await.unwrap().is_dir());
        // Recursive creation of an existing directory succeeds; plain creation does not.
        fs::DirBuilder::new()
            .recursive(true)
            .create(&nested)
            .await
            .unwrap();
        let err = fs::DirBuilder::new().create(&nested).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let private = dir.join("private");
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&private)
                .await
                .unwrap();
            let mode = fs::metadata(&private).await.unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn set_times_set_modified_and_buf_size() {
    use std::time::{Duration, SystemTime};
    let dir = scratch("times");
    block_on(async {
        let path = dir.join("t.txt");
        let mut file = File::create(&path).await.unwrap();
        assert_eq!(file.max_buf_size(), 2 * 1024 * 1024);
        file.set_max_buf_size(3);
        assert_eq!(file.max_buf_size(), 3);

        // A pending write is finished before the times are set, so it cannot move them.
        write_all(&mut file, b"hello, times").await.unwrap();
        let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let accessed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_200_000_000);
        file.set_times(
            fs::FileTimes::new()
                .set_accessed(accessed)
                .set_modified(modified),
        )
        .await
        .unwrap();
        let meta = fs::metadata(&path).await.unwrap();
        assert_eq!(meta.modified().unwrap(), modified);
        assert_eq!(meta.accessed().unwrap(), accessed);
        assert_eq!(meta.len(), 12);

        let later = modified + Duration::from_secs(60);
        file.set_modified(later).await.unwrap();
        let meta = fs::metadata(&path).await.unwrap();
        assert_eq!(meta.modified().unwrap(), later);
        assert_eq!(meta.accessed().unwrap(), accessed);
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zero_max_buf_size_panics_at_the_caller() {
    let dir = scratch("zerobuf");
    let std_file = std::fs::File::create(dir.join("z")).unwrap();
    let mut file = File::from_std(std_file);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| file.set_max_buf_size(0)))
        .unwrap_err();
    assert_eq!(
        support::panic_message(err),
        "`max_buf_size` must be greater than 0"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn from_raw_fd_and_owned_fd() {
    use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
    let dir = scratch("rawfd");
    let path = dir.join("r.txt");
    std::fs::write(&path, b"raw fd").unwrap();
    block_on(async {
        let fd = std::fs::File::open(&path).unwrap().into_raw_fd();
        // SAFETY: `fd` was just released by its std file; nothing else owns it.
        let mut file = unsafe { File::from_raw_fd(fd) };
        let mut buf = [0u8; 16];
        let n = read_some(&mut file, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"raw fd");

        let owned = OwnedFd::from(std::fs::File::open(&path).unwrap());
        let mut file = File::from(owned);
        let n = read_some(&mut file, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"raw fd");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_vectored_gathers_and_clone_keeps_buf_size() {
    let dir = scratch("vectored");
    block_on(async {
        let path = dir.join("v.txt");
        let mut file = File::create(&path).await.unwrap();
        assert!(magpie_reactor::io::AsyncWrite::is_write_vectored(&file));
        let bufs = [
            std::io::IoSlice::new(b"hello "),
            std::io::IoSlice::new(b""),
            std::io::IoSlice::new(b"vectored "),
            std::io::IoSlice::new(b"world"),
        ];
        let n = poll_fn(|cx| Pin::new(&mut file).poll_write_vectored(cx, &bufs))
            .await
            .unwrap();
        assert_eq!(n, 20);
        // A small max buffer caps one vectored write, across buffer boundaries.
        file.set_max_buf_size(8);
        let n = poll_fn(|cx| Pin::new(&mut file).poll_write_vectored(cx, &bufs))
            .await
            .unwrap();
        assert_eq!(n, 8);
        flush(&mut file).await.unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"hello vectored worldhello ve"
        );

        let clone = file.try_clone().await.unwrap();
        assert_eq!(clone.max_buf_size(), 8);
        assert!(format!("{clone:?}").starts_with("tokio::fs::File { std: File { fd:"));
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
