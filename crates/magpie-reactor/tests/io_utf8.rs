//! What the string readers do with bytes that are not UTF-8, and with I/O errors in the
//! middle of a line: `read_line`, `read_to_string` and `Lines`, as tokio defines them.

mod io_support;

use io_support::{run, Script};
use magpie_reactor::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use std::io::ErrorKind;
use std::str::Utf8Error;
use std::string::FromUtf8Error;

fn boom() -> Result<&'static [u8], ErrorKind> {
    Err(ErrorKind::ConnectionReset)
}

// ---- read_line ----

#[test]
fn read_line_invalid_utf8_restores_the_string_and_says_where() {
    run(async {
        let mut r = BufReader::new(Script::reads([Ok(&b"ok\xffk\nnext\n"[..])]));
        let mut line = String::from("héllo");
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let utf8 = err.into_inner().unwrap().downcast::<Utf8Error>().unwrap();
        // Counted from the start of the whole string: 6 bytes of "héllo", then "ok".
        assert_eq!(utf8.valid_up_to(), 8);
        assert_eq!(
            line, "héllo",
            "the original contents come back, nothing else"
        );
        // The bad line was consumed: reading goes on after it.
        line.clear();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "next\n");
    });
}

#[test]
fn read_line_io_error_keeps_valid_bytes_but_not_a_cut_char() {
    run(async {
        let mut r = Script::reads([Ok(&b"ab"[..]), boom(), Ok(b"c\n")]);
        let mut line = String::from(">");
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(line, ">ab", "read_line keeps what it read before the error");

        // A character cut in two by the error is not valid UTF-8 yet: nothing is kept.
        let mut r = Script::reads([Ok(&b"a\xc3"[..]), boom(), Ok(b"\xa9\n")]);
        let mut line = String::from(">");
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(line, ">");
    });
}

// ---- read_to_string ----

#[test]
fn read_to_string_invalid_utf8_restores_the_string_and_says_where() {
    run(async {
        let mut r: &[u8] = b"de\xfff";
        let mut s = String::from("abc");
        let err = r.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let utf8 = err.into_inner().unwrap().downcast::<Utf8Error>().unwrap();
        assert_eq!(utf8.valid_up_to(), 5);
        assert_eq!(s, "abc");
        assert!(r.is_empty(), "the reader was read to its end");
    });
}

#[test]
fn read_to_string_io_error_drops_what_it_read() {
    run(async {
        let mut r = Script::reads([Ok(&b"def"[..]), boom()]);
        let mut s = String::from("abc");
        let err = r.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(s, "abc");
    });
}

// ---- Lines ----

#[test]
fn lines_invalid_line_fails_once_with_its_bytes_then_moves_on() {
    run(async {
        let mut lines = (&b"ok\n\xff\xfe\r\nnext\n\xc3"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ok"));
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        let bad = err
            .into_inner()
            .unwrap()
            .downcast::<FromUtf8Error>()
            .unwrap();
        assert_eq!(
            bad.into_bytes(),
            b"\xff\xfe",
            "the line, without its line ending"
        );
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("next"));
        // A bad last line without a newline fails once too, then EOF: no endless errors.
        assert!(lines.next_line().await.is_err());
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn lines_keep_a_partial_line_across_an_io_error() {
    run(async {
        let script = Script::reads([Ok(&b"ab\xc3"[..]), boom(), Ok(b"\xa9cd\nef\n")]);
        let mut lines = BufReader::new(script).lines();
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        // The bytes before the error, half a character included, start the next line.
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("abécd"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ef"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn lines_partial_line_then_error_then_eof_is_returned() {
    run(async {
        let mut lines = Script::reads([Ok(&b"tail"[..]), boom()]).lines();
        assert!(lines.next_line().await.is_err());
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("tail"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}
