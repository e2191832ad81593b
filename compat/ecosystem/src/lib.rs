//! Shared pieces of the ecosystem tests and examples: a hyper service, an axum app and a
//! throw-away PostgreSQL cluster. Everything runs on Magpie through the `tokio` shim.

pub mod http;
pub mod pg;

/// Raises this process's soft limit on open files to its hard limit: 1,000 concurrent
/// HTTP/1.1 requests hold ~2,000 sockets (client and server sides), more than the usual
/// soft limit of 1,024.
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return;
    }
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the hard one is
        // always permitted.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    }
}
